// Every cell of a bench (method x system x dataset x seed): status, numbers, cost, the error of a
// failed one, and a link to its run directory (its report.html when one was written).
#include <fmt/format.h>

#include "report/bench_sections.hpp"

namespace maspo::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTableId = "cells-table";

std::optional<std::int64_t> calls_of(const json& phase) {
  const json& calls = html::field(phase, "calls");
  if (!calls.is_object()) return std::nullopt;
  std::int64_t n = 0;
  for (const auto& [_, v] : calls.items()) n += v.is_number_integer() ? v.get<std::int64_t>() : 0;
  return n;
}

std::string phase_cost(const json& phase) {
  if (!phase.is_object()) return html::esc("\xE2\x80\x94");
  return html::esc(fmt::format("{} calls, {} tokens, {}, {} s", html::integer(calls_of(phase)),
                               html::integer(html::count(phase, "tokens")), html::dollars(html::num(phase, "dollars")),
                               html::number(html::num(phase, "wall_s"), 1)));
}

// A link to the cell's report, or to its directory; plain text when neither exists or the path is
// not a plain relative one (results.json is a file anyone may have edited).
std::string dir_link(const std::string& dir, const fs::path& bench_dir) {
  if (dir.empty()) return "";
  const std::string href = html::safe_relative_href(dir);
  std::error_code ec;
  if (href.empty() || !fs::is_directory(bench_dir / dir, ec)) return html::esc(dir);
  if (fs::exists(bench_dir / dir / "report.html", ec)) {
    return fmt::format("<a href=\"{}/report.html\">{}</a>", html::esc(href), html::esc(dir));
  }
  return fmt::format("<a href=\"{}/\">{}</a><br><small>no report yet (`maspo report` on this directory)</small>",
                     html::esc(href), html::esc(dir));
}

std::string status_html(const std::string& status) {
  const char* css = status == "done" ? "ok" : status == "failed" ? "err" : "note";
  return fmt::format("<span class=\"{}\">{}</span>", css, html::esc(status.empty() ? "unknown" : status));
}

}  // namespace

html::Section bench_cells_section(const json& r, const fs::path& bench_dir) {
  const json& cells = html::field(r, "cells");
  if (!cells.is_array() || cells.empty()) return {"cells", "Cells", html::note("No cell recorded.")};
  html::Table t({"method", "system", "dataset", "seed", "status", "accuracy", "95% CI", "correct / total", "errors",
                 "optimization", "evaluation", "error", "run"},
                kTableId);
  for (const auto& c : cells) {
    const json& opt = html::field(c, "optimization");
    std::string optimization = phase_cost(opt);
    if (html::flag(opt, "stopped_by_budget")) optimization += "<br><small>stopped by budget</small>";
    const std::string error = html::text(c, "error");
    t.row({html::esc(html::text(c, "method")), html::esc(html::text(c, "system")), html::esc(html::text(c, "dataset")),
           html::integer(html::count(c, "seed")), status_html(html::text(c, "status")),
           html::percent(html::num(c, "accuracy")), html::interval(html::field(c, "ci95")),
           html::integer(html::count(c, "correct")) + " / " + html::integer(html::count(c, "total")),
           html::integer(html::count(c, "errors")), optimization, phase_cost(html::field(c, "evaluation")),
           html::esc(html::truncated(error, 2000)), dir_link(html::text(c, "dir"), bench_dir)},
          error.empty() ? "" : "bad");
  }
  return {"cells", "Cells", html::filter_box(kTableId) + t.str()};
}

}  // namespace maspo::report
