// Inline SVG charts for the report, drawn by hand: a line chart, a grouped bar chart with
// confidence whiskers, and a beam lineage graph. Each returns a <figure> holding one
// <svg class="chart" data-chart="KIND"> and an HTML legend; every label and tooltip is escaped.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace maspo::report::svg {

// The i-th colour of the palette (cycles).
std::string color(std::size_t i);

// 1234 -> "1.2k", 0.25 -> "0.25": short tick and point labels.
std::string compact(double value);

struct Series {
  std::string name;
  std::vector<std::optional<double>> values;   // one per x label; nullopt leaves a gap
};

struct LineChart {
  std::string kind;                   // data-chart, ours ("reward", "misalignment", "cost")
  std::string title;
  std::string x_label, y_label;
  std::vector<std::string> x_labels;
  std::vector<Series> series;
  std::optional<double> y_min, y_max;   // default: the data's range (0 included)
  bool percent = false;                 // y values are fractions shown as %
};
std::string line_chart(const LineChart& chart);

struct Bar {
  std::optional<double> value, low, high;   // low/high: a whisker when both are present
};

struct BarChart {
  std::string kind;
  std::string title;
  std::string y_label;
  std::vector<std::string> groups;          // along x
  std::vector<std::string> series;          // one bar per series in each group
  std::vector<std::vector<Bar>> bars;       // [series][group]
  std::optional<double> y_min, y_max;
  bool percent = false;
};
std::string bar_chart(const BarChart& chart);

struct LineageNode {
  std::string label;     // short (a proposal id or "seed")
  std::string tooltip;   // longer text (score, prompt excerpt)
  double score = 0.0;
  int parent = -1;       // index of the parent node in the previous column, -1: none
  bool best = false;     // drawn emphasized
};

struct LineageColumn {
  std::string label;     // "r1 l1", "r2 refresh"
  std::vector<LineageNode> nodes;
};

// The beam after each step as a column of nodes, each linked to the node it came from.
std::string lineage_chart(const std::string& title, const std::vector<LineageColumn>& columns);

namespace detail {

// Shared frame of the x/y charts: the plot area inside the margins and the y scale.
struct Frame {
  double width = 760, height = 300;
  double left = 64, right = 16, top = 28, bottom = 56;
  double y_min = 0, y_max = 1;
  bool percent = false;
  double plot_width() const { return width - left - right; }
  double plot_height() const { return height - top - bottom; }
  double y(double value) const;   // data -> pixel
};

std::string open_svg(const std::string& kind, const std::string& title, const Frame& f);
std::string y_axis(const Frame& f, const std::string& label);
// x labels at the given pixel positions, thinned so that at most ~14 show.
std::string x_labels(const Frame& f, const std::vector<std::string>& labels, const std::vector<double>& xs,
                     const std::string& axis_label);
std::string legend(const std::vector<std::string>& names);
// [lo, hi] widened to include 0 and padded, or the chart's fixed bounds.
std::pair<double, double> y_range(const std::vector<double>& values, std::optional<double> fixed_min,
                                  std::optional<double> fixed_max);

}  // namespace detail

}  // namespace maspo::report::svg
