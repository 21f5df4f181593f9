// A whole `maspo optimize` run (the synthetic testbed, a TEST DOUBLE, answered by the fake OpenAI
// server over real HTTP) under every kind of fault a model service shows: 429 bursts, 5xx, hangs,
// dropped connections, malformed and cut-off bodies, slow drips, one endpoint of several dead.
// Transient faults: the run ends with exactly the clean run's prompts and scores. Permanent ones:
// it stops with exit 1, keeps its finished steps, and `maspo resume` ends like the clean run.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli_process.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::testing::FakeServerProcess;
using maspo::testing::run_maspo;
using nlohmann::json;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::string config(const std::vector<std::string>& urls) {
  std::string list = "[";
  for (const auto& u : urls) list += (list.size() > 1 ? ", " : "") + u;
  list += "]";
  std::string out = "models:\n";
  for (const char* role : {"agents", "optimizer", "judge"}) {
    out += std::string("  ") + role + ":\n    backend: openai\n    base_url: " + list + "\n    model: testbed-" + role +
           "\n    max_concurrency: 8\n    timeout_s: 1\n    connect_timeout_s: 1\n"
           "    retry: {max_attempts: 8, base_delay_s: 0.01, max_delay_s: 0.05}\n";
  }
  return out;
}

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port) + "/v1"; }

struct Outcome {
  maspo::testing::Result run;
  json prompts;
  json optimized;   // eval-optimized/summary.json's counts
};

Outcome optimize(const fs::path& dir, const std::vector<std::string>& urls, const std::string& name) {
  maspo::testing::write_testbed_files(dir, 12, 30);
  write(dir / (name + ".yaml"), config(urls));
  Outcome o;
  o.run = run_maspo(dir,
                    {"--config", (dir / (name + ".yaml")).string(), "optimize", (dir / "testbed.yaml").string(),
                     "--data", "syn:gsm8k=" + (dir / "test.jsonl").string(), "--pool",
                     "syn:gsm8k=" + (dir / "pool.jsonl").string(), "--pool-size", "12", "--batch-size", "4",
                     "--layers", "2", "--rounds", "2", "--eval-limit", "6", "--out", (dir / name).string()},
                    {{"MASPO_CACHE_DIR", (dir / ("cache-" + name)).string()}}, std::chrono::seconds(120));
  if (fs::exists(dir / name / "best_prompts.json")) o.prompts = json::parse(std::ifstream(dir / name / "best_prompts.json"));
  if (fs::exists(dir / name / "eval-optimized" / "summary.json")) {
    const json s = json::parse(std::ifstream(dir / name / "eval-optimized" / "summary.json"));
    o.optimized = {s.at("correct"), s.at("errors"), s.at("scored")};
  }
  return o;
}

const Outcome& clean() {
  static const Outcome* outcome = [] {
    static FakeServerProcess server({"--responder", "testbed"});
    static maspo::testing::TempDir dir("maspo-faults-clean");
    return new Outcome(optimize(dir.path(), {url(server.port())}, "clean"));
  }();
  return *outcome;
}

struct Scenario {
  std::string name;
  std::vector<std::string> server_flags;
  bool dead_endpoint_first = false;
};

class FaultMatrix : public ::testing::TestWithParam<Scenario> {};

