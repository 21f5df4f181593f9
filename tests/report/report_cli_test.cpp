// `maspo report DIR [--out FILE]` through the real binary: the path printed, the default output
// beside the run, --out, and exit code 2 naming the directory for one that is neither kind.
#include <gtest/gtest.h>

#include "maspo/store.hpp"
#include "report/bench_fixture.hpp"
#include "report/report_fixture.hpp"
#include "support/cli_process.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using maspo::testing::run_maspo;

TEST(ReportCli, WritesTheRunReportBesideTheRunAndPrintsItsPath) {
  maspo::testing::TempDir tmp("maspo-report-cli");
  maspo::store::RunStore::create(tmp.path() / "run", {{"system", "sequential:1"}});
  auto r = run_maspo(tmp.path(), {"report", (tmp.path() / "run").string()});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, (tmp.path() / "run" / "report.html").string() + "\n");
  const std::string page = maspo::testing::slurp(tmp.path() / "run" / "report.html");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("sequential:1"), std::string::npos);
}

// The whole path a user takes: `maspo optimize` (every role a scripted TEST DOUBLE), then
// `maspo report` on its directory.
TEST(ReportCli, ReportsARunThatMaspoOptimizeWrote) {
  maspo::testing::TempDir tmp("maspo-report-cli");
  tmp.write("rules.yaml", R"yaml(rules:
  - match: "<prompt>"
    reply: "<prompt>Solve it with care and check the arithmetic.\nQuestion: {question}</prompt>"
  - match: "(?i)(A or B|<choose>)"
    reply: "<choose>A</choose>"
  - match: "(?s).*"
    reply: "Adding up: <answer>18</answer>"
)yaml");
  tmp.write("scripted.yaml",
            "models:\n"
            "  agents: {backend: scripted, rules: rules.yaml}\n"
            "  optimizer: {backend: scripted, rules: rules.yaml}\n"
            "  judge: {backend: scripted, rules: rules.yaml}\n");
  std::string data;
  for (int i = 0; i < 16; ++i) {
    data += nlohmann::json{{"question", "Q" + std::to_string(i) + ": how many?"},
                           {"answer", "Work.\n#### " + std::to_string(i % 2 == 0 ? 18 : 20)}}
                .dump() +
            "\n";
  }
  tmp.write("test.jsonl", data);
  const fs::path run = tmp.path() / "run";
  auto r = run_maspo(tmp.path(), {"--config", tmp.file("scripted.yaml"), "optimize", "sequential:1", "--context", "raw",
                                  "--data", "gsm8k=" + tmp.file("test.jsonl"), "--out", run.string(), "--pool-size",
                                  "8", "--batch-size", "4", "--rounds", "1", "--layers", "1", "--seed", "3"},
                     {}, std::chrono::seconds(300));
  ASSERT_EQ(r.code, 0) << r;
  r = run_maspo(tmp.path(), {"report", run.string()});
  ASSERT_EQ(r.code, 0) << r;
  const std::string page = maspo::testing::slurp(run / "report.html");
  EXPECT_EQ(page.find("Absent from this run"), std::string::npos) << "a finished optimize leaves nothing out";
  EXPECT_NE(page.find("<h2>Agent predictor_1</h2>"), std::string::npos);
  EXPECT_NE(page.find("<td>optimized</td><td>"), std::string::npos);
  EXPECT_NE(page.find("Solve it with care and check the arithmetic."), std::string::npos);
  EXPECT_NE(page.find("<ins>"), std::string::npos) << "the seed -> best diff";
  EXPECT_EQ(maspo::report::testing::occurrences(page, "<tr><td>gsm8k-"), 8u) << "the 8 test items outside the pool";
}

TEST(ReportCli, BenchDirectoryAndOut) {
  maspo::testing::TempDir tmp("maspo-report-cli");
  maspo::report::testing::make_bench_dir(tmp.path() / "bench");
  const fs::path out = tmp.path() / "bench-report.html";
  auto r = run_maspo(tmp.path(), {"report", (tmp.path() / "bench").string(), "--out", out.string()});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, out.string() + "\n");
  EXPECT_NE(maspo::testing::slurp(out).find("maspo bench report: smoke"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path() / "bench" / "report.html"));
}

TEST(ReportCli, NeitherARunNorABenchIsBadInput) {
  maspo::testing::TempDir tmp("maspo-report-cli");
  fs::create_directories(tmp.path() / "empty");
  auto r = run_maspo(tmp.path(), {"report", (tmp.path() / "empty").string()});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_NE(r.err.find((tmp.path() / "empty").string()), std::string::npos) << r;
  EXPECT_NE(r.err.find("expected run.sqlite"), std::string::npos) << r;
  EXPECT_NE(r.err.find("expected results.json"), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(tmp.path() / "empty" / "report.html"));

  r = run_maspo(tmp.path(), {"report", (tmp.path() / "nowhere").string()});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_NE(r.err.find("no such directory"), std::string::npos) << r;
}

}  // namespace
