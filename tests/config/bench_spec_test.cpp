// Bench files: what they hold after parsing, and one clear error per kind of mistake.
#include <gtest/gtest.h>

#include <cstdlib>

#include "maspo/config.hpp"
#include "maspo/util.hpp"

namespace {

using maspo::BenchSpec;
using maspo::parse_bench_spec;

BenchSpec parse(const std::string& yaml) { return parse_bench_spec(yaml, "b.yaml", "/base"); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const maspo::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kMinimal = "methods: [seed, maspo]\nsystems: [sequential:2]\ndatasets:\n  math: {data: m.jsonl}\n";

TEST(BenchSpec, ParsesEverySectionWithPathsFromTheFilesDirectory) {
  const BenchSpec s = parse("methods: [seed, maspo]\nsystems: [sequential:2]\n"
                            "name: smoke\nseeds: [1, 2]\neval_limit: 20\nsettings: {rounds: 1, pool_size: 10}\n"
                            "baselines: {iterations: 3, sc_samples: 4}\nbudget:\n  optimizer: {calls: 40}\n"
                            "datasets:\n  math: {data: m.jsonl, pool: sub/p.jsonl, format: math500}\n");
  EXPECT_EQ(s.name, "smoke");
  ASSERT_EQ(s.methods.size(), 2u);
  EXPECT_EQ(s.methods[1], maspo::opt::Method::maspo);
  EXPECT_EQ(s.seeds, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(s.eval_limit, 20);
  EXPECT_EQ(s.settings.rounds, 1);
  EXPECT_EQ(s.settings.pool_size, 10);
  EXPECT_EQ(s.settings.beam_width, 2) << "unset settings keep the paper's defaults";
  EXPECT_EQ(s.baselines.iterations, 3);
  EXPECT_EQ(s.baselines.sc_samples, 4);
  EXPECT_EQ(*s.budgets.at("optimizer").calls, 40);
  ASSERT_EQ(s.datasets.size(), 1u);
  EXPECT_EQ(s.datasets[0].data, "math:math500=/base/m.jsonl");
  EXPECT_EQ(s.datasets[0].pool, "math:math500=/base/sub/p.jsonl");
}

TEST(BenchSpec, DatasetsVariableExpands) {
  ::setenv("MASPO_DATASETS", "/data/here", 1);
  const BenchSpec s = parse("methods: [seed]\nsystems: [hierarchical]\ndatasets:\n  g: {data: \"${MASPO_DATASETS}/g/t.jsonl\"}\n");
  ::unsetenv("MASPO_DATASETS");
  EXPECT_EQ(s.datasets[0].data, "g=/data/here/g/t.jsonl");
}

TEST(BenchSpec, EachMistakeGetsOneMessageNamingLineAndKey) {
  EXPECT_NE(error_of("systems: [sequential]\ndatasets:\n  m: {data: x}\n").find("methods"), std::string::npos);
  const std::string unknown = error_of("methods: [seed, mapso]\nsystems: [sequential]\ndatasets:\n  m: {data: x}\n");
  EXPECT_NE(unknown.find("b.yaml:1"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("unknown method 'mapso'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("protegi"), std::string::npos) << "lists the known methods: " << unknown;
  EXPECT_NE(error_of("methods: [seed, seed]\nsystems: [sequential]\ndatasets:\n  m: {data: x}\n").find("twice"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "seeds: [1, -2]\n").find("-2"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "baselines: {iterations: 0}\n").find("iterations"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "settings: {beam_widht: 2}\n").find("beam_widht"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "budget:\n  robots: {calls: 2}\n").find("robots"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "colour: red\n").find("colour"), std::string::npos);
  const std::string no_system = error_of("methods: [seed]\nsystems: [no-such.yaml]\ndatasets:\n  m: {data: x}\n");
  EXPECT_NE(no_system.find("no-such.yaml"), std::string::npos) << no_system;
  EXPECT_NE(error_of("methods: [seed]\nsystems: [sequential]\ndatasets:\n  m: {pool: x}\n").find("data"),
            std::string::npos);
  EXPECT_NE(error_of("methods: [seed\n").find("invalid YAML"), std::string::npos);
  EXPECT_THROW(maspo::load_bench_spec("/no/such/bench.yaml"), maspo::InputError);
}

}  // namespace
