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
