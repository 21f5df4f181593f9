// The overview (what was run, how far it got, what is absent) and the final evaluation (seed vs
// optimized on the test split, with 95% intervals).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/run_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::int64_t steps_recorded(const RunData& run) {
  std::int64_t steps = 0;
  for (const json* table : {&run.beams, &run.scores, &run.usage}) {
    for (const auto& row : *table) steps = std::max(steps, html::count(row, "step").value_or(0));
  }
  return steps;
}

std::string settings_table(const std::string& title, const json& settings) {
  if (!settings.is_object() || settings.empty()) return html::note(title + ": none recorded.");
  html::Table t({"setting", "value"}, "", "kv");
  for (const auto& [key, value] : settings.items()) t.row({html::esc(key), html::esc(value_text(value))});
  return html::details(fmt::format("{} ({})", title, settings.size()), t.str());
}

// The final evaluation's numbers: final_eval when the run finished it, else each side's summary.json.
json eval_numbers(const RunData& run, const EvalSide& side) {
  const json& fe = html::field(run.final_eval, side.name);
  if (fe.is_object()) return fe;
  if (!side.summary.is_object()) return json();
  json s = side.summary;
  if (!s.contains("total") && s.contains("scored")) s["total"] = s["scored"];
  return s;
}

}  // namespace

std::string step_label(std::int64_t round, std::int64_t layer) {
  return layer < 0 ? fmt::format("r{} refresh", round + 1) : fmt::format("r{} l{}", round + 1, layer + 1);
}

html::Section overview_section(const RunData& run) {
  html::Table t({"", ""}, "", "kv");
  t.row({"directory", html::esc(run.dir.string())});
  t.row({"method", html::esc(run.method)});
  t.row({"status", html::esc(run.status.empty() ? "unknown" : run.status)});
  for (const char* key : {"system", "data", "pool"}) {
    const std::string v = html::text(run.config, key);
    if (!v.empty()) t.row({key, html::esc(v)});
  }
  t.row({"steps committed", html::integer(steps_recorded(run))});
  t.row({"agents", html::esc(fmt::format("{}", fmt::join(run.agents, ", ")))});
  std::string body = t.str() + settings_table("Settings", html::field(run.config, "settings"));
  if (!run.layered) body += settings_table("Baseline settings", html::field(run.config, "baselines"));
  if (!run.absent.empty()) {
    body += "<h3>Absent from this run</h3><ul class=\"absent\">";
    for (const auto& a : run.absent) body += "<li>" + html::esc(a) + "</li>";
    body += "</ul>";
  }
  return {"overview", "Overview", body};
}

html::Section final_eval_section(const RunData& run) {
  html::Table t({"prompts", "accuracy", "95% CI", "correct", "total", "errors"});
  svg::BarChart chart{"final-eval", "Test-split accuracy, seed vs optimized", "accuracy", {"test split"}, {}, {}, 0.0,
                      1.0, true};
  for (const auto& side : run.evals) {
    const json n = eval_numbers(run, side);
    if (n.is_null()) continue;
    t.row({html::esc(side.name), html::percent(html::num(n, "accuracy")), html::interval(html::field(n, "ci95")),
           html::integer(html::count(n, "correct")), html::integer(html::count(n, "total")),
           html::integer(html::count(n, "errors"))});
    const json& ci = html::field(n, "ci95");
    svg::Bar bar{html::num(n, "accuracy"), std::nullopt, std::nullopt};
    if (ci.is_array() && ci.size() == 2 && ci[0].is_number() && ci[1].is_number()) {
      bar.low = ci[0].get<double>();
      bar.high = ci[1].get<double>();
    }
    chart.series.push_back(side.name);
    chart.bars.push_back({bar});
  }
  if (t.empty()) return {"final-eval", "Final evaluation", html::note("No final evaluation in this run.")};
  std::string body;
  if (run.final_eval.is_null()) body += html::note("The final evaluation did not finish: numbers from summary.json.");
  const std::string pool = html::text(run.final_eval, "pool");
  if (!pool.empty()) body += "<p>Pool: " + html::esc(pool) + "</p>";
  return {"final-eval", "Final evaluation", body + t.str() + svg::bar_chart(chart)};
}

}  // namespace maspo::report
