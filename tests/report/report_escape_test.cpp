// Escaping: the report shows model output verbatim, so every text from the run must reach the page
// as text, never as markup. These tests put hostile text everywhere a model (or a user's file)
// can put text and check that only our own elements are in the page.
#include <gtest/gtest.h>

#include "maspo/report.hpp"
#include "maspo/store.hpp"
#include "report/html.hpp"
#include "report/report_fixture.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::report::escape_html;
using maspo::report::testing::kHostile;
using maspo::report::testing::occurrences;
namespace store = maspo::store;
namespace html = maspo::report::html;
using json = nlohmann::json;

TEST(ReportEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(escape_html("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escape_html("plain text, tabs\tand\nnewlines"), "plain text, tabs\tand\nnewlines");
  EXPECT_EQ(escape_html("&amp;"), "&amp;amp;");   // already-escaped text is shown as it was, not decoded
}

TEST(ReportEscape, KeepsValidUtf8ReplacesInvalidAndDropsControlCharacters) {
  EXPECT_EQ(escape_html("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(escape_html("a\xFFz"), "a" + fffd + "z");
  EXPECT_EQ(escape_html("\xC0\xBC"), fffd + fffd) << "an overlong '<' must not survive as one";
  EXPECT_EQ(escape_html("\xED\xA0\x80"), fffd + fffd + fffd) << "a UTF-16 surrogate is not UTF-8";
  EXPECT_EQ(escape_html("cut \xE2\x82"), "cut " + fffd + fffd) << "a character cut at the end";
  EXPECT_EQ(escape_html(std::string("a\0b\x1B[31mc\x7F", 9)), "ab[31mc");
}

TEST(ReportEscape, TruncationNeverSplitsACharacter) {
  const std::string text = "\xC3\xA9\xC3\xA9\xC3\xA9";   // three 2-byte characters
  EXPECT_EQ(html::truncated(text, 3).substr(0, 2), "\xC3\xA9");
  EXPECT_EQ(html::truncated(text, 3).find("\xC3 "), std::string::npos);
  EXPECT_EQ(html::truncated(text, 6), text);
}

TEST(ReportEscape, HrefOnlyForPlainRelativePaths) {
  EXPECT_EQ(html::safe_relative_href("cells/sequential_1/gsm8k/spo/seed-0"), "cells/sequential_1/gsm8k/spo/seed-0");
  EXPECT_EQ(html::safe_relative_href("a b/\"x\""), "a%20b/%22x%22");
  for (const char* bad : {"javascript:alert(1)", "/etc/passwd", "../outside", "a/../../b", "", "data:text/html,x",
                          "\\\\host\\share"}) {
    EXPECT_EQ(html::safe_relative_href(bad), "") << bad;
  }
}

// A run written by hand with hostile text in every field the report shows.
void write_hostile_run(const std::filesystem::path& dir) {
  const std::string h(kHostile);
  const std::string agent = "agent\"><svg onload=alert(1)>";   // a name from the user's system file
  auto st = store::RunStore::create(
      dir, {{"system", h}, {"data", h}, {"method", h}, {"settings", {{"beam_width", 2}, {h, h}}},
            {"seed_prompts", {{agent, "Seed prompt. " + h}}}});
  st->begin_step(1);
  st->record(store::ProposalRecord{"p-accepted", agent, 0, 0, "Seed prompt. " + h, h, "Better prompt. " + h, "accepted"});
  st->record(store::ProposalRecord{h, agent, 0, 0, "Seed prompt. " + h, h, "", "rejected: " + h});
  store::JudgementRecord j;
  j.proposal_id = h;
  j.agent = agent;
  j.question_id = h;
  j.kind = h;
  j.replies = json::array({h, h});
  j.parsed = false;
  st->record(j);
  st->record(store::ScoreRecord{"p-accepted", agent, 0, 0, 0.75, 0.25, 1, 0.5, 0.5, 4, "layer"});
  st->record(store::BeamRecord{agent, 0, 0, json::array({{{"prompt", "Better prompt. " + h}, {"score", 0.25},
                                                          {"path", json::array({h})}}})});
  st->record(store::MetricRecord{"misalignment_rate", agent, 0, 0, 0.5, {{"depth", 1}, {"note", h}}});
  st->record(store::MetricRecord{"judge_position", agent, 0, 0, 0.5,
                                 {{"candidate_as_a", 2}, {"candidate_as_a_wins", 1}, {"context", h}}});
  st->record(store::MetricRecord{"refresh_top1_agreement", agent, 1, 0, 1.0, json::object()});
  st->record_prompt(agent, 0, 0, "Better prompt. " + h, 0.25);
  maspo::llm::UsageLine u;
  u.role = h;
  u.model = h;
  u.calls = 3;
  st->record_usage({u});
  st->commit_step(json::object());
  st->set_status(h);
  st->put_result("final_eval", {{"seed", {{"accuracy", 0.5}, {"ci95", {0.2, 0.8}}, {"total", 4}}}, {"pool", h}});
  st->put_result("last_session_usage", json::array({{{"role", h}, {"model", h}, {"calls", 1}}}));
  maspo::write_file_atomic(dir / "best_prompts.json", json{{agent, "Best prompt. " + h}}.dump());
  std::filesystem::create_directories(dir / "eval-seed");
  const json item{{"id", h}, {"extracted", h}, {"gold", h}, {"correct", false}, {"status", h}, {"error", h},
                  {"trace", {{"final_output", h}, {"agents", json::array({{{"agent", agent}, {"prompt", h}}})}}}};
  maspo::write_file_atomic(dir / "eval-seed" / "items.jsonl", item.dump() + "\n{torn line\n");
}

TEST(ReportEscape, HostileTextFromTheRunAppearsOnlyEscaped) {
  maspo::testing::TempDir tmp("maspo-report");
  write_hostile_run(tmp.path() / "run");
  const std::string page = maspo::report::render_run(tmp.path() / "run");

  EXPECT_EQ(occurrences(page, "<script"), 1u) << "only the report's own filter script";
  EXPECT_NE(page.find("<script>" + std::string(html::filter_script()) + "</script>"), std::string::npos);
  EXPECT_EQ(occurrences(page, "<img"), 0u);
  EXPECT_EQ(occurrences(page, "<svg onload"), 0u) << "the agent name must be escaped";
  EXPECT_GE(occurrences(page, "agent&quot;&gt;&lt;svg onload=alert(1)&gt;"), 5u);
  EXPECT_EQ(occurrences(page, "<svg"), occurrences(page, "<svg class=\"chart\" data-chart="))
      << "every <svg> is one of our charts";
  EXPECT_EQ(occurrences(page, "A & B"), 0u);
  EXPECT_EQ(occurrences(page, "'q'"), 0u);
  // The text is there, escaped, in every place it was put: config, status, proposals (id, reply,
  // prompt, status), judge (ids, kind, replies), usage (role, model), the diff, items (id, answer,
  // gold, status, error, output), the final evaluation's pool.
  const std::string escaped = escape_html(kHostile);
  EXPECT_EQ(escaped,
            "A &amp; B &lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#39;q&#39;");
  EXPECT_GE(occurrences(page, escaped), 20u);
  EXPECT_NE(page.find("1 unreadable lines"), std::string::npos);
}

TEST(ReportEscape, HostileBenchFieldsAppearOnlyEscaped) {
  maspo::testing::TempDir tmp("maspo-report");
  const std::string h(kHostile);
  const json cell{{"method", h}, {"system", h}, {"dataset", h}, {"seed", 0}, {"status", h}, {"error", h},
                  {"dir", "javascript:alert(1)"}};
  const json results{{"bench", h}, {"file", h}, {"methods", {h}}, {"systems", {h}}, {"datasets", {h}},
                     {"cells", {cell}},
                     {"table", {{{"system", h}, {"method", h}, {"datasets", {{h, {{"accuracy", 0.5}, {"n", 2}}}}},
                                 {"vs_maspo", {{h, {{"diff", 0.1}, {"p_value", 0.5}, {"test", h}}}}}}}}};
  std::filesystem::create_directories(tmp.path() / "bench" / "javascript:alert(1)");
  tmp.write("bench/results.json", results.dump());
  const std::string page = maspo::report::render_bench(tmp.path() / "bench");
  EXPECT_EQ(occurrences(page, "<script"), 1u);
  EXPECT_EQ(occurrences(page, "<img"), 0u);
  EXPECT_EQ(occurrences(page, "href=\"javascript"), 0u);
  EXPECT_GE(occurrences(page, escape_html(kHostile)), 8u);
}

}  // namespace
