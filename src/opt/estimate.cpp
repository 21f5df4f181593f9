#include <fmt/format.h>

#include "maspo/opt.hpp"

namespace maspo::opt {

namespace {

// Per-call token guesses: prompts grow with the traces they carry; replies are short except the
// optimizer's rewritten prompt and the terminal judge's analysis.
struct Guess {
  std::int64_t prompt, completion;
};
constexpr Guess kAgent{600, 400};
constexpr Guess kCompression{450, 40};
constexpr Guess kOptimizer{3500, 700};
constexpr Guess kJudge{1600, 4};
constexpr Guess kTerminalJudge{1800, 500};

struct Calls {
  std::map<std::string, std::int64_t> agent_calls;   // by model role
  std::int64_t compressions = 0;
};

// Calls to run `agents` once: each LLM agent one call, plus a compression when it is not the sink.
Calls run_calls(const mas::System& system, const std::vector<std::string>& agents) {
  Calls c;
  for (const auto& id : agents) {
    const mas::Agent& a = system.agent(id);
    if (a.kind != mas::AgentKind::llm) continue;
    c.agent_calls[a.model_role] += 1;
    if (system.context_mode() == mas::ContextMode::summary && id != system.sink()) c.compressions += 1;
  }
  return c;
}

}  // namespace

Estimate estimate(const mas::System& system, const Settings& s, int final_eval_items) {
  Estimate e;
  auto add = [&](const std::string& role, std::int64_t n, Guess g) {
    e.calls[role] += n;
    e.prompt_tokens[role] += n * g.prompt;
    e.completion_tokens[role] += n * g.completion;
  };
  auto add_runs = [&](const Calls& c, std::int64_t times) {
    for (const auto& [role, n] : c.agent_calls) add(role, n * times, kAgent);
    // Compressions go to the agent's own role; charge them to the first agents role.
    if (c.compressions > 0 && !c.agent_calls.empty()) add(c.agent_calls.begin()->first, c.compressions * times, kCompression);
  };
  std::vector<std::string> all;
  for (const auto& a : system.agents()) all.push_back(a.id);
  const Calls full = run_calls(system, all);
  const std::int64_t B = s.batch_size, K = s.beam_width, Ks = s.children_per_parent;
  const std::int64_t judge_mult = s.judge_order == JudgeOrder::both ? 2 : 1;
  const std::int64_t batches_per_layer = s.compat == Compat::reference ? K : 1;

  for (const auto& agent : optimizable_agents(system)) {
    std::vector<std::string> affected{agent};
    for (const auto& d : system.descendants(agent)) affected.push_back(d);
    const Calls partial = run_calls(system, affected);
    const bool terminal = system.sink() == agent;
    std::int64_t comparisons = 1;
    if (!terminal && s.joint) {
      comparisons += static_cast<std::int64_t>(system.successors_within(agent, s.lookahead_depth).size());
      comparisons += 1;
    }
    const std::int64_t layers = static_cast<std::int64_t>(s.rounds) * s.layers_per_visit;
    const std::int64_t children = K * Ks;
    // A layer: reference runs, the other parents' partial reruns, proposals, the children's
    // partial reruns, and their judgements.
    add_runs(full, layers * B * batches_per_layer);
    add_runs(partial, layers * B * (K - 1));
    add("optimizer", layers * children, kOptimizer);
    add_runs(partial, layers * children * B);
    add("judge", layers * children * B * comparisons * judge_mult, terminal ? kTerminalJudge : kJudge);
    e.steps += layers;
    if (s.refresh && s.rounds > 1) {
      const std::int64_t refreshes = s.rounds - 1;
      add_runs(full, refreshes * B);
      add_runs(partial, refreshes * (K - 1) * B);
      add("judge", refreshes * (K - 1) * B * comparisons * judge_mult, terminal ? kTerminalJudge : kJudge);
      e.steps += refreshes;
    }
  }
  // Final evaluation: the seed and the optimized prompts on the test items.
  add_runs(full, 2LL * final_eval_items);
  e.assumptions = fmt::format(
      "upper bound: no cache hits, every proposal distinct and evaluated; tokens guessed per call as "
      "agent {}+{}, compression {}+{}, optimizer {}+{}, judge {}+{} (terminal {}+{}) prompt+completion",
      kAgent.prompt, kAgent.completion, kCompression.prompt, kCompression.completion, kOptimizer.prompt,
      kOptimizer.completion, kJudge.prompt, kJudge.completion, kTerminalJudge.prompt, kTerminalJudge.completion);
  return e;
}

}  // namespace maspo::opt
