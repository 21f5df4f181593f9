// The sections of a bench report (bench_tables.cpp, bench_cells.cpp), composed by bench_report.cpp.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "report/html.hpp"

namespace maspo::report {

using json = nlohmann::json;

// The strings (or numbers, as text) of the array `key` of `j`.
std::vector<std::string> strings_of(const json& j, std::string_view key);

html::Section bench_results_section(const json& results);   // table + one bar chart per system
html::Section bench_cost_section(const json& results);
html::Section bench_cells_section(const json& results, const std::filesystem::path& bench_dir);

}  // namespace maspo::report
