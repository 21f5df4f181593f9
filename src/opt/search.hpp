// Internals of the MASPO search loop (src/opt/maspo.cpp): the seeded RNG helpers, batch drawing,
// and candidate evaluation (partial re-execution + pairwise judging -> per-question outcomes).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "maspo/mas.hpp"
#include "maspo/opt.hpp"
#include "maspo/store.hpp"

namespace maspo::opt::detail {

// Thrown inside a step when a call hit a budget: the step is rolled back, the run stops cleanly.
struct BudgetStop {
  std::string message;
};

// Thrown inside a step when the model service failed (llm::Error::transient() still true after
// every retry: the server is down, overloaded or unreachable). Deciding on such a step would
// record failures as judgements, so it is rolled back and the run stops; `resume` redoes it.
struct ServiceStop {
  std::string message;
};

// Rethrows a failed call's error as the stop it calls for: BudgetStop, ServiceStop, or returns
// when the failure is the request's own (a bad reply, a prompt too long), which the caller
// records as that item's failure.
void stop_if_run_wide(const std::exception_ptr& error);

// ---- RNG: std::mt19937_64 is specified bit-for-bit by the standard; the distributions are not,
// so every draw goes through these helpers to stay reproducible across standard libraries.
std::string save_rng(const std::mt19937_64& rng);
void load_rng(std::mt19937_64& rng, const std::string& state);
std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n);   // in [0, n), unbiased
// `k` distinct values of [0, n) in draw order (partial Fisher–Yates).
std::vector<std::size_t> choose(std::mt19937_64& rng, std::size_t n, std::size_t k);

struct Batch {
  std::vector<std::size_t> items;   // pool indices
  std::vector<bool> injected;       // item came from a buffer
};
// Up to `max_injected` of `inject` (a random subset when there are more), then random pool items
// not already chosen, to `size` items in all (fewer when the pool is smaller).
Batch draw_batch(std::mt19937_64& rng, std::size_t pool_size, int size, std::vector<std::size_t> inject,
                 int max_injected);

// One candidate prompt for the target agent, evaluated against its parent's reference traces.
struct Candidate {
  std::string id;                                    // proposal id ("" for refresh nodes)
  std::string prompt;
  std::vector<std::shared_ptr<const mas::Trace>> references;   // one per batch question
};

struct CandidateScore {
  std::vector<QuestionOutcome> outcomes;   // one per question that could be compared
  double reward = 0.0;                     // batch_reward(outcomes)
  double local = 0.0, lookahead = 0.0, global = 0.0;   // component win rates (0 when absent)
  std::vector<MisalignmentCase> cases;     // misaligned (or, success sampling, successful) questions
  int misaligned = 0;                      // misaligned questions
  int considered = 0;                      // questions compared (the rate's denominator)
  int considered_random = 0;               // ... of them not injected (reference-code denominator)
  int misaligned_random = 0;
};

struct EvalEnv {
  llm::Client& client;
  mas::Executor& executor;
  Judge& judge;
  store::RunStore& store;
  const Settings& settings;
  std::mt19937_64& rng;
  int round = 0;
  int layer = 0;
  std::string context;   // "layer" | "refresh"
  // Judge position statistics, accumulated over the step.
  int candidate_a_wins = 0, candidate_b_wins = 0, candidate_a_shown = 0, candidate_b_shown = 0;
};

// Questions a search keeps in flight: enough to fill every request slot of the agents role
// (max_concurrency per endpoint, or the embedded model's parallel sequences), and at least the
// executor's default 16. Fewer would leave slots idle on every layer: with 64 slots and 40
// candidate runs, a cap of 16 costs two extra round trips per hop.
mas::ExecutorOptions search_executor_options(const llm::Client& client);

// Runs `prompts` over the questions (full runs). Throws BudgetStop or ServiceStop.
std::vector<std::shared_ptr<const mas::Trace>> run_references(
    mas::Executor& executor, const mas::PromptMap& prompts, const std::vector<const data::Example*>& questions);
// Re-runs `agent` and its descendants with `prompt` over `references`. Throws BudgetStop or ServiceStop.
std::vector<std::shared_ptr<const mas::Trace>> rerun_with(
    mas::Executor& executor, const mas::PromptMap& base, const std::string& agent, const std::string& prompt,
    const std::vector<std::shared_ptr<const mas::Trace>>& references);
// rerun_with for several prompts at once, all their jobs in flight together (one round trip per
// hop for the whole beam, not one per parent); out[i] belongs to prompts[i].
std::vector<std::vector<std::shared_ptr<const mas::Trace>>> rerun_each(
    mas::Executor& executor, const mas::PromptMap& base, const std::string& agent, const std::vector<std::string>& prompts,
    const std::vector<std::shared_ptr<const mas::Trace>>& references);

// The base run over the questions and, for each of `parents` (prompts for `agent`), the same
// questions re-run from `agent` (rerun_each). When `agent` reaches every agent of the system there
// is nothing for a re-run to copy, and all of them go out at once as full runs. Throws BudgetStop
// or ServiceStop.
struct BaseAndParents {
  std::vector<std::shared_ptr<const mas::Trace>> base;
  std::vector<std::vector<std::shared_ptr<const mas::Trace>>> parents;   // parents[i]: parents[i]'s traces
};
BaseAndParents run_base_and_parents(mas::Executor& executor, const mas::PromptMap& base, const std::string& agent,
                                    const std::vector<std::string>& parents,
                                    const std::vector<const data::Example*>& questions);

// Evaluates every candidate on the same questions: partial re-execution from `agent`, then the
// judge (local, lookahead, global or terminal per settings), all calls concurrent. Records every
// judgement in the store. `weights_override` replaces the settings' weights (reference-compat refresh).
std::vector<CandidateScore> evaluate_candidates(EvalEnv& env, const std::string& agent,
                                                const mas::PromptMap& base,
                                                const std::vector<const data::Example*>& questions,
                                                const std::vector<bool>& injected,
                                                const std::vector<Candidate>& candidates,
                                                const Settings& scoring);

}  // namespace maspo::opt::detail
