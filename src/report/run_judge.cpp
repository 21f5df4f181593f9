// Judge statistics: how often the candidate won when shown in position A versus position B (a
// judge without position bias gives equal rates; a two-proportion z-test says how sure the
// difference is), the verdicts by kind, and the judge replies that could not be parsed.
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "maspo/eval.hpp"
#include "report/run_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

constexpr std::size_t kMaxUnparsedShown = 20;

struct Positions {
  std::int64_t as_a = 0, as_a_wins = 0, as_b = 0, as_b_wins = 0;
};

std::optional<double> rate(std::int64_t wins, std::int64_t shown) {
  return shown > 0 ? std::optional<double>(double(wins) / double(shown)) : std::nullopt;
}

// Two-sided p-value of "same win rate in both positions"; nullopt when a position was never used.
std::optional<double> position_p_value(const Positions& p) {
  if (p.as_a == 0 || p.as_b == 0) return std::nullopt;
  const double pooled = double(p.as_a_wins + p.as_b_wins) / double(p.as_a + p.as_b);
  const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / double(p.as_a) + 1.0 / double(p.as_b)));
  if (se <= 0) return std::nullopt;
  const double z = (*rate(p.as_a_wins, p.as_a) - *rate(p.as_b_wins, p.as_b)) / se;
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

svg::Bar bar_of(std::int64_t wins, std::int64_t shown) {
  if (shown == 0) return {};
  const auto ci = eval::wilson_interval(static_cast<int>(wins), static_cast<int>(shown));
  return {rate(wins, shown), ci.low, ci.high};
}

std::map<std::string, Positions> positions_by_agent(const RunData& run) {
  std::map<std::string, Positions> out;
  for (const auto& m : run.metrics) {
    if (html::text(m, "name") != "judge_position") continue;
    const json& d = html::field(m, "detail");
    for (auto* p : {&out[html::text(m, "agent")], &out["(all agents)"]}) {
      p->as_a += html::count(d, "candidate_as_a").value_or(0);
      p->as_a_wins += html::count(d, "candidate_as_a_wins").value_or(0);
      p->as_b += html::count(d, "candidate_as_b").value_or(0);
      p->as_b_wins += html::count(d, "candidate_as_b_wins").value_or(0);
    }
  }
  return out;
}

std::string position_html(const RunData& run) {
  const auto by_agent = positions_by_agent(run);
  if (by_agent.empty()) return html::note("No judge position statistics recorded.");
  html::Table t({"agent", "candidate as A", "win rate as A", "candidate as B", "win rate as B", "difference",
                 "p-value (two-proportion z)"});
  svg::BarChart chart{"judge-position", "Candidate win rate by position shown to the judge", "win rate", {},
                      {"candidate as A", "candidate as B"}, {{}, {}}, 0.0, 1.0, true};
  for (const auto& [agent, p] : by_agent) {
    const auto ra = rate(p.as_a_wins, p.as_a), rb = rate(p.as_b_wins, p.as_b);
    t.row({html::esc(agent), html::integer(p.as_a), html::percent(ra), html::integer(p.as_b), html::percent(rb),
           ra && rb ? html::number(*ra - *rb) : html::number(std::nullopt), html::number(position_p_value(p))});
    chart.groups.push_back(agent);
    chart.bars[0].push_back(bar_of(p.as_a_wins, p.as_a));
    chart.bars[1].push_back(bar_of(p.as_b_wins, p.as_b));
  }
  std::string out = t.str() + svg::bar_chart(chart);
  const Positions& all = by_agent.at("(all agents)");
  if (all.as_a == 0 || all.as_b == 0) {
    out += html::note("The candidate was always shown in one position (judge_order: fixed), so position bias "
                      "cannot be told apart from quality; judge_order: both or random measures it.");
  }
  return out;
}

std::string verdicts_html(const RunData& run) {
  if (run.judgements.empty()) return html::note("No judgement recorded.");
  struct Tally { std::int64_t n = 0, wins = 0, ties = 0, unparsed = 0; };
  std::map<std::string, Tally> by_kind;
  std::vector<const json*> unparsed;
  for (const auto& j : run.judgements) {
    Tally& t = by_kind[html::text(j, "kind")];
    const double v = html::num(j, "verdict").value_or(0.0);
    ++t.n;
    t.wins += v >= 1.0;
    t.ties += v > 0.0 && v < 1.0;
    if (html::field(j, "parsed").is_boolean() && !html::flag(j, "parsed")) {
      ++t.unparsed;
      unparsed.push_back(&j);
    }
  }
  html::Table t({"kind", "judgements", "candidate won", "tie", "unparsed"});
  for (const auto& [kind, k] : by_kind) {
    t.row({html::esc(kind), html::integer(k.n), html::integer(k.wins), html::integer(k.ties), html::integer(k.unparsed)});
  }
  std::string out = t.str();
  if (unparsed.empty()) return out;
  out += "<h3>Judge replies that could not be parsed</h3>";
  for (std::size_t i = 0; i < unparsed.size() && i < kMaxUnparsedShown; ++i) {
    const json& j = *unparsed[i];
    std::string replies;
    for (const auto& r : html::field(j, "replies")) replies += html::pre(r.is_string() ? r.get<std::string>() : r.dump(-1, ' ', false, json::error_handler_t::replace), 3000);
    out += html::details(fmt::format("{} / question {} / {}", html::text(j, "proposal_id"),
                                     html::text(j, "question_id"), html::text(j, "kind")),
                         replies);
  }
  if (unparsed.size() > kMaxUnparsedShown) {
    out += html::note(fmt::format("First {} of {} shown.", kMaxUnparsedShown, unparsed.size()));
  }
  return out;
}

}  // namespace

html::Section judge_section(const RunData& run) {
  return {"judge", "Judge", "<h3>Position bias</h3>" + position_html(run) + "<h3>Verdicts</h3>" + verdicts_html(run)};
}

}  // namespace maspo::report
