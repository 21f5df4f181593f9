// Run reports of an empty run, a partial run (stopped at a budget after its first layer) and a
// full run, the last two REAL runs of the optimizer on the synthetic testbed (a test double).
#include <gtest/gtest.h>

#include <regex>

#include "maspo/report.hpp"
#include "maspo/store.hpp"
#include "report/diff.hpp"
#include "report/html.hpp"
#include "report/report_fixture.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
namespace store = maspo::store;
namespace html = maspo::report::html;
using maspo::report::testing::occurrences;
using json = nlohmann::json;

std::size_t charts(const std::string& page, const std::string& kind) {
  return occurrences(page, "<svg class=\"chart\" data-chart=\"" + kind + "\"");
}

void expect_complete_page(const std::string& page) {
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
  EXPECT_EQ(occurrences(page, "<svg"), occurrences(page, "</svg>"));
  EXPECT_EQ(occurrences(page, "<table"), occurrences(page, "</table>"));
  EXPECT_EQ(occurrences(page, "<section"), occurrences(page, "</section>"));
  EXPECT_EQ(occurrences(page, "http://"), occurrences(page, "xmlns=\"http://www.w3.org/2000/svg\""))
      << "no link or resource outside the file";
  EXPECT_EQ(occurrences(page, "https://"), 0u);
}

TEST(ReportRun, EmptyRunRendersAndSaysWhatIsAbsent) {
  maspo::testing::TempDir tmp("maspo-report");
  store::RunStore::create(tmp.path() / "run", json::object());
  const std::string page = maspo::report::render_run(tmp.path() / "run");
  expect_complete_page(page);
  for (const char* id : {"overview", "final-eval", "misalignment", "refresh", "judge", "cost", "items"}) {
    EXPECT_NE(page.find("<section id=\"" + std::string(id) + "\">"), std::string::npos) << id;
  }
  EXPECT_NE(page.find("Absent from this run"), std::string::npos);
  EXPECT_NE(page.find("no layer has been recorded yet"), std::string::npos);
  EXPECT_NE(page.find("best_prompts.json (written when the search finishes)"), std::string::npos);
  EXPECT_NE(page.find("No final evaluation in this run."), std::string::npos);
  EXPECT_NE(page.find("No per-item result in this run."), std::string::npos);
  EXPECT_EQ(occurrences(page, "<svg"), 0u);
  EXPECT_NE(page.find("maspo run"), std::string::npos) << "a run without a method is a MASPO run";
}

TEST(ReportRun, BaselineMethodIsNamed) {
  maspo::testing::TempDir tmp("maspo-report");
  store::RunStore::create(tmp.path() / "run", {{"method", "spo"}, {"system", "sequential:1"}});
  const std::string page = maspo::report::render_run(tmp.path() / "run");
  EXPECT_NE(page.find("spo run"), std::string::npos);
  EXPECT_NE(page.find("<td>method</td><td>spo</td>"), std::string::npos);
}

TEST(ReportRun, PartialRunShowsTheLayersItHasAndWhatIsMissing) {
  maspo::testing::TempDir tmp("maspo-report");
  const auto tb = maspo::testing::make_testbed(8);
  const auto s = maspo::report::testing::small_settings();
  const fs::path dir = tmp.path() / "run";
  {
    auto st = store::RunStore::create(dir, maspo::report::testing::run_config(tb, s));
    auto options = tb.client_options();
    // The first layer asks for 2 proposals (a beam of the seed alone), the second for 4: this
    // budget stops the run inside its second step, which is rolled back.
    options.budgets["optimizer"].calls = 5;
    maspo::llm::Client client(options);
    maspo::opt::Maspo m(client, tb.system, tb.pool, s, *st);
    auto result = m.run(m.initial_state(tb.seed));
    ASSERT_TRUE(result.stopped_by_budget);
    ASSERT_EQ(result.state.step, 1);
  }
  // As if killed during the seed's final evaluation: one item written, the next one torn.
  fs::create_directories(dir / "eval-seed");
  maspo::write_file_atomic(dir / "eval-seed" / "items.jsonl",
                           json{{"id", "q3"}, {"extracted", "1"}, {"gold", "1"}, {"correct", true}, {"status", "correct"}}
                                   .dump() +
                               "\n{\"id\": \"q4\", \"extr");
  const std::string page = maspo::report::render_run(dir);
  expect_complete_page(page);
  EXPECT_NE(page.find("stopped: budget"), std::string::npos);
  EXPECT_NE(page.find("<li>eval-seed/summary.json</li>"), std::string::npos);
  EXPECT_NE(page.find("<li>eval-optimized/ (the optimized prompts&#39; evaluation)</li>"), std::string::npos);
  EXPECT_NE(page.find("seed: 1 items, 0 with an error, 1 unreadable lines"), std::string::npos);
  EXPECT_NE(page.find("<td>q3</td>"), std::string::npos);
  EXPECT_NE(page.find("No final evaluation in this run."), std::string::npos);
  EXPECT_NE(page.find("best_prompts.json (written when the search finishes)"), std::string::npos);
  // Both agents have a section (from the seed prompts); only the predictor has a layer.
  EXPECT_NE(page.find("<section id=\"agent-0\"><h2>Agent predictor</h2>"), std::string::npos);
  EXPECT_NE(page.find("<section id=\"agent-1\"><h2>Agent reflector</h2>"), std::string::npos);
  EXPECT_EQ(charts(page, "reward"), 1u);
  EXPECT_EQ(charts(page, "lineage"), 1u);
  EXPECT_NE(page.find("No layer of this agent has been recorded."), std::string::npos);
  EXPECT_NE(page.find("<td>r1 l1</td>"), std::string::npos);
  EXPECT_EQ(page.find("r1 l2"), std::string::npos) << "the rolled-back step must not show";
  EXPECT_EQ(charts(page, "cost"), 1u);
}

class ReportFullRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new maspo::testing::TempDir("maspo-report-full");
    maspo::report::testing::make_full_run(tmp_->path() / "run", false);
    page_ = new std::string(maspo::report::render_run(tmp_->path() / "run"));
    st_ = store::RunStore::open(tmp_->path() / "run").release();
  }
  static void TearDownTestSuite() {
    delete st_;
    delete page_;
    delete tmp_;
  }
  static maspo::testing::TempDir* tmp_;
  static std::string* page_;
  static store::RunStore* st_;
};
maspo::testing::TempDir* ReportFullRun::tmp_ = nullptr;
std::string* ReportFullRun::page_ = nullptr;
store::RunStore* ReportFullRun::st_ = nullptr;

TEST_F(ReportFullRun, HasEverySectionAndChart) {
  const std::string& page = *page_;
  expect_complete_page(page);
  EXPECT_EQ(page.find("Absent from this run"), std::string::npos) << "a finished run lacks nothing";
  EXPECT_NE(page.find("<section id=\"agent-0\"><h2>Agent predictor</h2>"), std::string::npos);
  EXPECT_NE(page.find("<section id=\"agent-1\"><h2>Agent reflector</h2>"), std::string::npos);
  EXPECT_EQ(charts(page, "final-eval"), 1u);
  EXPECT_EQ(charts(page, "reward"), 2u);
  EXPECT_EQ(charts(page, "lineage"), 2u);
  EXPECT_EQ(charts(page, "misalignment"), 1u);
  EXPECT_EQ(charts(page, "judge-position"), 1u);
  EXPECT_EQ(charts(page, "cost"), 1u);
  EXPECT_EQ(occurrences(page, "<svg"), 8u);
  EXPECT_EQ(occurrences(page, "<script"), 1u);
}

TEST_F(ReportFullRun, ShowsTheStoresValues) {
  const std::string& page = *page_;
  // Final evaluation: the stored accuracies, formatted.
  const json fe = *st_->result("final_eval");
  for (const char* side : {"seed", "optimized"}) {
    EXPECT_NE(page.find("<td>" + html::percent(fe[side]["accuracy"].get<double>()) + "</td>"), std::string::npos);
  }
  // Every proposal id and every item id.
  for (const auto& p : st_->rows("proposals")) {
    EXPECT_NE(page.find("<td>" + html::esc(p["id"].get<std::string>()) + "</td>"), std::string::npos);
  }
  for (int i = 0; i < 8; ++i) EXPECT_NE(page.find("<td>q" + std::to_string(i) + "</td>"), std::string::npos);
  // One reward table row per layer and refresh of each agent: 2 rounds x 2 layers + 1 refresh.
  std::regex step_row("<tr><td>r[12] (l[12]|refresh)</td><td>");
  const auto rows = std::distance(std::sregex_iterator(page.begin(), page.end(), step_row), std::sregex_iterator());
  EXPECT_EQ(rows, 2 * (2 * 2 + 1));
  // Refresh agreement over the stored refreshes.
  int refreshes = 0, agreed = 0;
  for (const auto& m : st_->rows("metrics")) {
    if (m["name"] != "refresh_top1_agreement") continue;
    ++refreshes;
    agreed += m["value"].get<double>() >= 0.5;
  }
  EXPECT_EQ(refreshes, 2);
  EXPECT_NE(page.find("Top-1 agreement: " + std::to_string(agreed) + " of " + std::to_string(refreshes)),
            std::string::npos);
  // The latest usage snapshot's calls per role.
  std::int64_t last = 0;
  for (const auto& u : st_->rows("usage")) last = std::max(last, u["step"].get<std::int64_t>());
  for (const auto& u : st_->rows("usage")) {
    if (u["step"] != last) continue;
    EXPECT_NE(page.find("<td>" + html::esc(u["role"].get<std::string>()) + "</td><td>" +
                        html::esc(u["model"].get<std::string>()) + "</td><td>" + html::integer(u["calls"].get<std::int64_t>())),
              std::string::npos)
        << u.dump();
  }
}

