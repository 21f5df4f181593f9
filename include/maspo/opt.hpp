// maspo/opt.hpp — the MASPO optimizer (MASPO.md §3–§7) and its pieces.
//
//   Judge         pairwise LLM judge: intermediate (local validity, lookahead), final (global
//                 alignment) and role-aware terminal comparisons; position order fixed | random |
//                 both; an unparsable verdict is a loss unless configured otherwise.
//   reward        R = α·local + β·lookahead + θ·global per question, averaged over the batch.
//   Proposer      trace-guided proposals from the `optimizer` role, answered with <prompt>, then
//                 sanitized (§5).
//   Maspo         beam search per agent, agents in topological order for D rounds of T layers,
//                 misalignment buffer and injection, Beam Refresh, checkpoint after every layer.
//
// Everything is deterministic given (settings, seed, model replies): batches and choices come
// from one seeded RNG whose state is checkpointed; concurrent calls are collected by index.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/data.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"

namespace maspo::store {
class RunStore;
}

namespace maspo::opt {

using json = nlohmann::json;

// ---- settings (every constant of the method; paper defaults) ---------------------------------
enum class JudgeOrder { fixed, random, both };
enum class Sampling { misalignment, random, success };  // how batches are drawn (Table 2 ablations)
enum class Compat { paper, reference };                 // reference: the code's quirks (§13)

struct Weights {
  double local = 0.4;      // α
  double lookahead = 0.4;  // β
  double global = 0.2;     // θ
};

struct Settings {
  int beam_width = 2;            // K
  int children_per_parent = 2;   // K_sub
  int batch_size = 10;           // |B|
  int pool_size = 50;            // |D|
  int layers_per_visit = 3;      // T
  int rounds = 3;                // D
  Weights weights;
  int lookahead_depth = 1;       // successors up to this many hops (1, 2, 3)
  bool joint = true;             // false: local-only evaluation ablation (weights 1/0/0)
  int k_mis = 3;                 // misalignment cases kept per agent
  int max_injected = 5;          // injected questions per batch, at most
  Sampling sampling = Sampling::misalignment;
  bool refresh = true;           // Beam Refresh at every later visit
  JudgeOrder judge_order = JudgeOrder::fixed;
  bool unparsable_is_loss = true;  // false: an unparsable verdict is a tie
  Compat compat = Compat::paper;
  // Eq. 7 accumulates J(child) = J(parent) + s(child). Read literally with the raw reward
  // s = R in [0, 1], every child outranks its parent, even one the judge prefers less than the
  // parent, and the beam drifts to depth. maspo centers the reward (s = R - 0.5), as the paper's own
  // refresh (Eq. 8) and the reference code do; false gives the literal reading (docs/method.md).
  bool centered_scores = true;
  double optimizer_temperature = 0.7;
  int optimizer_max_tokens = 16384;
  int judge_max_tokens = 1024;           // intermediate / final verdicts ("A" or "B")
  int terminal_judge_max_tokens = 16384; // role-aware comparison with analysis
  int traces_per_proposal = 5;           // batch split in halves of 5 (§5)
  std::uint64_t seed = 0;
};
json to_json(const Settings& s);
Settings settings_from_json(const json& j);   // throws std::invalid_argument naming the key

// Enum names as they appear in settings JSON ("fixed", "misalignment", "paper", ...); parse_*
// return nullopt for an unknown name.
std::string_view to_string(JudgeOrder o);
std::string_view to_string(Sampling s);
std::string_view to_string(Compat c);
std::optional<JudgeOrder> parse_judge_order(std::string_view text);
std::optional<Sampling> parse_sampling(std::string_view text);
std::optional<Compat> parse_compat(std::string_view text);

// ---- judge ----------------------------------------------------------------------------------
enum class Comparison { intermediate, final, terminal };
std::string_view to_string(Comparison c);

// 'A', 'B', or nullopt when the reply names neither: the <choose> tag if present, else the last
// letter of the upper-cased reply that is an A or a B standing alone.
std::optional<char> parse_verdict(std::string_view reply);

struct Verdict {
  double score = 0.0;          // candidate: 1 win, 0 loss, 0.5 tie (both orders disagreeing)
  bool parsed = true;          // false: at least one reply had no verdict
  int candidate_first_wins = 0;  // position statistics: wins of the output shown as A...
  int candidate_second_wins = 0; // ...and shown as B
  std::vector<std::string> replies;
  std::vector<bool> candidate_was_a;
};

struct JudgeInput {
  Comparison kind = Comparison::intermediate;
  std::string problem;
  std::string candidate;       // candidate's output
  std::string reference;       // reference's output
  std::string agent_type;      // terminal comparisons: role-aware
  std::string agent_role;
};

// The judge's messages for one comparison with `first` shown as A and `second` as B.
llm::Request judge_request(const JudgeInput& in, data::TaskType task, std::string_view first,
                           std::string_view second, const Settings& s);

class Judge {
 public:
  Judge(llm::Client& client, data::TaskType task, const Settings& settings);
  // Non-blocking; `done` once. `order_draw` (from the optimizer's RNG) decides A/B in random mode.
  void compare(const JudgeInput& in, std::uint64_t order_draw, std::function<void(Verdict, std::exception_ptr)> done);

