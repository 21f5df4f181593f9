// Misalignment rate per depth (how often a candidate won locally yet lost downstream, by how many
// layers the agent had been optimized) and Beam Refresh top-1 agreement (whether the beam's best
// stayed the best when re-scored under the current peers).
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/run_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

std::vector<json> metrics_named(const RunData& run, const std::string& name) {
  std::vector<json> out;
  for (const auto& m : run.metrics) {
    if (html::text(m, "name") == name) out.push_back(m);
  }
  return out;
}

// Depth from the detail; an older or foreign row without one counts its position per agent.
std::int64_t depth_of(const json& m, std::map<std::string, std::int64_t>& seen) {
  const std::int64_t position = ++seen[html::text(m, "agent")];
  return html::count(html::field(m, "detail"), "depth").value_or(position);
}

}  // namespace

html::Section misalignment_section(const RunData& run) {
  const auto rows = metrics_named(run, "misalignment_rate");
  if (rows.empty()) return {"misalignment", "Misalignment", html::note("No misalignment rate recorded.")};
  std::map<std::string, std::int64_t> seen;
  std::map<std::string, std::map<std::int64_t, double>> rate;   // agent -> depth -> rate
  std::set<std::int64_t> depths;
  html::Table t({"agent", "step", "depth", "rate", "misaligned / considered", "rate (random questions only)", "injected"});
  for (const auto& m : rows) {
    const std::string agent = html::text(m, "agent");
    const std::int64_t depth = depth_of(m, seen);
    const json& d = html::field(m, "detail");
    depths.insert(depth);
    rate[agent][depth] = html::num(m, "value").value_or(0.0);
    t.row({html::esc(agent),
           html::esc(step_label(html::count(m, "round").value_or(0), html::count(m, "layer").value_or(0))),
           html::integer(depth), html::percent(html::num(m, "value")),
           html::integer(html::count(d, "misaligned")) + " / " + html::integer(html::count(d, "considered")),
           html::percent(html::num(d, "rate_random_only")), html::integer(html::count(d, "injected"))});
  }
  svg::LineChart chart;
  chart.kind = "misalignment";
  chart.title = "Misalignment rate per depth";
  chart.x_label = "depth (layers of optimization of the agent)";
  chart.y_label = "misaligned candidates";
  chart.y_min = 0.0;
  chart.y_max = 1.0;
  chart.percent = true;
  for (auto d : depths) chart.x_labels.push_back(std::to_string(d));
  for (const auto& agent : run.agents) {
    if (!rate.count(agent)) continue;
    svg::Series s{agent, {}};
    for (auto d : depths) {
      auto it = rate[agent].find(d);
      s.values.push_back(it == rate[agent].end() ? std::nullopt : std::optional<double>(it->second));
    }
    chart.series.push_back(std::move(s));
  }
  const std::string intro = html::note(
      "Share of the candidates' local wins whose successors or final answer then lost (the sink agent has none).");
  return {"misalignment", "Misalignment", intro + svg::line_chart(chart) + t.str()};
}

html::Section refresh_section(const RunData& run) {
  const auto rows = metrics_named(run, "refresh_top1_agreement");
  if (rows.empty()) {
    return {"refresh", "Beam Refresh", html::note("No Beam Refresh recorded (it runs from the second round on).")};
  }
  int agreed = 0;
  html::Table t({"agent", "round", "top-1 kept", "anchor switched"});
  for (const auto& m : rows) {
    const bool kept = html::num(m, "value").value_or(0.0) >= 0.5;
    agreed += kept;
    t.row({html::esc(html::text(m, "agent")), html::integer(html::count(m, "round").value_or(0) + 1),
           kept ? "<span class=\"ok\">yes</span>" : "<span class=\"err\">no</span>",
           html::flag(html::field(m, "detail"), "anchor_switched") ? "yes" : "no"});
  }
  const std::string summary =
      fmt::format("Top-1 agreement: {} of {} refreshes ({}).", agreed, rows.size(),
                  html::percent(static_cast<double>(agreed) / static_cast<double>(rows.size())));
  return {"refresh", "Beam Refresh", "<p>" + html::esc(summary) + "</p>" + t.str()};
}

}  // namespace maspo::report
