// One section per optimized agent: its rewards, its beam lineage, the diff from its seed prompt to
// its best prompt, and its proposals.
#include <fmt/format.h>

#include "report/run_sections.hpp"

namespace maspo::report {

std::vector<html::Section> agent_sections(const RunData& run) {
  std::vector<html::Section> out;
  for (std::size_t i = 0; i < run.agents.size(); ++i) {
    const std::string& agent = run.agents[i];
    std::string body = "<h3>Reward per layer and round</h3>" + reward_html(run, agent);
    body += "<h3>Beam lineage</h3>" + lineage_html(run, agent);
    body += "<h3>Seed prompt \xE2\x86\x92 best prompt</h3>" + prompt_diff_html(run, agent);
    body += "<h3>Proposals</h3>" + proposals_html(run, agent);
    // The id is ours (an index): agent names come from the user's system file.
    out.push_back({fmt::format("agent-{}", i), "Agent " + agent, "<div class=\"agent\">" + body + "</div>"});
  }
  return out;
}

}  // namespace maspo::report
