// `maspo run`, `maspo optimize` and `maspo resume` as a user runs them: the real binary, a
// scripted TEST DOUBLE for every role (rules below), real files in and out. These check the
// commands' plumbing (flags, outputs, exit codes, resume), not any model's quality.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "maspo/store.hpp"
#include "support/cli_process.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using maspo::testing::run_maspo;
using nlohmann::json;

// Judges always prefer A; the optimizer proposes a fixed prompt; agents answer 18; compressions
// are short. Rules are tried in order on the last user message.
constexpr const char* kRules = R"yaml(rules:
  - match: "In at most "
    reply: "Summary: the answer is 18."
  - match: "<prompt>"
    reply: "<prompt>Solve it with care and check the arithmetic.\nQuestion: {question}</prompt>"
  - match: "(?i)(A or B|<choose>)"
    reply: "<choose>A</choose>"
  - match: "(?s).*"
    reply: "Adding up: <answer>18</answer>"
)yaml";

class RunOptimizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    write("rules.yaml", kRules);
    write("scripted.yaml",
          "models:\n"
          "  agents: {backend: scripted, rules: rules.yaml}\n"
          "  optimizer: {backend: scripted, rules: rules.yaml}\n"
          "  judge: {backend: scripted, rules: rules.yaml}\n");
    std::string data;
    for (int i = 0; i < 30; ++i) {
      json line = {{"question", "Q" + std::to_string(i) + ": how many?"},
                   {"answer", "Work.\n#### " + std::to_string(i % 2 == 0 ? 18 : 20)}};
      data += line.dump() + "\n";
    }
    write("test.jsonl", data);
  }
  fs::path write(const std::string& name, const std::string& text) {
    fs::path p = tmp_.path() / name;
    std::ofstream(p) << text;
    return p;
  }
  maspo::testing::Result cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (tmp_.path() / "scripted.yaml").string()});
    return run_maspo(tmp_.path(), args, {}, std::chrono::seconds(300));
  }
  std::string data_flag() const { return "gsm8k=" + (tmp_.path() / "test.jsonl").string(); }
  fs::path dir() const { return tmp_.path(); }

 private:
  maspo::testing::TempDir tmp_{"maspo-cli-opt"};
};

int count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

TEST_F(RunOptimizeCli, RunScoresEveryItemWritesSummaryAndResumes) {
  auto r = cli({"run", "sequential:1", "--data", data_flag(), "--out", (dir() / "out").string()});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("15/30 correct"), std::string::npos) << r;   // half the gold answers are 18
  EXPECT_EQ(count_lines(dir() / "out" / "items.jsonl"), 30);
  auto summary = json::parse(std::ifstream(dir() / "out" / "summary.json"));
  EXPECT_EQ(summary.at("correct"), 15);
  EXPECT_NEAR(summary.at("accuracy").get<double>(), 0.5, 1e-12);

  // Run again: nothing is redone.
  auto again = cli({"run", "sequential:1", "--data", data_flag(), "--out", (dir() / "out").string()});
  ASSERT_EQ(again.code, 0) << again;
  EXPECT_NE(again.out.find("30 resumed"), std::string::npos) << again;
  EXPECT_EQ(count_lines(dir() / "out" / "items.jsonl"), 30);
}

TEST_F(RunOptimizeCli, RunRejectsBadInputWithExitTwoAndAClearMessage) {
  auto no_file = cli({"run", "nope.yaml", "--data", data_flag(), "--out", (dir() / "o1").string()});
  EXPECT_EQ(no_file.code, 2) << no_file;
  EXPECT_NE(no_file.err.find("nope.yaml"), std::string::npos) << no_file;

  auto bad_data = cli({"run", "sequential:1", "--data", "gsm8k", "--out", (dir() / "o2").string()});
  EXPECT_EQ(bad_data.code, 2) << bad_data;
  EXPECT_NE(bad_data.err.find("--data"), std::string::npos) << bad_data;

  write("prompts.json", R"({"ghost": "Hi {question}"})");
  auto bad_prompts = cli({"run", "sequential:1", "--data", data_flag(), "--prompts",
                            (dir() / "prompts.json").string(), "--out", (dir() / "o3").string()});
  EXPECT_EQ(bad_prompts.code, 2) << bad_prompts;
  EXPECT_NE(bad_prompts.err.find("ghost"), std::string::npos) << bad_prompts;
}

