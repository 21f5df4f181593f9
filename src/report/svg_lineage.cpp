// Beam lineage graph: one column per step (layer or refresh) holding the beam after it, each node
// linked to the node of the previous column it descends from (itself, when it survived). Shows at
// a glance which proposals took over the beam and which branch the best prompt came from.
#include <algorithm>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/svg.hpp"

namespace maspo::report::svg {

namespace {

constexpr double kColumnGap = 96, kRowGap = 44, kLeft = 48, kTop = 44;

double node_x(std::size_t column) { return kLeft + kColumnGap * double(column); }
double node_y(std::size_t row) { return kTop + kRowGap * double(row); }

std::string edges(const std::vector<LineageColumn>& columns) {
  std::string out = "<g stroke=\"#9aa4b5\" stroke-width=\"1.5\">";
  for (std::size_t c = 1; c < columns.size(); ++c) {
    for (std::size_t r = 0; r < columns[c].nodes.size(); ++r) {
      const int p = columns[c].nodes[r].parent;
      if (p < 0 || static_cast<std::size_t>(p) >= columns[c - 1].nodes.size()) continue;
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", node_x(c - 1),
                         node_y(static_cast<std::size_t>(p)), node_x(c), node_y(r));
    }
  }
  return out + "</g>";
}

std::string node_svg(const LineageNode& n, double x, double y) {
  const std::string fill = n.best ? color(1) : color(0);
  return fmt::format(
      "<g class=\"node\"><circle cx=\"{0:.1f}\" cy=\"{1:.1f}\" r=\"{2}\" fill=\"{3}\"><title>{4}</title></circle>"
      "<text x=\"{0:.1f}\" y=\"{5:.1f}\" text-anchor=\"middle\" font-size=\"9\">{6}</text>"
      "<text x=\"{0:.1f}\" y=\"{7:.1f}\" text-anchor=\"middle\" font-size=\"9\">{8}</text></g>",
      x, y, n.best ? 8 : 6, fill, html::esc(n.tooltip), y - 11, html::esc(html::clipped(n.label, 14)), y + 18,
      html::esc(compact(n.score)));
}

}  // namespace

std::string lineage_chart(const std::string& title, const std::vector<LineageColumn>& columns) {
  std::size_t rows = 1;
  for (const auto& c : columns) rows = std::max(rows, c.nodes.size());
  detail::Frame f;
  f.width = std::max(760.0, kLeft * 2 + kColumnGap * double(columns.empty() ? 0 : columns.size() - 1));
  f.height = kTop + kRowGap * double(rows) + 24;
  std::string out = "<figure>" + detail::open_svg("lineage", title, f) + edges(columns);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    for (std::size_t r = 0; r < columns[c].nodes.size(); ++r) out += node_svg(columns[c].nodes[r], node_x(c), node_y(r));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#5b6475\">{}</text>", node_x(c),
                       f.height - 8, html::esc(columns[c].label));
  }
  if (columns.empty()) out += "<text x=\"48\" y=\"60\">no beam recorded</text>";
  return out + "</svg>" + detail::legend({"beam node (label: proposal; number: J)", "best prompt"}) + "</figure>\n";
}

}  // namespace maspo::report::svg
