// OPRO (Yang et al. 2024, "Large Language Models as Optimizers") per agent: the optimizer sees the
// agent's earlier prompts with their accuracy on a fixed minibatch of pool questions, worst first
// and best last (the paper's ordering), plus a few of the questions, and writes new prompts; each
// is scored by re-running the system from that agent. The agent's prompt becomes the best scored.
#include <algorithm>

#include <fmt/format.h>

#include "opt/baselines/baseline_run.hpp"

namespace maspo::opt::baseline {

namespace {

using History = std::vector<std::pair<std::string, double>>;

json initial(Context&, const mas::PromptMap& seed) {
  return {{"prompts", seed}, {"agent_index", 0}, {"iteration", 0}, {"history", json::array()}, {"batch", json::array()}};
}

// The best `n` entries, ascending by score (ties: the earlier entry counts as better, so it is later).
History shown(const History& history, std::size_t n) {
  std::vector<std::size_t> order(history.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return history[a].second > history[b].second; });
  if (order.size() > n) order.resize(n);
  History out;
  for (auto it = order.rbegin(); it != order.rend(); ++it) out.push_back(history[*it]);
  return out;
}

void step(Context& ctx, json& state) {
  auto [iteration, agent, prompts, qs, refs] = begin_fixed_batch_step(ctx, state);
  History history = state["history"].get<History>();
  if (history.empty()) history.emplace_back(prompts.at(agent), mean(ctx.grade(refs, qs)));

  const History meta = shown(history, static_cast<std::size_t>(ctx.options.opro_history));
  const std::vector<const data::Example*> exemplars(qs.begin(), qs.begin() + std::min<std::ptrdiff_t>(3, std::ssize(qs)));
  for (int p = 0; p < ctx.options.opro_proposals; ++p) {
    llm::Request req = opro_request(ctx.system->agent(agent), ctx.system->task(), meta, exemplars, ctx.settings);
    req.sample_index = static_cast<int>((ctx.step * 16 + p) % 1000000007);
    const std::string id = fmt::format("opro-{}-i{}-p{}", agent, iteration + 1, p);
    auto candidate = ctx.propose(id, agent, iteration, meta.back().first, std::move(req));
    if (!candidate) continue;
    if (std::any_of(history.begin(), history.end(), [&](const auto& h) { return h.first == *candidate; })) continue;
    const double accuracy = mean(ctx.grade(ctx.rerun(prompts, agent, *candidate, refs), qs));
    history.emplace_back(*candidate, accuracy);
    ctx.record_score(id, agent, iteration, accuracy, shown(history, 1).back().second, qs.size());
  }
  const auto best = shown(history, 1).back();   // a copy: shown() returns a temporary
  if (best.first != prompts.at(agent)) {
    prompts[agent] = best.first;
    ctx.record_prompt(agent, iteration, best.first, best.second);
  }
  state["history"] = history;
  state["prompts"] = prompts;
  next_iteration(ctx, state, {"history", "batch"});
}

void progress(const Context& ctx, const json& state, ProgressEvent& ev) {
  per_agent_progress(ctx, state, ev);
  const History h = state["history"].get<History>();
  ev.best_reward = h.empty() ? 0.0 : shown(h, 1).back().second;
}

}  // namespace

MethodSteps opro_steps() { return {initial, step, per_agent_steps, progress}; }

}  // namespace maspo::opt::baseline
