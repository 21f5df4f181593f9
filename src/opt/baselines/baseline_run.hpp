// What the optimizing baselines share (src/opt/baselines/): one run's context (client, executor,
// judge, grader, store, seeded RNG) and the step helpers each method is written with.
//
// A baseline's state is a JSON object it mutates one step at a time; after each step the state is
// the run store's checkpoint, so a resume continues from the last finished step. Keys every state
// has: "prompts" (the best prompt map so far), "rng" (the generator's state), "done".
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/baselines.hpp"
#include "maspo/store.hpp"
#include "opt/search.hpp"

namespace maspo::opt::baseline {

using json = nlohmann::json;
using TracePtr = std::shared_ptr<const mas::Trace>;

struct Context {
  Context(Method m, llm::Client& c, std::shared_ptr<const mas::System> sys, std::vector<data::Example> p,
          const Settings& s, const BaselineOptions& o, const eval::Grader& g, store::RunStore& st);

  Method method;
  llm::Client& client;
  std::shared_ptr<const mas::System> system;
  std::vector<data::Example> pool;
  Settings settings;
  BaselineOptions options;
  const eval::Grader& grader;
  store::RunStore& store;
  mas::Executor executor;
  Judge judge;
  std::vector<std::string> order;   // optimizable agents, topological order
  std::mt19937_64 rng;
  std::int64_t step = 0;            // the step being run (1-based once begun)

  // `k` distinct pool indices drawn with the run's RNG (all of them when the pool is smaller).
  std::vector<std::size_t> draw(int k);
  std::vector<const data::Example*> questions(const std::vector<std::size_t>& indices) const;

  // Grades each trace's final output against its question's gold answer; a failed run is wrong.
  std::vector<bool> grade(const std::vector<TracePtr>& traces, const std::vector<const data::Example*>& qs) const;

  // Sends one optimizer request, sanitizes the reply against `parent` and records the proposal
  // (id, status) in the store. nullopt when rejected. A budget stop propagates as BudgetStop.
  std::optional<std::string> propose(const std::string& id, const std::string& agent, int round,
                                     const std::string& parent, llm::Request request);
  // The optimizer's reply as text (for ProTeGi's gradient), recorded as a proposal with no prompt.
  std::string ask(const std::string& id, const std::string& agent, int round, const std::string& parent,
                  llm::Request request);

  void record_score(const std::string& id, const std::string& agent, int round, double reward, double best,
                    std::size_t batch);
  void record_prompt(const std::string& agent, int round, const std::string& prompt, double score);

  // Partial re-execution: `agent` with `prompt` over `refs` (references of `base`).
  std::vector<TracePtr> rerun(const mas::PromptMap& base, const std::string& agent, const std::string& prompt,
                              const std::vector<TracePtr>& refs);
  std::vector<TracePtr> run(const mas::PromptMap& prompts, const std::vector<const data::Example*>& qs);
  detail::EvalEnv env(int round);
};

// Accuracy of a vector of grades (0 when empty).
double mean(const std::vector<bool>& correct);
// Example traces for a proposal: the agent's input and output on each of `traces`.
std::vector<ProposalTrace> proposal_traces(const std::vector<TracePtr>& traces, const std::string& agent,
                                           std::size_t at_most);
mas::PromptMap prompts_of(const json& state);

// The per-agent methods (spo, opro, protegi) visit the agents in topological order, `iterations`
// steps each. After a step: the next iteration, or the next agent with `per_agent_keys` emptied
// (its history, batch, beam); "done" after the last agent.
void next_iteration(const Context& ctx, json& state, std::initializer_list<const char*> per_agent_keys);
std::int64_t per_agent_steps(const Context& ctx);
// The start of a step of opro / protegi: the agent, the prompts, the agent's fixed minibatch
// (drawn at its first step, kept in state["batch"]) and the current prompts' traces on it.
struct AgentStep {
  int iteration = 0;
  std::string agent;
  mas::PromptMap prompts;
  std::vector<const data::Example*> questions;
  std::vector<TracePtr> refs;
};
AgentStep begin_fixed_batch_step(Context& ctx, json& state);

// Fills the event's agent, round (the iteration) and rounds (iterations per agent).
void per_agent_progress(const Context& ctx, const json& state, ProgressEvent& ev);

// One method: its first state, one step, how many steps in all, and what a progress line shows.
struct MethodSteps {
  json (*initial)(Context&, const mas::PromptMap& seed);
  void (*step)(Context&, json& state);
  std::int64_t (*total)(const Context&);
  void (*progress)(const Context&, const json& state, ProgressEvent& event);
};

MethodSteps spo_steps();
MethodSteps opro_steps();
MethodSteps protegi_steps();
MethodSteps tpe_steps();

// The optimizer requests of the baselines (baseline_prompts.cpp).
llm::Request opro_request(const mas::Agent& agent, data::TaskType task,
                          const std::vector<std::pair<std::string, double>>& history_ascending,
                          const std::vector<const data::Example*>& exemplars, const Settings& s);
llm::Request protegi_gradient_request(const mas::Agent& agent, data::TaskType task, const std::string& prompt,
                                      const std::vector<std::string>& failures, const Settings& s);
llm::Request protegi_edit_request(const mas::Agent& agent, data::TaskType task, const std::string& prompt,
                                  const std::vector<std::string>& failures, const std::string& reasons,
                                  const Settings& s);
llm::Request instruction_request(const mas::Agent& agent, data::TaskType task, const std::string& prompt,
                                 const std::vector<ProposalTrace>& traces, std::string_view tip, const Settings& s);
// MIPRO-style proposal tips, one per instruction candidate (cycled).
const std::vector<std::string_view>& instruction_tips();

}  // namespace maspo::opt::baseline
