// An agent's rewards per layer and round: the candidates' rewards s (max and mean) at each step,
// the mean component win rates, and the top of the beam after the step.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "report/run_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

// One layer or one refresh of the agent.
struct Point {
  std::int64_t round = 0, layer = 0;   // layer -1: a refresh
  std::int64_t first_seq = std::numeric_limits<std::int64_t>::max();
  std::vector<json> scores;
  std::optional<double> beam_top;
};

std::optional<double> max_of(const std::vector<json>& rows, const char* key);

Point& point_at(std::vector<Point>& points, std::int64_t round, std::int64_t layer) {
  for (auto& p : points) {
    if (p.round == round && p.layer == layer) return p;
  }
  Point p;
  p.round = round;
  p.layer = layer;
  points.push_back(std::move(p));
  return points.back();
}

std::vector<Point> points_of(const RunData& run, const std::string& agent) {
  std::vector<Point> points;
  for (const auto& beam : rows_of(run.beams, agent)) {
    Point& p = point_at(points, html::count(beam, "round").value_or(0), html::count(beam, "layer").value_or(0));
    p.first_seq = std::min(p.first_seq, html::count(beam, "seq").value_or(0));
    for (const auto& node : html::field(beam, "nodes")) {
      if (auto s = html::num(node, "score")) p.beam_top = std::max(p.beam_top.value_or(*s), *s);
    }
  }
  for (const auto& score : rows_of(run.scores, agent)) {
    const bool refresh = html::text(score, "context") == "refresh";
    Point& p = point_at(points, html::count(score, "round").value_or(0),
                        refresh ? -1 : html::count(score, "layer").value_or(0));
    p.first_seq = std::min(p.first_seq, html::count(score, "seq").value_or(0));
    p.scores.push_back(score);
  }
  // A baseline keeps no beam: its best so far is each score's cumulative value.
  for (auto& p : points) {
    if (!p.beam_top) p.beam_top = max_of(p.scores, "cumulative");
  }
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.first_seq < b.first_seq; });
  return points;
}

std::optional<double> mean_of(const std::vector<json>& rows, const char* key) {
  double sum = 0;
  int n = 0;
  for (const auto& r : rows) {
    if (auto v = html::num(r, key)) sum += *v, ++n;
  }
  return n ? std::optional<double>(sum / n) : std::nullopt;
}

std::optional<double> max_of(const std::vector<json>& rows, const char* key) {
  std::optional<double> best;
  for (const auto& r : rows) {
    if (auto v = html::num(r, key)) best = std::max(best.value_or(*v), *v);
  }
  return best;
}

}  // namespace

std::string reward_html(const RunData& run, const std::string& agent) {
  const std::vector<Point> points = points_of(run, agent);
  if (points.empty()) return html::note("No layer of this agent has been recorded.");
  svg::LineChart chart;
  chart.kind = "reward";
  chart.title = "Reward of the candidates of " + agent;
  chart.x_label = run.layered ? "round and layer" : "iteration";
  chart.y_label = "reward s";
  chart.y_min = 0.0;
  chart.y_max = 1.0;
  chart.series = {{"max reward", {}}, {"mean reward", {}}};
  html::Table t({"step", "candidates", "max reward", "mean reward", "local", "lookahead", "global",
                 run.layered ? "beam top J" : "best so far"});
  for (const auto& p : points) {
    const std::string label = position_label(run, {{"round", p.round}, {"layer", p.layer}});
    chart.x_labels.push_back(label);
    chart.series[0].values.push_back(max_of(p.scores, "reward"));
    chart.series[1].values.push_back(mean_of(p.scores, "reward"));
    t.row({html::esc(label), html::integer(static_cast<std::int64_t>(p.scores.size())),
           html::number(max_of(p.scores, "reward")), html::number(mean_of(p.scores, "reward")),
           html::number(mean_of(p.scores, "local")), html::number(mean_of(p.scores, "lookahead")),
           html::number(mean_of(p.scores, "global")), html::number(p.beam_top)});
  }
  return svg::line_chart(chart) + t.str();
}

}  // namespace maspo::report
