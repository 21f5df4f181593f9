// TPE, MIPRO/MASS-style: first one step per agent proposes `tpe_candidates - 1` instructions (each
// with a different proposal tip, grounded in the seed system's outputs on a few pool questions);
// the seed instruction is candidate 0. Then each step is one trial: the TPE sampler picks one
// candidate per agent, the whole system runs with that assignment on a fresh minibatch, and its
// accuracy is the trial's score. The result is the assignment with the best mean score.
#include <fmt/format.h>

#include "opt/baselines/baseline_run.hpp"

namespace maspo::opt::baseline {

namespace {

// The sampler's own seed: derived from the run's, distinct from the minibatch draws.
constexpr std::uint64_t kSamplerSalt = 0x7be5'0a1c'9d3f'2e41ULL;

json initial(Context&, const mas::PromptMap& seed) {
  return {{"prompts", seed}, {"seed_prompts", seed}, {"agent_index", 0},
          {"candidates", json::object()}, {"sampler", ""}, {"trial", 0}};
}

TpeSampler sampler_of(const Context& ctx, const json& state) {
  std::vector<int> choices;
  for (const auto& agent : ctx.order) choices.push_back(static_cast<int>(state["candidates"][agent].size()));
  TpeSampler s(choices, ctx.options.tpe_startup, ctx.options.tpe_gamma, ctx.settings.seed ^ kSamplerSalt);
  const std::string saved = state["sampler"].get<std::string>();
  if (!saved.empty()) s.load(saved);
  return s;
}

mas::PromptMap assign(const Context& ctx, const json& state, const std::vector<int>& choice) {
  mas::PromptMap prompts = state["seed_prompts"].get<mas::PromptMap>();
  for (std::size_t d = 0; d < ctx.order.size(); ++d) {
    prompts[ctx.order[d]] = state["candidates"][ctx.order[d]].at(static_cast<std::size_t>(choice[d])).get<std::string>();
  }
  return prompts;
}

void propose_step(Context& ctx, json& state) {
  const auto index = state["agent_index"].get<std::size_t>();
  const std::string agent = ctx.order.at(index);
  const mas::PromptMap seed = state["seed_prompts"].get<mas::PromptMap>();
  const auto qs = ctx.questions(ctx.draw(ctx.options.minibatch));
  const auto traces = proposal_traces(ctx.run(seed, qs), agent, static_cast<std::size_t>(ctx.settings.traces_per_proposal));
  std::vector<std::string> candidates{seed.at(agent)};
  const auto& tips = instruction_tips();
  for (int c = 1; c < ctx.options.tpe_candidates; ++c) {
    llm::Request req = instruction_request(ctx.system->agent(agent), ctx.system->task(), seed.at(agent), traces,
                                           tips[static_cast<std::size_t>(c - 1) % tips.size()], ctx.settings);
    req.sample_index = static_cast<int>((ctx.step * 128 + c) % 1000000007);
    auto p = ctx.propose(fmt::format("tpe-{}-c{}", agent, c), agent, 0, seed.at(agent), std::move(req));
    if (p && std::find(candidates.begin(), candidates.end(), *p) == candidates.end()) candidates.push_back(*p);
  }
  state["candidates"][agent] = candidates;
  state["agent_index"] = index + 1;
}

void trial_step(Context& ctx, json& state) {
  TpeSampler sampler = sampler_of(ctx, state);
  const std::vector<int> choice = sampler.next();
  const mas::PromptMap prompts = assign(ctx, state, choice);
  const auto qs = ctx.questions(ctx.draw(ctx.options.minibatch));
  const double accuracy = mean(ctx.grade(ctx.run(prompts, qs), qs));
  sampler.observe(choice, accuracy);
  const int trial = state["trial"].get<int>();
  ctx.record_score(fmt::format("tpe-trial{}-{}", trial + 1, json(choice).dump()), "joint", trial, accuracy,
                   sampler.best_score(), qs.size());
  const mas::PromptMap best = assign(ctx, state, sampler.best());
  const mas::PromptMap before = prompts_of(state);
  for (const auto& agent : ctx.order) {
    if (best.at(agent) != before.at(agent)) ctx.record_prompt(agent, trial, best.at(agent), sampler.best_score());
  }
  state["prompts"] = best;
  state["sampler"] = sampler.save();
  state["trial"] = trial + 1;
  state["done"] = trial + 1 >= ctx.options.tpe_trials;
}

void step(Context& ctx, json& state) {
  if (state["agent_index"].get<std::size_t>() < ctx.order.size()) {
    propose_step(ctx, state);
  } else {
    trial_step(ctx, state);
  }
}

std::int64_t total(const Context& ctx) {
  return static_cast<std::int64_t>(ctx.order.size()) + ctx.options.tpe_trials;
}

void progress(const Context& ctx, const json& state, ProgressEvent& ev) {
  const auto index = state["agent_index"].get<std::size_t>();
  ev.agent = index < ctx.order.size() ? ctx.order[index] : "joint";
  ev.round = state["trial"].get<int>();
  ev.rounds = ctx.options.tpe_trials;
  if (!state["sampler"].get<std::string>().empty()) ev.best_reward = sampler_of(ctx, state).best_score();
}

}  // namespace

MethodSteps tpe_steps() { return {initial, step, total, progress}; }

}  // namespace maspo::opt::baseline
