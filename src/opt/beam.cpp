// Beam selection and the order agents are optimized in.
//
// top_k_unique is the paper's Top-K(B ∪ children) with one fix over the reference code: a prompt
// is kept once. The reference could fill its beam with two copies of one prompt, which then spent
// two expansions per layer on the same parent. Ties keep their input order (stable sort), so the
// caller decides who wins a tie by the order it passes nodes in (e.g. incumbents first). A NaN
// score sorts last.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "maspo/opt.hpp"

namespace maspo::opt {

std::vector<BeamNode> top_k_unique(std::vector<BeamNode> nodes, int k) {
  if (k <= 0) return {};
  auto key = [](const BeamNode& n) {
    return std::isnan(n.score) ? -std::numeric_limits<double>::infinity() : n.score;
  };
  std::stable_sort(nodes.begin(), nodes.end(), [&](const BeamNode& a, const BeamNode& b) {
    double ka = key(a);
    double kb = key(b);
    // -inf and NaN share the lowest key; among them keep input order.
    return ka > kb || (ka == kb && !std::isnan(a.score) && std::isnan(b.score));
  });
  std::vector<BeamNode> out;
  // The views point into `out`'s strings; the reserve guarantees `out` never reallocates.
  out.reserve(std::min(nodes.size(), static_cast<std::size_t>(k)));
  std::set<std::string_view> seen;
  for (auto& n : nodes) {
    if (out.size() == static_cast<std::size_t>(k)) break;
    if (seen.count(n.prompt) > 0) continue;
    out.push_back(std::move(n));
    seen.insert(out.back().prompt);
  }
  return out;
}

// Topological order (System::agents() is already in it), so upstream agents settle first and
// each later agent is optimized against its predecessors' current best prompts. Vote agents have
// no prompt to optimize.
std::vector<std::string> optimizable_agents(const mas::System& system) {
  std::vector<std::string> ids;
  for (const auto& a : system.agents()) {
    if (a.kind != mas::AgentKind::vote) ids.push_back(a.id);
  }
  return ids;
}

}  // namespace maspo::opt
