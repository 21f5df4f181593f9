// `maspo optimize --method BASELINE`: a baseline runs through the same session as MASPO (run store,
// budgets, final evaluation, resume), here on the synthetic testbed (a TEST DOUBLE) over HTTP.
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

std::vector<std::string> optimize_args(const fs::path& d, const std::string& method, const std::string& out) {
  return {"--config", (d / "config.yaml").string(), "optimize", (d / "testbed.yaml").string(), "--data",
          "syn:gsm8k=" + (d / "test.jsonl").string(), "--pool", "syn:gsm8k=" + (d / "pool.jsonl").string(),
          "--pool-size", "12", "--eval-limit", "6", "--method", method, "--out", (d / out).string()};
}

TEST(OptimizeMethod, ABaselineRunsBudgetStopsAndResumesLikeMaspo) {
  maspo::testing::FakeServerProcess server({"--responder", "testbed"});
  ASSERT_GT(server.port(), 0);
  maspo::testing::TempDir tmp("maspo-method");
  const fs::path d = tmp.path();
  write(d / "config.yaml", maspo::testing::testbed_http_config(server.port()));
  maspo::testing::write_testbed_files(d, 12, 30);

  auto whole = run_maspo(d, optimize_args(d, "spo", "whole"), {}, std::chrono::seconds(300));
  ASSERT_EQ(whole.code, 0) << whole;
  EXPECT_NE(whole.out.find("optimized"), std::string::npos) << whole;
  // --eval-limit 6 of the 12 test questions: the summary says what was scored.
  EXPECT_NE(whole.out.find("is scored on its first 6 of 12 questions"), std::string::npos) << whole;
  EXPECT_EQ(whole.out.find("scored whole"), std::string::npos) << whole;
  const json best = json::parse(std::ifstream(d / "whole" / "best_prompts.json"));

  auto args = optimize_args(d, "spo", "part");
  args.insert(args.end(), {"--budget", "optimizer:calls=3"});
  // Its own cache: with the first run's, every call would be a free cache hit.
  const maspo::testing::EnvChanges cache = {{"MASPO_CACHE_DIR", (d / "cache-part").string()}};
  auto part = run_maspo(d, args, cache, std::chrono::seconds(300));
  EXPECT_EQ(part.code, 3) << part;
  auto resumed = run_maspo(d, {"resume", (d / "part").string(), "--budget", "optimizer:calls=1000"}, cache,
                           std::chrono::seconds(300));
  ASSERT_EQ(resumed.code, 0) << resumed;
  EXPECT_EQ(json::parse(std::ifstream(d / "part" / "best_prompts.json")), best);

  auto wrong = run_maspo(d, optimize_args(d, "cot", "cot"));
  EXPECT_EQ(wrong.code, 2) << wrong;
  EXPECT_NE(wrong.err.find("--method"), std::string::npos) << wrong;
}

}  // namespace
