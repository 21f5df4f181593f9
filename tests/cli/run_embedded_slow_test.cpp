// `maspo run` on the embedded default model, no config at all: real llama.cpp, real grading, a
// handful of GSM8K items through examples/systems/gsm8k-embedded.yaml (short replies). The model
// is tiny, so the test checks the run, not the accuracy.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli_process.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(RunEmbedded, AHandfulOfGsm8kItemsOnTheDefaultModel) {
  maspo::testing::TempDir tmp("maspo-cli-embedded");
  const fs::path data = fs::path(MASPO_SOURCE_DIR) / "tests" / "fixtures" / "data" / "gsm8k" / "test.jsonl";
  ASSERT_TRUE(fs::exists(data)) << data;
  // The model lives in the user's cache (scripts/setup fetched it), not the test's private one.
  const char* home = std::getenv("HOME");
  maspo::testing::EnvChanges env;
  if (std::getenv("MASPO_CACHE_DIR") == nullptr && home != nullptr) env["MASPO_CACHE_DIR"] = std::string(home) + "/.cache/maspo";
  auto r = maspo::testing::run_maspo(tmp.path(),
                                     {"run", (fs::path(MASPO_SOURCE_DIR) / "examples" / "systems" / "gsm8k-embedded.yaml").string(),
                                      "--data", "gsm8k=" + data.string(), "--limit", "3", "--cache", "off", "--out",
                                      (tmp.path() / "out").string()},
                                     env, std::chrono::seconds(600));
  ASSERT_EQ(r.code, 0) << r;
  auto summary = json::parse(std::ifstream(tmp.path() / "out" / "summary.json"));
  EXPECT_EQ(summary.at("scored"), 3);
  EXPECT_EQ(summary.at("errors"), 0) << summary.dump(2);
  std::int64_t completion = 0;
  for (const auto& u : summary.at("usage_this_process")) completion += u.at("completion_tokens").get<std::int64_t>();
  EXPECT_GT(completion, 0);   // the model really generated
  std::ifstream items(tmp.path() / "out" / "items.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(items, line)) {
    auto item = json::parse(line);
    ++n;
    for (const auto& agent : item.at("trace").at("agents")) EXPECT_FALSE(agent.at("output").get<std::string>().empty());
  }
  EXPECT_EQ(n, 3);
}

}  // namespace