TEST_F(ReportFullRun, DiffsTheSeedAgainstTheBestPrompt) {
  const json best = json::parse(maspo::read_file(tmp_->path() / "run" / "best_prompts.json"));
  const auto tb = maspo::testing::make_testbed(8);
  bool any_changed = false;
  for (const auto& [agent, prompt] : best.items()) {
    if (prompt.get<std::string>() == tb.seed.at(agent)) continue;
    any_changed = true;
    EXPECT_NE(page_->find(maspo::report::diff_html(tb.seed.at(agent), prompt.get<std::string>())), std::string::npos)
        << agent;
  }
  EXPECT_TRUE(any_changed) << "the testbed search improves at least one prompt";
  EXPECT_NE(page_->find("<ins>"), std::string::npos);
}

TEST(ReportDiff, WordDiffRebuildsBothTexts) {
  const std::string a = "You are a solver.\nThink, then answer in <answer> tags.";
  const std::string b = "You are a careful solver.\nCheck your work, then answer in <answer> tags.";
  std::string before, after;
  for (const auto& p : maspo::report::diff_words(a, b)) {
    if (p.op != maspo::report::DiffOp::added) before += p.text;
    if (p.op != maspo::report::DiffOp::removed) after += p.text;
  }
  EXPECT_EQ(before, a);
  EXPECT_EQ(after, b);
  EXPECT_EQ(maspo::report::diff_html(a, b),
            "<pre class=\"diff\">You are a <ins>careful </ins>solver.\n<del>Think,</del><ins>Check your work,</ins>"
            " then answer in &lt;answer&gt; tags.</pre>");
  EXPECT_EQ(maspo::report::diff_words("same", "same").size(), 1u);
  EXPECT_TRUE(maspo::report::diff_words("", "").empty());
}

TEST(ReportWrite, WritesBesideTheRunOrWhereAskedAndRefusesOtherDirectories) {
  maspo::testing::TempDir tmp("maspo-report");
  store::RunStore::create(tmp.path() / "run", json::object());
  EXPECT_EQ(maspo::report::classify(tmp.path() / "run"), maspo::report::DirKind::run);
  EXPECT_EQ(maspo::report::write_report(tmp.path() / "run"), tmp.path() / "run" / "report.html");
  EXPECT_TRUE(fs::exists(tmp.path() / "run" / "report.html"));
  EXPECT_EQ(maspo::report::write_report(tmp.path() / "run", tmp.path() / "elsewhere.html"), tmp.path() / "elsewhere.html");
  EXPECT_TRUE(fs::exists(tmp.path() / "elsewhere.html"));

  fs::create_directories(tmp.path() / "neither");
  EXPECT_EQ(maspo::report::classify(tmp.path() / "neither"), maspo::report::DirKind::none);
  try {
    maspo::report::write_report(tmp.path() / "neither");
    FAIL() << "expected an InputError";
  } catch (const maspo::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((tmp.path() / "neither").string()), std::string::npos) << what;
    EXPECT_NE(what.find("run.sqlite"), std::string::npos) << what;
    EXPECT_NE(what.find("results.json"), std::string::npos) << what;
  }
  EXPECT_THROW(maspo::report::write_report(tmp.path() / "missing"), maspo::InputError);
  fs::create_directories(tmp.path() / "bench");
  tmp.write("bench/results.json", "[1, 2]");
  EXPECT_EQ(maspo::report::classify(tmp.path() / "bench"), maspo::report::DirKind::bench);
  EXPECT_THROW(maspo::report::write_report(tmp.path() / "bench"), maspo::InputError) << "results.json is no object";
}

}  // namespace
