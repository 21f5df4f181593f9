// The joint reward (MASPO.md §3.1, Eq. 5) and misalignment detection (§4, Eq. 6).
//
// Per question (compat = paper):
//   R = α·local + β·mean(lookahead) + θ·global, with the weights renormalized over the terms that
//   are present. A question whose successors produced nothing comparable has no lookahead term, so
//   it scores (α·local + θ·global)/(α+θ) — the paper's 4:4:2 becomes 2:1 between local and global,
//   rather than silently counting the missing term as a loss (or a win). A target that is the sink
//   has only its role-aware terminal comparison: R = terminal. The local-only ablation
//   (joint = false, Table 2 "w/o Joint Evaluate") uses local alone (the sink, having no local
//   comparison, still uses its terminal one).
// The batch reward is the mean of the question rewards (an empty batch: 0).
//
// compat = reference reproduces how the reference code pooled a batch instead (§3.2): win rates
// per component over the batch, the lookahead rate pooled over every lookahead comparison made;
// weights α:β:θ when at least one lookahead comparison exists, otherwise the fixed 0.7·local +
// 0.3·global of its non-MASPO scoring. A single question is a batch of one.
#include <numeric>
#include <optional>
#include <vector>

#include "maspo/opt.hpp"

namespace maspo::opt {

namespace {

double mean(const std::vector<double>& xs) {
  return xs.empty() ? 0.0 : std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

// Weighted mean over the present terms. If every present term has weight 0 (say weights 0:1:0 and
// no successor output to compare), the present terms count equally: a score must still come out,
// and no weight says otherwise.
double weighted(const std::vector<std::pair<double, double>>& terms) {  // (weight, value)
  double wsum = 0.0;
  double sum = 0.0;
  for (const auto& [w, v] : terms) {
    wsum += w;
    sum += w * v;
  }
  if (wsum > 0.0) return sum / wsum;
  if (terms.empty()) return 0.0;
  double plain = 0.0;
  for (const auto& t : terms) plain += t.second;
  return plain / static_cast<double>(terms.size());
}

double reference_batch(const std::vector<QuestionOutcome>& qs, const Settings& s) {
  std::vector<double> local, lookahead, global, terminal;
  for (const auto& q : qs) {
    if (q.terminal) terminal.push_back(*q.terminal);
    if (q.local) local.push_back(*q.local);
    lookahead.insert(lookahead.end(), q.lookahead.begin(), q.lookahead.end());
    if (q.global) global.push_back(*q.global);
  }
  if (!terminal.empty() && local.empty()) return mean(terminal);
  if (!s.joint) return mean(local);
  std::vector<std::pair<double, double>> terms;
  if (!lookahead.empty()) {
    if (!local.empty()) terms.emplace_back(s.weights.local, mean(local));
    terms.emplace_back(s.weights.lookahead, mean(lookahead));
    if (!global.empty()) terms.emplace_back(s.weights.global, mean(global));
  } else {
    if (!local.empty()) terms.emplace_back(0.7, mean(local));
    if (!global.empty()) terms.emplace_back(0.3, mean(global));
  }
  return weighted(terms);
}

}  // namespace

double question_reward(const QuestionOutcome& q, const Settings& s) {
  if (s.compat == Compat::reference) return reference_batch({q}, s);
  if (q.terminal) return *q.terminal;
  if (!s.joint) {
    if (q.local) return *q.local;
    // No local comparison (not the sink, yet nothing to compare): fall through to what there is.
  }
  std::vector<std::pair<double, double>> terms;
  if (q.local) terms.emplace_back(s.weights.local, *q.local);
  if (!q.lookahead.empty()) terms.emplace_back(s.weights.lookahead, mean(q.lookahead));
  if (q.global) terms.emplace_back(s.weights.global, *q.global);
  return weighted(terms);
}

double batch_reward(const std::vector<QuestionOutcome>& qs, const Settings& s) {
  if (qs.empty()) return 0.0;
  if (s.compat == Compat::reference) return reference_batch(qs, s);
  double sum = 0.0;
  for (const auto& q : qs) sum += question_reward(q, s);
  return sum / static_cast<double>(qs.size());
}

// Eq. 6: I(local) = 1 and (I(lookahead) = 0 or I(global) = 0).
//   local won     the local score is 1: an outright win (in `both` order, both calls won). A tie
//                 is not a win.
//   lookahead lost  the mean over the compared successors is below 0.5: with one successor that
//                 is exactly "that successor's comparison was lost"; with several it is "lost more
//                 than won", so one successor among several cannot flag a question on its own
//                 (the reference code kept only the last successor's result instead).
//   global lost   the final comparison scored below 0.5.
// A missing term is not a loss (no successor output, no final comparison), as in the reference;
// the sink has no local comparison and is never misaligned.
std::optional<int> misalignment_priority(const QuestionOutcome& q) {
  if (!q.local || *q.local < 1.0) return std::nullopt;
  bool lookahead_lost = !q.lookahead.empty() && mean(q.lookahead) < 0.5;
  bool global_lost = q.global && *q.global < 0.5;
  if (lookahead_lost && global_lost) return 0;
  if (lookahead_lost) return 1;
  if (global_lost) return 2;
  return std::nullopt;
}

bool is_misaligned(const QuestionOutcome& q) { return misalignment_priority(q).has_value(); }

}  // namespace maspo::opt
