// A bench report, from BENCH_DIR/results.json (written by `maspo bench`): what was compared, the
// results table (accuracy per dataset, average, difference to MASPO with its p-value, cost), a
// bar chart of accuracy with 95% CI whiskers per system, the cost table, and every cell. A pending
// or failed cell has null fields: they print as "—".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "maspo/report.hpp"
#include "maspo/util.hpp"
#include "report/bench_sections.hpp"

namespace maspo::report {

namespace fs = std::filesystem;

std::vector<std::string> strings_of(const json& j, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& v : html::field(j, key)) {
    if (v.is_string()) out.push_back(v.get<std::string>());
    else if (v.is_number()) out.push_back(v.dump());
  }
  return out;
}

namespace {

html::Section bench_overview(const json& r, const fs::path& dir) {
  html::Table t({"", ""}, "", "kv");
  t.row({"directory", html::esc(dir.string())});
  t.row({"bench", html::esc(html::text(r, "bench"))});
  t.row({"file", html::esc(html::text(r, "file"))});
  for (const char* key : {"methods", "systems", "datasets", "seeds"}) {
    t.row({key, html::esc(fmt::format("{}", fmt::join(strings_of(r, key), ", ")))});
  }
  std::map<std::string, int> by_status;
  for (const auto& c : html::field(r, "cells")) ++by_status[html::text(c, "status")];
  std::string cells;
  for (const auto& [status, n] : by_status) cells += fmt::format("{}{} {}", cells.empty() ? "" : ", ", n, status);
  t.row({"cells", html::esc(cells.empty() ? "none" : cells)});
  return {"overview", "Overview", t.str()};
}

}  // namespace

std::string render_bench(const fs::path& bench_dir) {
  const fs::path file = bench_dir / "results.json";
  const json r = json::parse(maspo::read_file(file), nullptr, false);
  if (!r.is_object()) throw InputError(file.string() + ": expected a JSON object (the results `maspo bench` writes)");
  const std::vector<html::Section> sections{bench_overview(r, bench_dir), bench_results_section(r),
                                            bench_cost_section(r), bench_cells_section(r, bench_dir)};
  const std::string name = html::text(r, "bench");
  return html::page("maspo bench report: " + (name.empty() ? bench_dir.filename().string() : name),
                    html::esc(html::text(r, "file")), sections);
}

}  // namespace maspo::report
