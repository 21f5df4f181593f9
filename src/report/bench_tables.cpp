// The bench's results table (one row per system x method: accuracy per dataset with its 95% CI,
// the average, the difference to MASPO with its p-value), its bar charts, and its cost table.
#include <fmt/format.h>

#include "report/bench_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

std::string accuracy_cell(const json& d) {
  if (!d.is_object() || !html::num(d, "accuracy")) return html::esc("\xE2\x80\x94");
  return html::percent(html::num(d, "accuracy")) + "<br><small>" + html::interval(html::field(d, "ci95")) + "; n=" +
         html::integer(html::count(d, "n")) + ", seeds " + html::integer(html::count(d, "seeds")) + "</small>";
}

std::string vs_maspo_cell(const json& v) {
  if (!v.is_object() || !html::num(v, "diff")) return html::esc("\xE2\x80\x94");
  const double diff = *html::num(v, "diff");
  std::string out = html::esc(fmt::format("{:+.1f} pts", 100.0 * diff)) + "<br><small>p=" +
                    html::number(html::num(v, "p_value")) + " " + html::esc(html::text(v, "test"));
  if (auto n = html::count(v, "n")) out += ", " + html::integer(n) + " pairs";
  return out + "</small>";
}

svg::Bar bar_of(const json& d) {
  svg::Bar b{html::num(d, "accuracy"), std::nullopt, std::nullopt};
  const json& ci = html::field(d, "ci95");
  if (ci.is_array() && ci.size() == 2 && ci[0].is_number() && ci[1].is_number()) {
    b.low = ci[0].get<double>();
    b.high = ci[1].get<double>();
  }
  return b;
}

// Accuracy per dataset (groups) per method (bars) of one system.
std::string system_chart(const json& table, const std::string& system, const std::vector<std::string>& methods,
                         const std::vector<std::string>& datasets) {
  svg::BarChart chart{"bench-accuracy", "Accuracy on " + system + " (95% CI)", "accuracy", datasets, {}, {}, 0.0,
                      1.0, true};
  for (const auto& method : methods) {
    const json* row = nullptr;
    for (const auto& r : table) {
      if (html::text(r, "system") == system && html::text(r, "method") == method) row = &r;
    }
    if (row == nullptr) continue;
    chart.series.push_back(method);
    chart.bars.emplace_back();
    for (const auto& d : datasets) chart.bars.back().push_back(bar_of(html::field(html::field(*row, "datasets"), d)));
  }
  return svg::bar_chart(chart);
}

}  // namespace

html::Section bench_results_section(const json& r) {
  const json& table = html::field(r, "table");
  if (!table.is_array() || table.empty()) return {"results", "Results", html::note("No results table yet.")};
  const auto datasets = strings_of(r, "datasets");
  // The comparison to MASPO per dataset, and pooled over all of them when the bench gives it.
  std::vector<std::string> compared = datasets;
  for (const auto& row : table) {
    if (html::field(html::field(row, "vs_maspo"), "all").is_object()) {
      compared.push_back("all");
      break;
    }
  }
  std::vector<std::string> header{"system", "method"};
  for (const auto& d : datasets) header.push_back(d);
  header.push_back("average");
  for (const auto& d : compared) header.push_back(d == "all" ? "vs maspo: all datasets" : "vs maspo: " + d);
  html::Table t(header, "results-table");
  for (const auto& row : table) {
    std::vector<std::string> cells{html::esc(html::text(row, "system")), html::esc(html::text(row, "method"))};
    for (const auto& d : datasets) cells.push_back(accuracy_cell(html::field(html::field(row, "datasets"), d)));
    cells.push_back(html::percent(html::num(row, "average")));
    for (const auto& d : compared) cells.push_back(vs_maspo_cell(html::field(html::field(row, "vs_maspo"), d)));
    t.row(cells);
  }
  std::string body = t.str();
  for (const auto& system : strings_of(r, "systems")) body += system_chart(table, system, strings_of(r, "methods"), datasets);
  return {"results", "Results", body};
}

html::Section bench_cost_section(const json& r) {
  const json& table = html::field(r, "table");
  if (!table.is_array() || table.empty()) return {"cost", "Cost", html::note("No cost recorded yet.")};
  html::Table t({"system", "method", "calls", "tokens", "dollars", "wall time (s)", "optimization calls",
                 "optimization tokens", "optimization dollars"});
  for (const auto& row : table) {
    const json& c = html::field(row, "cost");
    const json& o = html::field(c, "optimization");
    t.row({html::esc(html::text(row, "system")), html::esc(html::text(row, "method")),
           html::integer(html::count(c, "calls")), html::integer(html::count(c, "tokens")),
           html::dollars(html::num(c, "dollars")), html::number(html::num(c, "wall_s"), 1),
           html::integer(html::count(o, "calls")), html::integer(html::count(o, "tokens")),
           html::dollars(html::num(o, "dollars"))});
  }
  return {"cost", "Cost",
          html::note("Optimization and evaluation together, summed over seeds; the optimization part is what the "
                     "bench's budgets cap.") +
              t.str()};
}

}  // namespace maspo::report
