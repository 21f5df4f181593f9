// What the x/y charts share: palette, number labels, the frame, axes, legend.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/svg.hpp"

namespace maspo::report::svg {

namespace {

// Distinct at a glance, and still apart for the common colour-vision deficiencies.
constexpr const char* kPalette[] = {"#2f6fdf", "#e0662b", "#2a9d5c", "#b8398a", "#8a6d1f",
                                    "#5a4fcf", "#d43d51", "#17889a"};

}  // namespace

std::string color(std::size_t i) { return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))]; }

std::string compact(double value) {
  const double a = std::fabs(value);
  if (a >= 1e9) return fmt::format("{:.1f}G", value / 1e9);
  if (a >= 1e6) return fmt::format("{:.1f}M", value / 1e6);
  if (a >= 1e4) return fmt::format("{:.1f}k", value / 1e3);
  if (a >= 100 || value == std::floor(value)) return fmt::format("{:.0f}", value);
  if (a >= 1) return fmt::format("{:.2f}", value);
  return fmt::format("{:.3f}", value);
}

namespace detail {

double Frame::y(double value) const {
  const double span = y_max - y_min;
  const double t = span > 0 ? (value - y_min) / span : 0.5;
  return top + plot_height() * (1.0 - std::clamp(t, 0.0, 1.0));
}

std::string open_svg(const std::string& kind, const std::string& title, const Frame& f) {
  return fmt::format(
      "<svg class=\"chart\" data-chart=\"{0}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{1:.0f}\" "
      "height=\"{2:.0f}\" viewBox=\"0 0 {1:.0f} {2:.0f}\" role=\"img\"><title>{3}</title>"
      "<text x=\"{4:.0f}\" y=\"16\" font-weight=\"600\">{3}</text>",
      kind, f.width, f.height, html::esc(title), f.left);
}

std::string y_axis(const Frame& f, const std::string& label) {
  std::string out;
  constexpr int kTicks = 4;
  for (int i = 0; i <= kTicks; ++i) {
    const double v = f.y_min + (f.y_max - f.y_min) * i / kTicks;
    const double y = f.y(v);
    const std::string text = f.percent ? fmt::format("{:.0f}%", 100.0 * v) : compact(v);
    out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e6e9ef\"/>", f.left,
                       f.width - f.right, y, y);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", f.left - 6, y + 4, text);
  }
  out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#888\"/>", f.left,
                     f.top, f.top + f.plot_height());
  out += fmt::format(
      "<text transform=\"translate(14 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>", f.top + f.plot_height() / 2,
      html::esc(label));
  return out;
}

std::string x_labels(const Frame& f, const std::vector<std::string>& labels, const std::vector<double>& xs,
                     const std::string& axis_label) {
  const double base = f.top + f.plot_height();
  std::string out = fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#888\"/>",
                                f.left, f.width - f.right, base, base);
  const std::size_t every = std::max<std::size_t>(1, (labels.size() + 13) / 14);
  for (std::size_t i = 0; i < labels.size() && i < xs.size(); i += every) {
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", xs[i], base + 16,
                       html::esc(html::clipped(labels[i], 24)));
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", f.left + f.plot_width() / 2,
                     f.height - 10, html::esc(axis_label));
  return out;
}

std::string legend(const std::vector<std::string>& names) {
  std::string out = "<figcaption class=\"legend\">";
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", color(i), html::esc(names[i]));
  }
  return out + "</figcaption>";
}

std::pair<double, double> y_range(const std::vector<double>& values, std::optional<double> fixed_min,
                                  std::optional<double> fixed_max) {
  double lo = 0.0, hi = 0.0;
  for (double v : values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double pad = (hi - lo) * 0.08;
  lo = lo < 0 ? lo - pad : lo;
  hi = hi > 0 ? hi + pad : hi;
  if (hi - lo < 1e-12) hi = lo + 1.0;
  return {fixed_min.value_or(lo), fixed_max.value_or(hi)};
}

}  // namespace detail

}  // namespace maspo::report::svg