TEST_P(FaultMatrix, TransientFaultsEndWithTheCleanRunsResult) {
  const Outcome& reference = clean();
  ASSERT_EQ(reference.run.code, 0) << reference.run;
  ASSERT_TRUE(reference.prompts.is_object());
  const Scenario& sc = GetParam();
  std::vector<std::string> flags = {"--responder", "testbed"};
  flags.insert(flags.end(), sc.server_flags.begin(), sc.server_flags.end());
  FakeServerProcess server(flags);
  ASSERT_GT(server.port(), 0);
  maspo::testing::TempDir tmp("maspo-faults");
  std::vector<std::string> urls = {url(server.port())};
  // Port 1 refuses connections: the dead replica must not cost the run anything but retries.
  if (sc.dead_endpoint_first) urls.insert(urls.begin(), url(1));
  const Outcome o = optimize(tmp.path(), urls, "faulty");
  ASSERT_EQ(o.run.code, 0) << o.run;
  EXPECT_EQ(o.prompts, reference.prompts);
  EXPECT_EQ(o.optimized, reference.optimized);
  EXPECT_EQ(o.optimized.at(1), 0) << "no item may fail under transient faults";
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultMatrix,
    ::testing::Values(Scenario{"burst_429", {"--fault", "status_429:16:0.01"}},
                      Scenario{"server_errors", {"--fault", "status_500:8", "--fault", "status_503:8"}},
                      Scenario{"hangs", {"--fault", "hang:4"}},
                      Scenario{"dropped_connections", {"--fault", "drop_connection:25"}},
                      Scenario{"malformed_bodies",
                               {"--fault", "malformed_json:8", "--fault", "cut_off_body:8"}},
                      Scenario{"slow_drips", {"--fault", "slow_drip:10"}},
                      Scenario{"one_endpoint_of_two_dead", {}, true}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(FaultMatrix, PermanentOutageStopsCleanlyAndResumeEndsLikeTheCleanRun) {
  const Outcome& reference = clean();
  ASSERT_EQ(reference.run.code, 0) << reference.run;
  maspo::testing::TempDir tmp("maspo-faults");
  {
    FakeServerProcess down({"--responder", "testbed", "--fault", "status_503:1000000"});
    const Outcome o = optimize(tmp.path(), {url(down.port())}, "outage");
    EXPECT_EQ(o.run.code, 1) << o.run;
    EXPECT_NE(o.run.err.find("model service failed"), std::string::npos) << o.run;
    EXPECT_NE(o.run.err.find("maspo resume"), std::string::npos) << o.run;
    EXPECT_FALSE(fs::exists(tmp.path() / "outage" / "best_prompts.json")) << "nothing decided on failed calls";
  }
  // The service is back (on another port: the config file is re-read on resume).
  FakeServerProcess up({"--responder", "testbed"});
  write(tmp.path() / "outage.yaml", config({url(up.port())}));
  auto r = run_maspo(tmp.path(), {"resume", (tmp.path() / "outage").string()},
                     {{"MASPO_CACHE_DIR", (tmp.path() / "cache-outage").string()}}, std::chrono::seconds(120));
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(json::parse(std::ifstream(tmp.path() / "outage" / "best_prompts.json")), reference.prompts);
}

TEST(FaultMatrix, OutageDuringAnEvaluationLeavesItemsPendingNotWrong) {
  maspo::testing::TempDir tmp("maspo-faults");
  const fs::path d = tmp.path();
  maspo::testing::write_testbed_files(d, 6, 0);
  auto run = [&](int port) {
    write(d / "c.yaml", config({url(port)}));
    return run_maspo(d,
                     {"--config", (d / "c.yaml").string(), "run", (d / "testbed.yaml").string(), "--data",
                      "syn:gsm8k=" + (d / "test.jsonl").string(), "--concurrency", "1", "--out", (d / "eval").string()},
                     {{"MASPO_CACHE_DIR", (d / "cache").string()}}, std::chrono::seconds(300));
  };
  auto count_lines = [&] {
    std::ifstream in(d / "eval" / "items.jsonl");
    int n = 0;
    for (std::string line; std::getline(in, line);) n += !line.empty();
    return n;
  };
  {
    // Four answers (two items, two agents each), then the service is down for good.
    FakeServerProcess down({"--responder", "testbed", "--fault", "none:4", "--fault", "status_503:1000000"});
    auto r = run(down.port());
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("model service failed"), std::string::npos) << r;
  }
  EXPECT_EQ(count_lines(), 2) << "only the answered items are recorded; none as a wrong answer";
  FakeServerProcess up({"--responder", "testbed"});
  auto r = run(up.port());
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(count_lines(), 6);
  const json s = json::parse(std::ifstream(d / "eval" / "summary.json"));
  EXPECT_EQ(s.at("errors"), 0);
  EXPECT_EQ(s.at("scored"), 6);
}

}  // namespace
