// Cost per role over time. Usage rows are cumulative snapshots of the client's meter, one per
// (role, model) per step, so the curve at a step is the total spent up to it; the table is the
// latest snapshot, and the last session's usage (final evaluation included) beside it.
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/run_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

struct Totals {
  std::int64_t calls = 0, cached = 0, failed = 0, prompt_tokens = 0, completion_tokens = 0;
  double dollars = 0;
};

void add(Totals& t, const json& row) {
  t.calls += html::count(row, "calls").value_or(0);
  t.cached += html::count(row, "cached_calls").value_or(0);
  t.failed += html::count(row, "failed_calls").value_or(0);
  t.prompt_tokens += html::count(row, "prompt_tokens").value_or(0);
  t.completion_tokens += html::count(row, "completion_tokens").value_or(0);
  t.dollars += html::num(row, "dollars").value_or(0.0);
}

std::vector<std::string> usage_row(const std::string& role, const std::string& model, const Totals& t) {
  return {html::esc(role), html::esc(model), html::integer(t.calls), html::integer(t.cached), html::integer(t.failed),
          html::integer(t.prompt_tokens), html::integer(t.completion_tokens), html::dollars(t.dollars)};
}

const std::vector<std::string> kUsageHeader = {"role", "model", "calls", "cached", "failed", "prompt tokens",
                                               "completion tokens", "dollars"};

std::string over_time_html(const RunData& run) {
  std::map<std::int64_t, std::map<std::string, Totals>> by_step;   // step -> role -> totals
  std::set<std::string> roles;
  for (const auto& row : run.usage) {
    const std::string role = html::text(row, "role");
    roles.insert(role);
    add(by_step[html::count(row, "step").value_or(0)][role], row);
  }
  bool any_dollars = false;
  for (const auto& [step, per_role] : by_step) {
    for (const auto& [role, t] : per_role) any_dollars = any_dollars || t.dollars > 0;
  }
  svg::LineChart chart;
  chart.kind = "cost";
  chart.title = any_dollars ? "Dollars per role, cumulative" : "Tokens per role, cumulative";
  chart.x_label = "step";
  chart.y_label = any_dollars ? "dollars" : "tokens (prompt + completion)";
  for (const auto& [step, _] : by_step) chart.x_labels.push_back(std::to_string(step));
  for (const auto& role : roles) {
    svg::Series s{role, {}};
    for (const auto& [step, per_role] : by_step) {
      auto it = per_role.find(role);
      if (it == per_role.end()) {
        s.values.push_back(std::nullopt);
      } else {
        const Totals& t = it->second;
        s.values.push_back(any_dollars ? t.dollars : double(t.prompt_tokens + t.completion_tokens));
      }
    }
    chart.series.push_back(std::move(s));
  }
  return svg::line_chart(chart);
}

std::string latest_html(const RunData& run) {
  std::int64_t last = 0;
  for (const auto& row : run.usage) last = std::max(last, html::count(row, "step").value_or(0));
  html::Table t(kUsageHeader);
  for (const auto& row : run.usage) {
    if (html::count(row, "step").value_or(0) != last) continue;
    Totals totals;
    add(totals, row);
    t.row(usage_row(html::text(row, "role"), html::text(row, "model"), totals));
  }
  return fmt::format("<h3>Search, up to step {}</h3>", last) + t.str();
}

std::string session_html(const RunData& run) {
  if (!run.session_usage.is_array() || run.session_usage.empty()) return "";
  html::Table t(kUsageHeader);
  for (const auto& row : run.session_usage) {
    Totals totals;
    add(totals, row);
    t.row(usage_row(html::text(row, "role"), html::text(row, "model"), totals));
  }
  return "<h3>Last session, final evaluation included</h3>" + t.str();
}

}  // namespace

html::Section cost_section(const RunData& run) {
  if (run.usage.empty() && run.session_usage.is_null()) {
    return {"cost", "Cost", html::note("No usage recorded.")};
  }
  std::string body = run.usage.empty() ? html::note("No usage snapshot of the search steps.")
                                       : over_time_html(run) + latest_html(run);
  return {"cost", "Cost", body + session_html(run)};
}

}  // namespace maspo::report
