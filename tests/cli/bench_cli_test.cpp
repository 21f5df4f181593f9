// `maspo bench` through the real binary against the fake OpenAI server answering as the synthetic
// testbed (a TEST DOUBLE with a built-in local-global misalignment): a bench killed with SIGKILL at
// several moments and run again ends with the uninterrupted bench's results, never reruns a
// finished cell, and refuses a changed protocol; a bad bench file is one message and exit 2.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli_process.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::testing::run_maspo;
using nlohmann::json;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

struct BenchFiles {
  fs::path bench;
  fs::path dir;
};

BenchFiles setup(const fs::path& dir, int port, const std::string& extra = "") {
  write(dir / "config.yaml", maspo::testing::testbed_http_config(port, 8));
  maspo::testing::write_testbed_files(dir, 12, 30);
  write(dir / "bench.yaml",
        "name: t\nconfig: config.yaml\nmethods: [seed, cot, maspo, spo, tpe]\nsystems: [testbed.yaml]\n"
        "datasets:\n  syn: {data: test.jsonl, pool: pool.jsonl, format: gsm8k}\nseeds: [0, 1]\neval_limit: 6\n"
        "settings: {pool_size: 12, batch_size: 4, layers_per_visit: 1, rounds: 2}\n"
        "baselines: {iterations: 2, minibatch: 4, tpe_trials: 4, tpe_candidates: 3, spo_samples: 3}\n"
        "budget:\n  optimizer: {calls: 12}\n" + extra);
  return {dir / "bench.yaml", dir};
}

// The parts of results.json that must not depend on interruptions (cost and wall time do).
json comparable(const json& r) {
  json out = json::array();
  for (const auto& c : r.at("cells")) {
    out.push_back({c["method"], c["seed"], c["status"], c["accuracy"], c["ci95"], c["correct"], c["total"]});
  }
  json rows = json::array();
  for (const auto& row : r.at("table")) rows.push_back({row["method"], row["datasets"], row["vs_maspo"]});
  return {out, rows};
}

TEST(BenchCli, KilledAtSeveralMomentsThenRerunEndsLikeAnUninterruptedBench) {
  maspo::testing::FakeServerProcess server({"--responder", "testbed", "--latency-ms", "15"});
  ASSERT_GT(server.port(), 0);
  maspo::testing::TempDir tmp("maspo-bench");
  const BenchFiles f = setup(tmp.path(), server.port());

  auto whole = run_maspo(tmp.path(), {"bench", f.bench.string(), "--out", (tmp.path() / "whole").string()}, {},
                         std::chrono::seconds(120));
  ASSERT_EQ(whole.code, 0) << whole;
  const json expected = json::parse(std::ifstream(tmp.path() / "whole" / "results.json"));
  ASSERT_EQ(expected["cells"].size(), 10u);
  for (const auto& c : expected["cells"]) EXPECT_EQ(c["status"], "done") << c.dump();

  // A cell killed inside its run store's create() leaves an empty run.sqlite (a kill that lands
  // there, seen on a loaded machine): the rerun starts that cell over.
  const fs::path half = tmp.path() / "half";
  const fs::path cell = half / "cells" / "testbed" / "syn" / "spo" / "seed-0";
  fs::create_directories(cell);
  write(cell / "run.sqlite", "");
  auto redo = run_maspo(tmp.path(), {"bench", f.bench.string(), "--out", half.string()}, {}, std::chrono::seconds(120));
  ASSERT_EQ(redo.code, 0) << redo;
  EXPECT_EQ(comparable(json::parse(std::ifstream(half / "results.json"))), comparable(expected));

  // Kill it repeatedly, later each time; after each kill, cells finished so far stay untouched.
  const fs::path out = tmp.path() / "killed";
  std::map<fs::path, fs::file_time_type> finished;
  int kills_mid_bench = 0;
  for (int ms : {400, 900, 1500, 2500}) {
    auto r = run_maspo(tmp.path(), {"bench", f.bench.string(), "--out", out.string()}, {},
                       std::chrono::milliseconds(ms));
    for (const auto& [file, when] : finished) {
      ASSERT_TRUE(fs::exists(file)) << file;
      EXPECT_EQ(fs::last_write_time(file), when) << "a finished cell was rerun: " << file;
    }
    if (r.code == -1) ++kills_mid_bench;
    if (!fs::exists(out)) continue;   // killed before it made the directory
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      if (e.path().filename() == "cell.json") finished.emplace(e.path(), fs::last_write_time(e.path()));
    }
  }
  EXPECT_GE(kills_mid_bench, 2) << "the bench finished too early for the kills to test anything";
  auto last = run_maspo(tmp.path(), {"bench", f.bench.string(), "--out", out.string()}, {}, std::chrono::seconds(120));
  ASSERT_EQ(last.code, 0) << last;
  for (const auto& [file, when] : finished) EXPECT_EQ(fs::last_write_time(file), when) << file;
  const json got = json::parse(std::ifstream(out / "results.json"));
  EXPECT_EQ(comparable(got), comparable(expected));
  EXPECT_NE(last.out.find("| testbed.yaml | maspo |"), std::string::npos) << last.out;

  // Equal budgets: no optimizing cell spent more optimizer calls than the cap.
  for (const auto& c : got["cells"]) {
    if (!c["optimization"].contains("calls")) continue;
    EXPECT_LE(c["optimization"]["calls"].value("optimizer", 0), 12) << c.dump();
  }
  // A changed protocol is refused instead of mixing results.
  std::string text;
  {
    std::ifstream in(f.bench);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("eval_limit: 6"), 13, "eval_limit: 5");
  write(f.bench, text);
  auto changed = run_maspo(tmp.path(), {"bench", f.bench.string(), "--out", out.string()});
  EXPECT_EQ(changed.code, 2) << changed;
  EXPECT_NE(changed.err.find("protocol.json"), std::string::npos) << changed;
}

TEST(BenchCli, DryRunChecksInputsAndPrintsBoundsWithoutRunning) {
  maspo::testing::FakeServerProcess server({"--responder", "testbed"});
  maspo::testing::TempDir tmp("maspo-bench");
  const BenchFiles f = setup(tmp.path(), server.port());
  auto r = run_maspo(tmp.path(), {"bench", f.bench.string(), "--dry-run", "--out", (tmp.path() / "o").string()});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("10 cells (5 methods x 1 systems x 1 datasets x 2 seeds)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("maspo"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path() / "o")) << "a dry run writes nothing";
}

TEST(BenchCli, BadBenchFileIsOneMessageAndExitTwo) {
  maspo::testing::TempDir tmp("maspo-bench");
  write(tmp.path() / "b.yaml", "methods: [seed, maspoo]\nsystems: [sequential]\ndatasets:\n  m: {data: x.jsonl}\n");
  auto r = run_maspo(tmp.path(), {"bench", (tmp.path() / "b.yaml").string()});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_NE(r.err.find("b.yaml:1"), std::string::npos) << r;
  EXPECT_NE(r.err.find("unknown method 'maspoo'"), std::string::npos) << r;
  write(tmp.path() / "c.yaml", "methods: [seed]\nsystems: [sequential]\ndatasets:\n  m: {data: missing.jsonl}\n");
  r = run_maspo(tmp.path(), {"bench", (tmp.path() / "c.yaml").string()});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_NE(r.err.find("missing.jsonl"), std::string::npos) << r;
}

}  // namespace
