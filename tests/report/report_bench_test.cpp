// Bench reports from a results.json as `maspo bench` writes it, a pending and a failed cell
// included.
#include <gtest/gtest.h>

#include "maspo/report.hpp"
#include "report/bench_fixture.hpp"
#include "report/report_fixture.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::report::testing::occurrences;

class ReportBench : public ::testing::Test {
 protected:
  void SetUp() override {
    maspo::report::testing::make_bench_dir(tmp_.path() / "bench");
    page_ = maspo::report::render_bench(tmp_.path() / "bench");
  }
  maspo::testing::TempDir tmp_{"maspo-report"};
  std::string page_;
};

TEST_F(ReportBench, ResultsTableWithEveryMethodDatasetAndComparison) {
  for (const char* id : {"overview", "results", "cost", "cells"}) {
    EXPECT_NE(page_.find("<section id=\"" + std::string(id) + "\">"), std::string::npos) << id;
  }
  EXPECT_NE(page_.find("<th>vs maspo: gsm8k</th>"), std::string::npos);
  EXPECT_NE(page_.find("<tr><td>sequential:1</td><td>spo</td><td>50.0%<br><small>24.0\xE2\x80\x93" "76.0%; n=10, seeds 1"),
            std::string::npos);
  EXPECT_NE(page_.find("-10.0 pts<br><small>p=0.420 exact McNemar, 10 pairs"), std::string::npos);
  EXPECT_NE(page_.find("<th>vs maspo: all datasets</th>"), std::string::npos);
  EXPECT_NE(page_.find("<td>spo</td><td>73</td><td>6,912</td><td>$0.0000</td><td>15.7</td><td>33</td><td>1,234</td>"),
            std::string::npos);
  // A row with a pending dataset has no average; a method without a comparison shows dashes.
  EXPECT_NE(page_.find("<td>seed</td><td>40</td><td>5,000</td>"), std::string::npos);
}

TEST_F(ReportBench, BarChartWithAWhiskerPerResultAndAGapForPendingOnes) {
  EXPECT_EQ(occurrences(page_, "<svg class=\"chart\" data-chart=\"bench-accuracy\""), 1u);   // one system
  EXPECT_EQ(occurrences(page_, "<svg"), 1u);
  EXPECT_EQ(occurrences(page_, "<rect class=\"bar\""), 3u) << "gsm8k for seed, maspo and spo";
  EXPECT_EQ(occurrences(page_, "<g class=\"whisker\""), 3u);
  EXPECT_NE(page_.find("maspo / gsm8k: 60.0% (95% CI 31.0%\xE2\x80\x93" "83.0%)"), std::string::npos);
}

TEST_F(ReportBench, CellsWithStatusErrorAndLinks) {
  EXPECT_NE(page_.find(">pending</span>"), std::string::npos);
  EXPECT_NE(page_.find(">failed</span>"), std::string::npos);
  EXPECT_NE(page_.find("the judge&#39;s endpoint refused the request (HTTP 401)"), std::string::npos);
  EXPECT_NE(page_.find("stopped by budget"), std::string::npos);
  EXPECT_NE(page_.find("<a href=\"cells/sequential_1/gsm8k/maspo/seed-0/report.html\">"), std::string::npos);
  EXPECT_NE(page_.find("<a href=\"cells/sequential_1/gsm8k/spo/seed-0/\">"), std::string::npos);
  EXPECT_EQ(page_.find("href=\"cells/sequential_1/aqua"), std::string::npos) << "no link to a directory that is not there";
  EXPECT_NE(page_.find("<td>33 calls, 1,234 tokens"), std::string::npos) << "optimization calls summed over roles";
}

TEST(ReportBenchEmpty, BenchWithNoCellYet) {
  maspo::testing::TempDir tmp("maspo-report");
  std::filesystem::create_directories(tmp.path() / "bench");
  tmp.write("bench/results.json", R"({"bench": "smoke", "methods": ["maspo"], "cells": []})");
  const std::string page = maspo::report::render_bench(tmp.path() / "bench");
  EXPECT_NE(page.find("No results table yet."), std::string::npos);
  EXPECT_NE(page.find("No cell recorded."), std::string::npos);
  EXPECT_EQ(occurrences(page, "<svg"), 0u);
}

}  // namespace
