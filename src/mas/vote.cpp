// The majority vote of a vote agent (MASPO.md §2.2 `aggregate`): no LLM call, the answer that
// most predecessors agree on. Agreement is judged by eval::vote_key (normalized math answer,
// choice letter, comment-stripped code), and the winner is a real output, not the key, so the
// system's final output still goes through the ordinary answer extraction.
#include <algorithm>
#include <map>

#include "maspo/eval.hpp"
#include "mas/internal.hpp"

namespace maspo::mas::detail {

std::size_t vote_winner(const std::vector<std::string>& outputs, TaskType task) {
  std::vector<std::string> keys;
  std::map<std::string, int> counts;
  for (const auto& output : outputs) {
    keys.push_back(eval::vote_key(output, task));
    // An output with no recognizable answer is not a vote for "nothing".
    if (!keys.back().empty()) ++counts[keys.back()];
  }
  if (counts.empty()) return 0;
  int best = 0;
  for (const auto& [key, n] : counts) best = std::max(best, n);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].empty() && counts[keys[i]] == best) return i;   // ties: first occurrence wins
  }
  return 0;
}

}  // namespace maspo::mas::detail
