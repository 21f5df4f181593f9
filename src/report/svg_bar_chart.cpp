// Grouped bar chart with 95% CI whiskers: groups along x (datasets), one bar per series
// (method) in each group. An absent value (a pending cell) is drawn as an empty slot marked "—".
#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/svg.hpp"

namespace maspo::report::svg {

namespace {

std::string value_text(const BarChart& c, double v) { return c.percent ? html::percent(v) : html::number(v, 3); }

std::string bar_svg(const BarChart& c, const detail::Frame& f, std::size_t s, std::size_t g, double x, double w) {
  const Bar& b = c.bars[s][g];
  const double base = f.y(std::max(f.y_min, 0.0));
  if (!b.value) {
    return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#999\">\xE2\x80\x94</text>",
                       x + w / 2, base - 4);
  }
  const double top = f.y(*b.value);
  std::string tip = c.series[s] + " / " + c.groups[g] + ": " + value_text(c, *b.value);
  if (b.low && b.high) tip += " (95% CI " + value_text(c, *b.low) + "\xE2\x80\x93" + value_text(c, *b.high) + ")";
  std::string out = fmt::format(
      "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}</title></rect>",
      x, std::min(top, base), w, std::max(1.0, std::abs(base - top)), color(s), html::esc(tip));
  if (b.low && b.high) {
    const double cx = x + w / 2, lo = f.y(*b.low), hi = f.y(*b.high);
    out += fmt::format(
        "<g class=\"whisker\" stroke=\"#222\" stroke-width=\"1.2\"><line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" "
        "y2=\"{2:.1f}\"/><line x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{1:.1f}\" y2=\"{1:.1f}\"/><line x1=\"{3:.1f}\" "
        "x2=\"{4:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/></g>",
        cx, lo, hi, cx - w / 4, cx + w / 4);
  }
  return out;
}

}  // namespace

std::string bar_chart(const BarChart& c) {
  detail::Frame f;
  f.percent = c.percent;
  std::vector<double> all;
  for (const auto& series : c.bars) {
    for (const auto& b : series) {
      for (const auto& v : {b.value, b.low, b.high}) {
        if (v) all.push_back(*v);
      }
    }
  }
  std::tie(f.y_min, f.y_max) = detail::y_range(all, c.y_min, c.y_max);
  const std::size_t ng = std::max<std::size_t>(1, c.groups.size());
  const std::size_t ns = std::max<std::size_t>(1, c.series.size());
  const double group_w = f.plot_width() / double(ng);
  const double bar_w = std::min(48.0, group_w * 0.8 / double(ns));
  std::vector<double> centers;
  std::string bars;
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const double center = f.left + group_w * (double(g) + 0.5);
    centers.push_back(center);
    const double start = center - bar_w * double(ns) / 2;
    for (std::size_t s = 0; s < c.series.size() && s < c.bars.size(); ++s) {
      if (g < c.bars[s].size()) bars += bar_svg(c, f, s, g, start + bar_w * double(s), bar_w * 0.9);
    }
  }
  std::string out = "<figure>" + detail::open_svg(c.kind, c.title, f);
  out += detail::y_axis(f, c.y_label) + detail::x_labels(f, c.groups, centers, "") + bars;
  return out + "</svg>" + detail::legend(c.series) + "</figure>\n";
}

}  // namespace maspo::report::svg
