// The sections of a run report, one function per section (each in its own file), composed by
// run_report.cpp. Each renders whatever part of the run exists and says what does not.
#pragma once

#include <vector>

#include "report/html.hpp"
#include "report/run_data.hpp"

namespace maspo::report {

html::Section overview_section(const RunData& run);        // run_overview.cpp
html::Section final_eval_section(const RunData& run);      // run_overview.cpp
std::vector<html::Section> agent_sections(const RunData& run);   // run_agent.cpp
html::Section misalignment_section(const RunData& run);    // run_metrics.cpp
html::Section refresh_section(const RunData& run);         // run_metrics.cpp
html::Section judge_section(const RunData& run);           // run_judge.cpp
html::Section cost_section(const RunData& run);            // run_cost.cpp
html::Section items_section(const RunData& run);           // run_items.cpp

// Pieces of an agent's section (run_agent_search.cpp).
std::string reward_html(const RunData& run, const std::string& agent);
std::string lineage_html(const RunData& run, const std::string& agent);
std::string prompt_diff_html(const RunData& run, const std::string& agent);
std::string proposals_html(const RunData& run, const std::string& agent);

// "r2 l3" for a layer, "r2 refresh" for a refresh (layer < 0), from 0-based round and layer.
std::string step_label(std::int64_t round, std::int64_t layer);

}  // namespace maspo::report
