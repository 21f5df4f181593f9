// An agent's beam lineage: the beam after every step, each node linked to the node it came from.
// A node's path is the chain of proposal ids from the seed, so its parent in the previous beam is
// the node with the same path (it survived) or with the path one shorter (it is a new child).
#include <fmt/format.h>

#include "report/run_sections.hpp"
#include "report/svg.hpp"

namespace maspo::report {

namespace {

std::vector<std::string> path_of(const json& node) {
  std::vector<std::string> path;
  for (const auto& id : html::field(node, "path")) {
    if (id.is_string()) path.push_back(id.get<std::string>());
  }
  return path;
}

int parent_index(const std::vector<std::vector<std::string>>& previous, const std::vector<std::string>& path) {
  for (std::size_t i = 0; i < previous.size(); ++i) {
    if (previous[i] == path) return static_cast<int>(i);
  }
  if (path.empty()) return -1;
  const std::vector<std::string> up(path.begin(), path.end() - 1);
  for (std::size_t i = 0; i < previous.size(); ++i) {
    if (previous[i] == up) return static_cast<int>(i);
  }
  return -1;
}

// "r2-predictor-l1-p0-c1" -> "r2-l1-p0-c1": the agent is the section's, and the column is narrow.
std::string short_id(const std::string& id, const std::string& agent) {
  const std::string infix = "-" + agent + "-";
  const auto at = id.find(infix);
  return at == std::string::npos ? id : id.substr(0, at + 1) + id.substr(at + infix.size());
}

svg::LineageNode node_of(const json& node, const std::vector<std::string>& path, const std::string& agent,
                         const std::string& best) {
  svg::LineageNode n;
  n.label = path.empty() ? "seed" : short_id(path.back(), agent);
  n.score = html::num(node, "score").value_or(0.0);
  const std::string prompt = html::text(node, "prompt");
  n.best = !best.empty() && prompt == best;
  n.tooltip = fmt::format("{} J={:.3f}\n{}", path.empty() ? "seed" : path.back(), n.score,
                          html::truncated(prompt, 300));
  return n;
}

}  // namespace

std::string lineage_html(const RunData& run, const std::string& agent) {
  const auto beams = rows_of(run.beams, agent);
  if (beams.empty()) return html::note("No beam of this agent has been recorded.");
  const std::string best = best_prompt(run, agent);
  std::vector<svg::LineageColumn> columns;
  // The initial beam is the seed alone; it is never recorded, so it is drawn here.
  columns.push_back({"start", {svg::LineageNode{"seed", "the seed prompt", 0.0, -1, false}}});
  std::vector<std::vector<std::string>> previous{{}};
  for (const auto& beam : beams) {
    svg::LineageColumn column;
    column.label = step_label(html::count(beam, "round").value_or(0), html::count(beam, "layer").value_or(0));
    std::vector<std::vector<std::string>> paths;
    for (const auto& node : html::field(beam, "nodes")) {
      paths.push_back(path_of(node));
      svg::LineageNode n = node_of(node, paths.back(), agent, best);
      n.parent = parent_index(previous, paths.back());
      column.nodes.push_back(std::move(n));
    }
    columns.push_back(std::move(column));
    previous = std::move(paths);
  }
  return svg::lineage_chart("Beam lineage of " + agent, columns);
}

}  // namespace maspo::report