TEST_F(RunOptimizeCli, RunStopsAtABudgetWithExitThreeAndFinishesWhenRunAgain) {
  const std::string out = (dir() / "budget").string();
  write("budget.yaml",
        "models:\n"
        "  agents: {backend: scripted, rules: rules.yaml}\n"
        "budget:\n"
        "  agents: {calls: 10}\n");
  auto r = run_maspo(dir(), {"--config", (dir() / "budget.yaml").string(), "run", "sequential:1", "--context", "raw",
                             "--concurrency", "1", "--data", data_flag(), "--out", out});
  EXPECT_EQ(r.code, 3) << r;
  const int first = count_lines(fs::path(out) / "items.jsonl");
  EXPECT_GT(first, 0);
  EXPECT_LT(first, 30);
  auto rest = cli({"run", "sequential:1", "--context", "raw", "--data", data_flag(), "--out", out});
  ASSERT_EQ(rest.code, 0) << rest;
  EXPECT_EQ(count_lines(fs::path(out) / "items.jsonl"), 30);
}

TEST_F(RunOptimizeCli, OptimizeDryRunPrintsTheEstimateAndWritesNothing) {
  auto r = cli({"optimize", "sequential:1", "--data", data_flag(), "--out", (dir() / "run").string(), "--dry-run",
                  "--pool-size", "10", "--batch-size", "4"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("pre-flight estimate"), std::string::npos) << r;
  EXPECT_NE(r.out.find("judge"), std::string::npos) << r;
  EXPECT_NE(r.out.find("optimizer"), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(dir() / "run"));
}

TEST_F(RunOptimizeCli, OptimizeWritesBestPromptsAndAFinalEvaluationThatRunAccepts) {
  const fs::path run = dir() / "run";
  auto r = cli({"optimize", "sequential:1", "--context", "raw", "--data", data_flag(), "--out", run.string(),
                  "--pool-size", "10", "--batch-size", "4", "--rounds", "1", "--layers", "1", "--seed", "3"});
  ASSERT_EQ(r.code, 0) << r;
  ASSERT_TRUE(fs::exists(run / "run.sqlite"));
  ASSERT_TRUE(fs::exists(run / "best_prompts.json"));
  auto best = json::parse(std::ifstream(run / "best_prompts.json"));
  ASSERT_TRUE(best.contains("predictor_1")) << best.dump();
  EXPECT_NE(r.out.find("seed"), std::string::npos) << r;
  EXPECT_NE(r.out.find("optimized"), std::string::npos) << r;
  // The final evaluation ran on the 20 test items outside the 10-question pool, twice.
  EXPECT_EQ(count_lines(run / "eval-seed" / "items.jsonl"), 20);
  EXPECT_EQ(count_lines(run / "eval-optimized" / "items.jsonl"), 20);

  // The optimized prompt map is what `maspo run --prompts` takes.
  auto check = cli({"run", "sequential:1", "--context", "raw", "--data", data_flag(), "--prompts",
                      (run / "best_prompts.json").string(), "--limit", "3", "--out", (dir() / "check").string()});
  EXPECT_EQ(check.code, 0) << check;

  // A second optimize into the same directory is refused; resume of a finished run is a no-op
  // that prints the same result.
  auto twice = cli({"optimize", "sequential:1", "--context", "raw", "--data", data_flag(), "--out", run.string()});
  EXPECT_EQ(twice.code, 2) << twice;
  EXPECT_NE(twice.err.find("resume"), std::string::npos) << twice;
  auto resumed = cli({"resume", run.string()});
  ASSERT_EQ(resumed.code, 0) << resumed;
  EXPECT_EQ(json::parse(std::ifstream(run / "best_prompts.json")), best);
}

TEST_F(RunOptimizeCli, OptimizeStoppedByABudgetResumesToTheSameResult) {
  const std::vector<std::string> common = {"sequential:1", "--context", "raw", "--data", data_flag(), "--pool-size",
                                           "10", "--batch-size", "4", "--rounds", "2", "--layers", "1", "--seed",
                                           "5", "--no-final-eval"};
  auto args = [&](const fs::path& out, std::vector<std::string> extra) {
    std::vector<std::string> a = {"optimize"};
    a.insert(a.end(), common.begin(), common.end());
    a.insert(a.end(), {"--out", out.string()});
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  // The budget run first: budgets count model calls, and cache hits are free.
  auto part = cli(args(dir() / "part", {"--budget", "judge:calls=6"}));
  ASSERT_EQ(part.code, 3) << part;
  auto whole = cli(args(dir() / "whole", {}));
  ASSERT_EQ(whole.code, 0) << whole;
  EXPECT_NE(part.err.find("maspo resume"), std::string::npos) << part;
  EXPECT_FALSE(fs::exists(dir() / "part" / "best_prompts.json"));
  auto rest = cli({"resume", (dir() / "part").string()});
  ASSERT_EQ(rest.code, 0) << rest;
  EXPECT_EQ(json::parse(std::ifstream(dir() / "part" / "best_prompts.json")),
            json::parse(std::ifstream(dir() / "whole" / "best_prompts.json")));
  // Not only the prompts: the whole final search state (beams, scores, buffers, RNG, step count)
  // is the uninterrupted run's, and the stored --no-final-eval still held after the resume.
  auto part_state = maspo::store::RunStore::open(dir() / "part")->latest_checkpoint();
  auto whole_state = maspo::store::RunStore::open(dir() / "whole")->latest_checkpoint();
  ASSERT_TRUE(part_state && whole_state);
  EXPECT_EQ(part_state->state, whole_state->state);
  EXPECT_FALSE(fs::exists(dir() / "part" / "eval-seed"));
}

TEST_F(RunOptimizeCli, BadBudgetAndResumeOfNothingAreInputErrors) {
  auto bad = cli({"optimize", "sequential:1", "--data", data_flag(), "--out", (dir() / "r").string(), "--budget",
                    "judge:cals=5"});
  EXPECT_EQ(bad.code, 2) << bad;
  EXPECT_NE(bad.err.find("cals"), std::string::npos) << bad;
  auto none = cli({"resume", (dir() / "missing").string()});
  EXPECT_EQ(none.code, 2) << none;
  EXPECT_NE(none.err.find("missing"), std::string::npos) << none;
}

}  // namespace

namespace {

// Through real HTTP: the standalone fake OpenAI server (a TEST DOUBLE that echoes the prompt)
// as the agents' server. Echoed prompts hold no <answer>, so every item is graded, none errors.
TEST(RunOverHttp, EveryItemGoesThroughTheServerAndIsGraded) {
  maspo::testing::FakeServerProcess server({});
  ASSERT_GT(server.port(), 0) << "the fake server did not report its port";
  maspo::testing::TempDir tmp("maspo-cli-http");
  std::ofstream(tmp.path() / "http.yaml") << "models:\n"
                                             "  agents:\n"
                                             "    backend: openai\n"
                                             "    base_url: http://127.0.0.1:"
                                          << server.port() << "/v1\n    model: echo\n";
  std::string data;
  for (int i = 0; i < 6; ++i) {
    data += json{{"question", "What is " + std::to_string(i) + " + 1?"}, {"answer", "#### " + std::to_string(i + 1)}}
                .dump() +
            "\n";
  }
  std::ofstream(tmp.path() / "t.jsonl") << data;
  auto r = run_maspo(tmp.path(),
                     {"--config", (tmp.path() / "http.yaml").string(), "run", "sequential:2", "--data",
                      "gsm8k=" + (tmp.path() / "t.jsonl").string(), "--out", (tmp.path() / "out").string()},
                     {}, std::chrono::seconds(300));
  ASSERT_EQ(r.code, 0) << r;
  auto summary = json::parse(std::ifstream(tmp.path() / "out" / "summary.json"));
  EXPECT_EQ(summary.at("scored"), 6);
  EXPECT_EQ(summary.at("errors"), 0);
  // 4 agents, summary context: 4 role calls + 3 compressions per question, all over HTTP.
  std::int64_t calls = 0;
  for (const auto& u : summary.at("usage_this_process")) calls += u.at("calls").get<std::int64_t>();
  EXPECT_EQ(calls, 6 * 7);
  std::ifstream items(tmp.path() / "out" / "items.jsonl");
  std::string line;
  while (std::getline(items, line)) {
    auto item = json::parse(line);
    EXPECT_EQ(item.at("trace").at("agents").size(), 4u);
    // The last agent saw the third one's summary, which echoed its own prompt.
    EXPECT_NE(item.at("trace").at("agents")[3].at("input_context").get<std::string>().find("echo:"), std::string::npos);
  }
}

}  // namespace
