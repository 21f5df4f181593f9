// SPO (Xiang et al. 2025, "Self-Supervised Prompt Optimization") applied to every agent in turn:
// per step, the optimizer proposes one prompt from the current best prompt's outputs on a few
// questions; both run on those questions; the pairwise judge compares the agent's outputs (the
// terminal agent: role-aware, on the final answer). The candidate replaces the best only when it
// wins the majority of the comparisons. No labels, and no lookahead or global term: that is the
// difference from MASPO the paper measures.
#include <fmt/format.h>

#include "opt/baselines/baseline_run.hpp"

namespace maspo::opt::baseline {

namespace {

json initial(Context&, const mas::PromptMap& seed) {
  return {{"prompts", seed}, {"agent_index", 0}, {"iteration", 0}, {"accepted", 0}};
}

void step(Context& ctx, json& state) {
  const int iteration = state["iteration"].get<int>();
  const std::string agent = ctx.order.at(state["agent_index"].get<std::size_t>());
  mas::PromptMap prompts = prompts_of(state);
  const auto qs = ctx.questions(ctx.draw(ctx.options.spo_samples));
  const std::vector<TracePtr> refs = ctx.run(prompts, qs);

  llm::Request req = proposal_request(ctx.system->agent(agent), ctx.system->task(), prompts.at(agent),
                                      proposal_traces(refs, agent, static_cast<std::size_t>(ctx.settings.traces_per_proposal)),
                                      ctx.settings);
  req.sample_index = static_cast<int>(ctx.step % 1000000007);
  const std::string id = fmt::format("spo-{}-i{}", agent, iteration + 1);
  if (auto candidate = ctx.propose(id, agent, iteration, prompts.at(agent), std::move(req))) {
    Settings local = ctx.settings;
    local.joint = false;
    local.weights = {1.0, 0.0, 0.0};
    detail::EvalEnv env = ctx.env(iteration);
    const auto scores = detail::evaluate_candidates(env, agent, prompts, qs, std::vector<bool>(qs.size(), false),
                                                    {{id, *candidate, refs}}, local);
    const double win_rate = scores.at(0).reward;
    const bool accepted = win_rate > 0.5;   // a judged win; a tie keeps the incumbent
    ctx.record_score(id, agent, iteration, win_rate, accepted ? 1.0 : 0.0, qs.size());
    if (accepted) {
      prompts[agent] = *candidate;
      ctx.record_prompt(agent, iteration, *candidate, win_rate);
      state["accepted"] = state["accepted"].get<int>() + 1;
    }
  }
  state["prompts"] = prompts;
  next_iteration(ctx, state, {});
}

void progress(const Context& ctx, const json& state, ProgressEvent& ev) {
  per_agent_progress(ctx, state, ev);
  ev.best_reward = state["accepted"].get<int>();
}

}  // namespace

MethodSteps spo_steps() { return {initial, step, per_agent_steps, progress}; }

}  // namespace maspo::opt::baseline
