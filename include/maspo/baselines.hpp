// maspo/baselines.hpp — the methods MASPO is compared with (paper Table 1), run on the same
// runtime, judge, cache, run store and budgets as MASPO itself.
//
// Inference-time methods change how the system answers, not its prompts:
//   seed              the prompts as written
//   cot               every LLM agent's template also asks for step-by-step reasoning
//   self_consistency  k copies of the system sampled at a temperature > 0, then a majority vote
//   self_refine       the system's answer goes through feedback -> refinement (Madaan et al. 2023)
//
// Prompt optimizers return a prompt map, evaluated like MASPO's:
//   isolated  each agent optimized alone on its own output (local judgement only, random batches,
//             one visit, no refresh): the local-global misalignment MASPO exists to fix
//   spo       Self-Supervised Prompt Optimization (Xiang et al. 2025): propose one prompt from the
//             best one's outputs, execute both on a few questions, the pairwise judge picks; the
//             candidate replaces the best only on a judged win. Agents in turn, topological order.
//   tpe       MIPRO/MASS-style: propose N instruction candidates per agent, then search the joint
//             assignment with a Tree-structured Parzen Estimator on minibatch accuracy
//   opro      OPRO (Yang et al. 2024), per agent: the optimizer sees earlier prompts with their
//             minibatch accuracy (ascending) and writes a better one
//   protegi   ProTeGi textual gradients (Pryzant et al. 2023), per agent: the optimizer names why
//             the prompt failed on wrong answers ("gradient"), then edits the prompt against those
//             reasons; a beam of the best-scoring edits is kept
// tpe, opro and protegi score prompts by accuracy on pool questions (they need the pool's labels,
// as their papers do); isolated and spo use the pairwise judge, as MASPO does, without labels.
//
// Budgets: every call goes through the one llm::Client, so its per-role budgets cap every method
// alike; a method that reaches one stops and returns the best prompts it had (stopped_by_budget).
//
// Resume: isolated resumes from MASPO's checkpoints; the others checkpoint their own state (a JSON
// object: best prompts, RNG, minibatch, history / beam / sampler) after every step and continue
// from the last one. A model service that fails past every retry stops them like a budget does,
// with the step rolled back (stopped_by_failure).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"
#include "maspo/opt.hpp"

namespace maspo::store {
class RunStore;
}

namespace maspo::opt {

enum class Method { maspo, seed, cot, self_consistency, self_refine, isolated, spo, tpe, opro, protegi };

std::string_view to_string(Method m);
std::optional<Method> parse_method(std::string_view name);   // nullopt for an unknown name
std::vector<Method> all_methods();                             // in the order above
bool optimizes_prompts(Method m);                              // false for the inference-time methods

// The baselines' own constants. Defaults follow each method's paper where it gives one.
struct BaselineOptions {
  int sc_samples = 5;              // self_consistency: k samples
  double sc_temperature = 0.7;     // self_consistency: sampling temperature
  int refine_iterations = 1;       // self_refine: feedback -> refine rounds
  int iterations = 9;              // spo / opro / protegi: steps per agent (SPO: 9 rounds)
  int minibatch = 5;               // questions a candidate is scored on (SPO: 3)
  int spo_samples = 3;             // spo: questions per comparison
  int tpe_candidates = 5;          // tpe: instructions per agent, the seed one included
  int tpe_trials = 20;             // tpe: joint assignments evaluated
  int tpe_startup = 5;             // tpe: random trials before the estimator takes over
  double tpe_gamma = 0.25;         // tpe: fraction of trials that count as "good"
  int opro_history = 8;            // opro: earlier prompts shown to the optimizer
  int opro_proposals = 2;          // opro: new prompts per step
  int protegi_beam = 2;            // protegi: prompts kept per step
  int protegi_edits = 2;           // protegi: edits per kept prompt per step
  int protegi_errors = 3;          // protegi: wrong answers shown per gradient
  friend bool operator==(const BaselineOptions&, const BaselineOptions&) = default;
};
nlohmann::json to_json(const BaselineOptions& o);
// Missing keys keep their defaults; throws std::invalid_argument naming a key of the wrong type
// or out of range.
BaselineOptions baseline_options_from_json(const nlohmann::json& j);

// The system an inference-time method evaluates, built from the seed system (whose prompts it
// keeps, changed as the method says). `seed` for `maspo` and every optimizer: a copy.
std::shared_ptr<const mas::System> inference_system(Method m, const mas::System& seed, const BaselineOptions& o);
// The prompt map an inference-time method evaluates for a given one of the seed system.
mas::PromptMap inference_prompts(Method m, const mas::System& method_system, const mas::PromptMap& prompts);

// ---- TPE (Bergstra et al. 2011) over a joint categorical assignment ------------------------
// One dimension per agent, each with `choices[d]` options. Trials below `gamma` quantile of the
// observed scores (higher is better) fit l(x), the rest g(x); per dimension a smoothed
// categorical (prior weight 1 spread over the options). The next assignment maximizes l/g over
// `ei_candidates` draws from l. Before `startup` trials, assignments are uniform at random.
class TpeSampler {
 public:
  TpeSampler(std::vector<int> choices, int startup, double gamma, std::uint64_t seed, int ei_candidates = 24);
  std::vector<int> next();                                     // the assignment to try next
  void observe(const std::vector<int>& assignment, double score);
  // The assignment with the best mean score over its trials (first of equals); empty before any.
  std::vector<int> best() const;
  double best_score() const;                                   // its mean score
  std::size_t trials() const { return scores_.size(); }
  std::string save() const;            // RNG + trials, for tests and checkpoints
  void load(const std::string& state);

 private:
  std::vector<double> density(const std::vector<std::size_t>& trials, std::size_t dim) const;
  std::vector<int> choices_;
  int startup_;
  double gamma_;
  int ei_candidates_;
  std::mt19937_64 rng_;
  std::vector<std::vector<int>> assignments_;
  std::vector<double> scores_;
};

// ---- optimizing baselines -------------------------------------------------------------------
struct BaselineResult {
  mas::PromptMap prompts;          // best prompt map found
  bool stopped_by_budget = false;  // a budget ended the search early
  std::int64_t steps = 0;          // steps committed to the store
  std::string stopped_by_failure;  // non-empty: the model service failed; resume continues
};

// Runs (or resumes, from what `store` holds) an optimizing baseline. `grader` scores the pool
// for tpe/opro/protegi. Progress events count the method's steps. Throws InputError for a method
// that does not optimize prompts or an empty pool.
BaselineResult run_baseline(Method m, llm::Client& client, std::shared_ptr<const mas::System> system,
                            std::vector<data::Example> pool, const mas::PromptMap& seed_prompts,
                            const Settings& settings, const BaselineOptions& options, const eval::Grader& grader,
                            store::RunStore& store, std::function<void(const ProgressEvent&)> on_progress = {});

// The MASPO settings the `isolated` baseline runs with: local-only judging, random batches, no
// refresh, every agent visited once for as many layers as MASPO spends on it over all rounds.
Settings isolated_settings(Settings s);

}  // namespace maspo::opt
