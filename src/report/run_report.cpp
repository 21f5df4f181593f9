// A run report: every section of run_sections.hpp, in reading order.
#include <fmt/format.h>

#include "maspo/report.hpp"
#include "report/run_sections.hpp"

namespace maspo::report {

std::string render_run(const std::filesystem::path& run_dir) {
  const RunData run = load_run(run_dir);
  std::vector<html::Section> sections{overview_section(run), final_eval_section(run)};
  for (auto& s : agent_sections(run)) sections.push_back(std::move(s));
  for (auto* section : {&misalignment_section, &refresh_section, &judge_section, &cost_section, &items_section}) {
    sections.push_back(section(run));
  }
  const std::string name = run_dir.filename().empty() ? run_dir.parent_path().filename().string()
                                                      : run_dir.filename().string();
  const std::string subtitle = fmt::format("{} run \xC2\xB7 {} \xC2\xB7 {}", run.method,
                                           run.status.empty() ? "status unknown" : run.status,
                                           html::text(run.config, "system"));
  return html::page("maspo report: " + name, html::esc(subtitle), sections);
}

}  // namespace maspo::report