 private:
  llm::Client& client_;
  data::TaskType task_;
  Settings settings_;
};

// ---- reward ---------------------------------------------------------------------------------
// The per-question outcome of one candidate-vs-reference evaluation.
struct QuestionOutcome {
  std::optional<double> local;       // target's own output (absent for the terminal agent)
  std::vector<double> lookahead;     // one per successor compared (within lookahead_depth)
  std::optional<double> global;      // final output
  std::optional<double> terminal;    // role-aware, target is the sink
  bool injected = false;             // question came from the misalignment buffer
};
// α·local + β·mean(lookahead) + θ·global; the weights renormalized over the terms present (no
// lookahead comparisons → α,θ renormalized); terminal → its score. Local-only → local.
double question_reward(const QuestionOutcome& q, const Settings& s);
double batch_reward(const std::vector<QuestionOutcome>& qs, const Settings& s);
// Eq. 6: local win and (lookahead lost or global lost).
bool is_misaligned(const QuestionOutcome& q);
// The buffer priority of a misaligned question (MisalignmentCase::priority: 0 both lost,
// 1 lookahead only, 2 global only); nullopt when is_misaligned(q) is false.
std::optional<int> misalignment_priority(const QuestionOutcome& q);

// ---- proposals ------------------------------------------------------------------------------
struct ProposalTrace {
  std::string problem;
  std::string context;   // upstream summaries, "" for a root
  std::string output;    // agent's raw output
};
llm::Request proposal_request(const mas::Agent& agent, data::TaskType task, std::string_view parent_prompt,
                              const std::vector<ProposalTrace>& traces, const Settings& s);

struct Sanitized {
  std::optional<std::string> prompt;   // nullopt: rejected (keep the parent)
  std::string reason;                  // why rejected / what was fixed
};
// §5: content of the last <prompt>…</prompt>; runs of braces collapsed; placeholders other than
// {question}/{context} rejected; other braces escaped; "Question: {question}" appended when missing
// (rejected when twice); "Context: {context}" likewise when the parent had {context}.
Sanitized sanitize_proposal(std::string_view optimizer_reply, std::string_view parent_prompt);

// ---- search state (plain values; what a checkpoint holds) ------------------------------------
struct BeamNode {
  std::string prompt;
  double score = 0.0;             // J
  std::vector<std::string> path;  // proposal ids from the seed
  friend bool operator==(const BeamNode&, const BeamNode&) = default;
};

struct MisalignmentCase {
  std::string question;
  std::string context;
  std::string output;
  int priority = 0;   // 0 both lost, 1 lookahead only, 2 global only
  friend bool operator==(const MisalignmentCase&, const MisalignmentCase&) = default;
};

struct AgentState {
  std::vector<BeamNode> beam;
  std::string best_prompt;
  double best_score = 0.0;
  std::vector<MisalignmentCase> buffer;   // ≤ k_mis
  int visits = 0;
  friend bool operator==(const AgentState&, const AgentState&) = default;
};

struct SearchState {
  int round = 0;          // next (round, agent_index, layer) to run
  int agent_index = 0;    // index into the optimizable agents in topological order
  int layer = 0;
  bool refreshed = false; // this visit's refresh is done
  bool done = false;
  mas::PromptMap prompts;                  // global prompt map (current bests)
  std::map<std::string, AgentState> agents;
  std::string rng_state;                   // std::mt19937_64 serialized
  std::int64_t step = 0;                   // checkpoints written
  friend bool operator==(const SearchState&, const SearchState&) = default;
};
json to_json(const SearchState& s);
SearchState search_state_from_json(const json& j);

// Top-K of `nodes` by score (desc), stable, no duplicate prompts (first kept).
std::vector<BeamNode> top_k_unique(std::vector<BeamNode> nodes, int k);

// The order agents are visited in: topological, vote agents skipped.
std::vector<std::string> optimizable_agents(const mas::System& system);

// ---- pre-flight estimate ---------------------------------------------------------------------
// Upper bound on the calls a run makes per role (no cache hits, every proposal distinct), with
// tokens from stated per-call averages. The cache and rejected proposals only lower it.
struct Estimate {
  std::map<std::string, std::int64_t> calls;    // role -> calls
  std::map<std::string, std::int64_t> prompt_tokens;
  std::map<std::string, std::int64_t> completion_tokens;
  std::int64_t steps = 0;                        // layers + refreshes
  std::string assumptions;                       // how tokens were guessed
};
Estimate estimate(const mas::System& system, const Settings& settings, int final_eval_items = 0);

// ---- the optimizer --------------------------------------------------------------------------
struct ProgressEvent {
  int round = 0, rounds = 0;
  std::string agent;
  int layer = 0, layers = 0;
  double best_reward = 0.0;
  double misalignment_rate = 0.0;
  std::int64_t steps_done = 0, steps_total = 0;
};

struct Result {
  mas::PromptMap prompts;     // best prompt map
  SearchState state;
  bool stopped_by_budget = false;
  // Non-empty: the model service failed (down, unreachable, overloaded past every retry); the
  // step in progress was rolled back, the state is the last committed one; resume continues.
  std::string stopped_by_failure;
};

class Maspo {
 public:
  // `pool`: the optimization questions. The store receives every proposal, judgement, score,
  // beam and checkpoint.
  Maspo(llm::Client& client, std::shared_ptr<const mas::System> system, std::vector<data::Example> pool,
        Settings settings, store::RunStore& store);
  ~Maspo();

  // Runs from `start` (a fresh state from initial_state(), or a loaded checkpoint) to the end,
  // checkpointing after every layer. Stops cleanly (state checkpointed) on llm::BudgetExceeded
  // and when the model service fails (Result::stopped_by_failure).
  Result run(SearchState start, std::function<void(const ProgressEvent&)> on_progress = {});

  SearchState initial_state(const mas::PromptMap& seed_prompts) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maspo::opt
