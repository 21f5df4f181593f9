// An agent's prompts: the word diff from its seed prompt to its best one, and every proposal the
// optimizer made for it with its fate (the raw reply of a rejected one, to see why).
#include <map>

#include <fmt/format.h>

#include "report/diff.hpp"
#include "report/run_sections.hpp"

namespace maspo::report {

namespace {

constexpr std::size_t kMaxProposalRows = 300;

std::string status_class(const std::string& status) {
  if (status == "accepted") return "ok";
  return status.rfind("rejected", 0) == 0 ? "err" : "";
}

std::string proposal_detail(const json& p) {
  const std::string prompt = html::text(p, "prompt");
  if (!prompt.empty()) return html::details("prompt", html::pre(prompt, 4000));
  return html::details("optimizer reply", html::pre(html::text(p, "reply"), 4000));
}

}  // namespace

std::string prompt_diff_html(const RunData& run, const std::string& agent) {
  const std::string seed = seed_prompt(run, agent);
  const std::string best = best_prompt(run, agent);
  if (seed.empty() && best.empty()) return html::note("Neither the seed nor a best prompt is recorded.");
  if (seed.empty()) return html::note("The seed prompt is not recorded; the best prompt:") + html::pre(best, 20000);
  if (best.empty() || best == seed) {
    return html::note("Unchanged: no candidate beat the seed prompt (or the search has not finished).") +
           html::pre(seed, 20000);
  }
  return "<p class=\"legend\"><del>removed</del> <ins>added</ins></p>" + diff_html(seed, best);
}

std::string proposals_html(const RunData& run, const std::string& agent) {
  const auto proposals = rows_of(run.proposals, agent);
  if (proposals.empty()) return html::note("No proposal recorded for this agent.");
  std::map<std::string, int> by_status;
  for (const auto& p : proposals) {
    const std::string s = html::text(p, "status");
    ++by_status[s.rfind("rejected", 0) == 0 ? "rejected" : s];
  }
  std::string summary = fmt::format("{} proposals:", proposals.size());
  for (const auto& [status, n] : by_status) summary += fmt::format(" {} {};", n, status);
  html::Table t({"id", "step", "status", "text"});
  for (std::size_t i = 0; i < proposals.size() && i < kMaxProposalRows; ++i) {
    const json& p = proposals[i];
    const std::string status = html::text(p, "status");
    t.row({html::esc(html::text(p, "id")),
           html::esc(position_label(run, p)),
           "<span class=\"" + status_class(status) + "\">" + html::esc(status) + "</span>", proposal_detail(p)});
  }
  std::string out = "<p>" + html::esc(summary) + "</p>" + t.str();
  if (proposals.size() > kMaxProposalRows) {
    out += html::note(fmt::format("First {} of {} shown.", kMaxProposalRows, proposals.size()));
  }
  return out;
}

}  // namespace maspo::report
