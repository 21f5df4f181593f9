// The reports of what `maspo bench` really writes: the real binary runs a small bench against the
// fake OpenAI server answering as the synthetic testbed (a TEST DOUBLE), then `maspo report` reads
// the bench directory and one MASPO cell's run directory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/report_fixture.hpp"
#include "support/cli_process.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using maspo::report::testing::occurrences;
using maspo::testing::run_maspo;

class ReportOfRealBench : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new maspo::testing::FakeServerProcess({"--responder", "testbed"});
    tmp_ = new maspo::testing::TempDir("maspo-report-bench");
    const fs::path dir = tmp_->path();
    maspo::write_file_atomic(dir / "config.yaml", maspo::testing::testbed_http_config(server_->port(), 8));
    maspo::testing::write_testbed_files(dir, 10, 20);
    maspo::write_file_atomic(
        dir / "bench.yaml",
        "name: tiny\nconfig: config.yaml\nmethods: [seed, maspo, spo]\nsystems: [testbed.yaml]\n"
        "datasets:\n  syn: {data: test.jsonl, pool: pool.jsonl, format: gsm8k}\nseeds: [0]\neval_limit: 5\n"
        "settings: {pool_size: 8, batch_size: 4, layers_per_visit: 1, rounds: 2}\n"
        "baselines: {iterations: 2, minibatch: 4, spo_samples: 3}\nbudget:\n  optimizer: {calls: 12}\n");
    bench_ = run_maspo(dir, {"bench", (dir / "bench.yaml").string(), "--out", (dir / "bench").string()}, {},
                       std::chrono::seconds(120));
  }
  static void TearDownTestSuite() {
    delete tmp_;
    delete server_;
  }
  static fs::path bench_dir() { return tmp_->path() / "bench"; }

  static maspo::testing::FakeServerProcess* server_;
  static maspo::testing::TempDir* tmp_;
  static maspo::testing::Result bench_;
};
maspo::testing::FakeServerProcess* ReportOfRealBench::server_ = nullptr;
maspo::testing::TempDir* ReportOfRealBench::tmp_ = nullptr;
maspo::testing::Result ReportOfRealBench::bench_;

TEST_F(ReportOfRealBench, BenchReportHasEveryMethodItsBarsAndLinksToTheCells) {
  ASSERT_EQ(bench_.code, 0) << bench_;
  auto r = run_maspo(tmp_->path(), {"report", bench_dir().string()});
  ASSERT_EQ(r.code, 0) << r;
  const std::string page = maspo::testing::slurp(bench_dir() / "report.html");
  for (const char* method : {"seed", "maspo", "spo"}) {
    EXPECT_NE(page.find("<tr><td>testbed.yaml</td><td>" + std::string(method) + "</td><td>"), std::string::npos)
        << method;
  }
  EXPECT_EQ(occurrences(page, "<svg class=\"chart\" data-chart=\"bench-accuracy\""), 1u);
  EXPECT_EQ(occurrences(page, "<rect class=\"bar\""), 3u);
  EXPECT_NE(page.find("<th>vs maspo: all datasets</th>"), std::string::npos);
  EXPECT_NE(page.find("exact McNemar"), std::string::npos);
  EXPECT_EQ(occurrences(page, ">done</span>"), 3u);
  EXPECT_NE(page.find("<a href=\"cells/testbed/syn/maspo/seed-0/\">"), std::string::npos) << "no report yet: a link to the directory";
}

TEST_F(ReportOfRealBench, ACellsRunReportUsesItsEvaluation) {
  ASSERT_EQ(bench_.code, 0) << bench_;
  const fs::path cell = bench_dir() / "cells" / "testbed" / "syn" / "maspo" / "seed-0";
  ASSERT_TRUE(fs::exists(cell / "run.sqlite")) << cell;
  auto r = run_maspo(tmp_->path(), {"report", cell.string()});
  ASSERT_EQ(r.code, 0) << r;
  const std::string page = maspo::testing::slurp(cell / "report.html");
  EXPECT_EQ(page.find("Absent from this run"), std::string::npos) << "a finished cell lacks nothing";
  EXPECT_NE(page.find("<tr><td>optimized</td><td>"), std::string::npos) << "eval/summary.json is the result";
  EXPECT_EQ(occurrences(page, "<tr><td>syn-"), 5u) << "eval_limit: 5 items";
  EXPECT_EQ(occurrences(page, "<svg class=\"chart\" data-chart=\"reward\""), 2u);

  const fs::path spo = bench_dir() / "cells" / "testbed" / "syn" / "spo" / "seed-0";
  r = run_maspo(tmp_->path(), {"report", spo.string()});
  ASSERT_EQ(r.code, 0) << r;
  const std::string spo_page = maspo::testing::slurp(spo / "report.html");
  EXPECT_NE(spo_page.find("spo run"), std::string::npos);
  EXPECT_NE(spo_page.find("<td>iteration 1</td>"), std::string::npos) << "a baseline counts iterations";
  EXPECT_EQ(spo_page.find("r1 l1"), std::string::npos);

  // Now the bench report links the cell's report.
  r = run_maspo(tmp_->path(), {"report", bench_dir().string()});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(maspo::testing::slurp(bench_dir() / "report.html").find("<a href=\"cells/testbed/syn/maspo/seed-0/report.html\">"),
            std::string::npos);
}

}  // namespace
