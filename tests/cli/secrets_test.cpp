// The API key of a whole run never reaches a file the program writes (run store, cache, eval
// items, summaries, best prompts, bench results, report) nor its output, logs or error messages,
// although every request carried it. Driven through the real binary against the fake server
// answering as the synthetic testbed (a TEST DOUBLE), at the most verbose log level.
#include <gtest/gtest.h>

#include <fstream>

#include "support/cli_process.hpp"
#include "support/fake_openai_server.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::testing::run_maspo;
namespace fs = std::filesystem;

constexpr const char* kKey = "sk-maspo-SECRET-4c1d9e7f2b8a6053";

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::string keyed_config(int port) {
  std::string out = "models:\n";
  for (const char* role : {"agents", "optimizer", "judge"}) {
    out += std::string("  ") + role + ":\n    backend: openai\n    base_url: http://127.0.0.1:" + std::to_string(port) +
           "/v1\n    model: testbed-" + role + "\n    api_key_env: MASPO_TEST_SECRET_KEY\n    timeout_s: 5\n"
           "    retry: {max_attempts: 2, base_delay_s: 0.01, max_delay_s: 0.02}\n";
  }
  return out;
}

// Every file under `dir` that contains `needle` (binary-safe).
std::vector<std::string> files_containing(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (maspo::testing::slurp(e.path()).find(needle) != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

TEST(Secrets, TheApiKeyIsSentButWrittenNowhere) {
  maspo::testing::FakeOpenAIServer server;
  server.set_responder([](const maspo::llm::Request& r) {
    return maspo::testing::testbed_reply(r.model.substr(std::string("testbed-").size()), r);
  });
  maspo::testing::TempDir tmp("maspo-secrets");
  const fs::path d = tmp.path();
  write(d / "config.yaml", keyed_config(server.port()));
  maspo::testing::write_testbed_files(d, 8, 20);
  write(d / "bench.yaml",
        "config: config.yaml\nmethods: [seed, spo, maspo]\nsystems: [testbed.yaml]\n"
        "datasets:\n  syn: {data: test.jsonl, pool: pool.jsonl, format: gsm8k}\neval_limit: 4\n"
        "settings: {pool_size: 8, batch_size: 3, layers_per_visit: 1, rounds: 1}\nbaselines: {iterations: 1}\n");
  const maspo::testing::EnvChanges env = {{"MASPO_TEST_SECRET_KEY", std::string(kKey)},
                                          {"MASPO_CACHE_DIR", (d / "cache").string()}};
  const std::vector<std::vector<std::string>> commands = {
      {"--log-level", "trace", "--config", (d / "config.yaml").string(), "optimize", (d / "testbed.yaml").string(),
       "--data", "syn:gsm8k=" + (d / "test.jsonl").string(), "--pool", "syn:gsm8k=" + (d / "pool.jsonl").string(),
       "--pool-size", "8", "--batch-size", "3", "--layers", "1", "--rounds", "1", "--eval-limit", "4", "--out",
       (d / "run").string()},
      {"--log-level", "trace", "resume", (d / "run").string()},
      {"--log-level", "trace", "--config", (d / "config.yaml").string(), "run", (d / "testbed.yaml").string(),
       "--data", "syn:gsm8k=" + (d / "test.jsonl").string(), "--limit", "3", "--out", (d / "eval").string()},
      {"--log-level", "trace", "bench", (d / "bench.yaml").string(), "--out", (d / "bench").string()},
      {"--log-level", "trace", "--config", (d / "config.yaml").string(), "ask", "What is 1 + 1?", "--json"},
      {"--log-level", "trace", "report", (d / "run").string()},
      {"--log-level", "trace", "report", (d / "bench").string()},
  };
  for (const auto& args : commands) {
    auto r = run_maspo(d, args, env, std::chrono::seconds(120));
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_EQ(r.out.find(kKey), std::string::npos) << r;
    EXPECT_EQ(r.err.find(kKey), std::string::npos) << r;
  }
  // It was used: every request carried it.
  const auto auth = server.authorization_headers();
  ASSERT_GT(auth.size(), 20u);
  for (const auto& h : auth) EXPECT_EQ(h, std::string("Bearer ") + kKey);
  EXPECT_TRUE(fs::exists(d / "run" / "run.sqlite"));
  EXPECT_TRUE(fs::exists(d / "bench" / "results.json"));
  EXPECT_TRUE(fs::exists(d / "run" / "report.html"));
  EXPECT_TRUE(fs::exists(d / "bench" / "report.html"));
  EXPECT_EQ(files_containing(d, kKey), std::vector<std::string>{});
  // Nor the variable's name outside the config file the user wrote.
  auto named = files_containing(d, "MASPO_TEST_SECRET_KEY");
  std::erase_if(named, [&](const std::string& f) { return fs::path(f).filename() == "config.yaml"; });
  EXPECT_EQ(named, std::vector<std::string>{});
}

TEST(Secrets, ErrorsFromARejectingServerDoNotEchoTheKey) {
  maspo::testing::FakeOpenAIServer server;
  server.push_fault(maspo::testing::Fault::status_401, 100);
  maspo::testing::TempDir tmp("maspo-secrets");
  write(tmp.path() / "config.yaml", keyed_config(server.port()));
  auto r = run_maspo(tmp.path(), {"--log-level", "trace", "--config", (tmp.path() / "config.yaml").string(), "ask", "hi"},
                     {{"MASPO_TEST_SECRET_KEY", std::string(kKey)}});
  EXPECT_NE(r.code, 0) << r;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r;
  EXPECT_EQ(r.err.find(kKey), std::string::npos) << r;
  EXPECT_EQ(r.out.find(kKey), std::string::npos) << r;
  EXPECT_EQ(files_containing(tmp.path(), kKey), std::vector<std::string>{});
}

}  // namespace
