// The bench's results document: per-cell and per-method accuracy, the paired test against MASPO
// on shared items only, averages only when complete, cost sums, and the Markdown/CSV renderings.
#include <gtest/gtest.h>

#include "maspo/harness.hpp"

namespace {

using maspo::harness::CellOutcome;
using nlohmann::json;

CellOutcome cell(std::string method, std::string dataset, std::uint64_t seed, std::vector<bool> correct,
                 double opt_calls = 0) {
  CellOutcome c;
  c.method = std::move(method);
  c.system = "sequential:2";
  c.dataset = std::move(dataset);
  c.seed = seed;
  c.status = "done";
  for (std::size_t i = 0; i < correct.size(); ++i) c.items.emplace_back("q" + std::to_string(i), correct[i]);
  c.optimization = {{"calls", {{"optimizer", opt_calls}}}, {"tokens", 100.0 * opt_calls}, {"dollars", 0.5}, {"wall_s", 2.0}};
  c.evaluation = {{"calls", {{"agents", 10}}}, {"tokens", 1000.0}, {"dollars", 0.25}, {"wall_s", 1.0}};
  return c;
}

json results(const std::vector<CellOutcome>& cells) {
  return maspo::harness::bench_results("t", "t.yaml", {"seed", "maspo"}, {"sequential:2"}, {"math", "aqua"}, {0, 1},
                                       cells);
}

const json& row(const json& r, const std::string& method) {
  for (const auto& x : r["table"]) {
    if (x["method"] == method) return x;
  }
  throw std::runtime_error("no row " + method);
}

TEST(BenchTable, AccuracyPoolsSeedsAndThePairedTestUsesSharedItems) {
  std::vector<CellOutcome> cells = {
      cell("seed", "math", 0, {true, false, false, false}), cell("seed", "math", 1, {true, false, false, false}),
      cell("maspo", "math", 0, {true, true, true, false}, 5), cell("maspo", "math", 1, {true, true, true, true}, 5),
      cell("seed", "aqua", 0, {true, true}), cell("maspo", "aqua", 0, {true, true}, 5)};
  const json r = results(cells);
  const json& seed = row(r, "seed");
  EXPECT_DOUBLE_EQ(seed["datasets"]["math"]["accuracy"].get<double>(), 2.0 / 8);
  EXPECT_EQ(seed["datasets"]["math"]["n"], 4) << "a question counts once, whatever the seeds";
  EXPECT_EQ(seed["datasets"]["math"]["seeds"], 2);
  EXPECT_DOUBLE_EQ(seed["average"].get<double>(), (0.25 + 1.0) / 2);
  // math, seeds averaged per question: seed [1,0,0,0] vs maspo [1,1,1,0.5]: maspo ahead on 3
  // questions, seed on none -> p = 2 * (1/2)^3 (copies of a question across seeds add nothing).
  const json& vs = seed["vs_maspo"]["math"];
  EXPECT_EQ(vs["method_only"], 0);
  EXPECT_EQ(vs["maspo_only"], 3);
  EXPECT_NEAR(vs["p_value"].get<double>(), 0.25, 1e-12);
  EXPECT_DOUBLE_EQ(vs["diff"].get<double>(), (2.0 - 7.0) / 8);
  // Pooled over datasets: 6 questions, ids of different datasets never paired with each other.
  EXPECT_EQ(seed["vs_maspo"]["all"]["n"], 6);
  EXPECT_TRUE(row(r, "maspo")["vs_maspo"].empty());
  // Cost: two math cells and one aqua cell per method.
  EXPECT_DOUBLE_EQ(row(r, "maspo")["cost"]["optimization"]["calls"].get<double>(), 15.0);
  EXPECT_DOUBLE_EQ(row(r, "maspo")["cost"]["calls"].get<double>(), 15.0 + 30.0);
  EXPECT_DOUBLE_EQ(row(r, "maspo")["cost"]["dollars"].get<double>(), 3 * 0.75);
  // Every cell carries its own interval.
  for (const auto& c : r["cells"]) {
    ASSERT_TRUE(c["ci95"].is_array());
    EXPECT_LE(c["ci95"][0].get<double>(), c["accuracy"].get<double>());
    EXPECT_GE(c["ci95"][1].get<double>(), c["accuracy"].get<double>());
  }
}

TEST(BenchTable, PendingCellsLeaveGapsAndNoAverage) {
  CellOutcome pending;
  pending.method = "seed";
  pending.system = "sequential:2";
  pending.dataset = "aqua";
  const json r = results({cell("seed", "math", 0, {true, false}), pending, cell("maspo", "math", 0, {true, true})});
  const json& seed = row(r, "seed");
  EXPECT_TRUE(seed["datasets"]["aqua"]["accuracy"].is_null());
  EXPECT_TRUE(seed["average"].is_null()) << "an average over some datasets would mislead";
  const std::string md = maspo::harness::bench_markdown(r);
  EXPECT_NE(md.find("| sequential:2 | seed | 50.0"), std::string::npos) << md;
  EXPECT_NE(md.find("1 cell(s) not done yet"), std::string::npos) << md;
  const std::string csv = maspo::harness::bench_csv(r);
  EXPECT_EQ(csv.rfind("system,method,dataset,accuracy", 0), 0u);
  EXPECT_NE(csv.find("sequential:2,seed,math,0.5,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("sequential:2,seed,aqua,,,,0,0,"), std::string::npos) << csv;
}

}  // namespace
