// Line chart: categorical x (layers, depths, steps), one polyline per series, a dot with a
// tooltip per value; a missing value breaks the line rather than bridging it with a guess.
#include <tuple>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/svg.hpp"

namespace maspo::report::svg {

namespace {

std::vector<double> x_positions(const detail::Frame& f, std::size_t n) {
  std::vector<double> xs;
  for (std::size_t i = 0; i < n; ++i) {
    xs.push_back(n == 1 ? f.left + f.plot_width() / 2 : f.left + 12 + (f.plot_width() - 24) * double(i) / double(n - 1));
  }
  return xs;
}

std::string value_text(const LineChart& c, double v) {
  return c.percent ? html::percent(v) : html::number(v, 3);
}

std::string series_svg(const LineChart& c, const detail::Frame& f, const std::vector<double>& xs, std::size_t s) {
  const Series& series = c.series[s];
  const std::string col = color(s);
  std::string out = fmt::format("<g class=\"series\" data-series=\"{}\">", s);
  std::string points;
  auto flush = [&] {
    if (!points.empty()) {
      out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>", col, points);
    }
    points.clear();
  };
  for (std::size_t i = 0; i < series.values.size() && i < xs.size(); ++i) {
    if (!series.values[i]) {
      flush();
      continue;
    }
    points += fmt::format("{:.1f},{:.1f} ", xs[i], f.y(*series.values[i]));
  }
  flush();
  for (std::size_t i = 0; i < series.values.size() && i < xs.size(); ++i) {
    if (!series.values[i]) continue;
    const std::string tip = series.name + " @ " + c.x_labels[i] + ": " + value_text(c, *series.values[i]);
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}</title></circle>", xs[i],
                       f.y(*series.values[i]), col, html::esc(tip));
  }
  return out + "</g>";
}

}  // namespace

std::string line_chart(const LineChart& c) {
  detail::Frame f;
  f.percent = c.percent;
  std::vector<double> all;
  std::vector<std::string> names;
  for (const auto& s : c.series) {
    names.push_back(s.name);
    for (const auto& v : s.values) {
      if (v) all.push_back(*v);
    }
  }
  std::tie(f.y_min, f.y_max) = detail::y_range(all, c.y_min, c.y_max);
  const std::vector<double> xs = x_positions(f, c.x_labels.size());
  std::string out = "<figure>" + detail::open_svg(c.kind, c.title, f);
  out += detail::y_axis(f, c.y_label) + detail::x_labels(f, c.x_labels, xs, c.x_label);
  if (all.empty()) {
    out += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"middle\">no data</text>",
                       f.left + f.plot_width() / 2, f.top + f.plot_height() / 2);
  }
  for (std::size_t s = 0; s < c.series.size(); ++s) out += series_svg(c, f, xs, s);
  return out + "</svg>" + detail::legend(names) + "</figure>\n";
}

}  // namespace maspo::report::svg
