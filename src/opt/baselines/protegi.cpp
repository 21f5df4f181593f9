// ProTeGi (Pryzant et al. 2023, "Automatic Prompt Optimization with 'Gradient Descent' and Beam
// Search") per agent: for each prompt in the beam, the questions of a fixed minibatch the system
// then answers wrongly are shown to the optimizer, which names why the prompt fails (the textual
// "gradient"); then, given those reasons, it edits the prompt. Edits are scored by accuracy on the
// minibatch and the best `protegi_beam` prompts stay. (The paper selects with a bandit over more
// data; a fixed minibatch keeps the cost equal to the other baselines'.)
#include <algorithm>

#include <fmt/format.h>

#include "opt/baselines/baseline_run.hpp"

namespace maspo::opt::baseline {

namespace {

using Beam = std::vector<std::pair<std::string, double>>;

json initial(Context&, const mas::PromptMap& seed) {
  return {{"prompts", seed}, {"agent_index", 0}, {"iteration", 0}, {"beam", json::array()}, {"batch", json::array()}};
}

std::string failure_text(const mas::Trace& t, const std::string& agent, const data::Example& q) {
  const mas::AgentTrace* a = t.find(agent);
  std::string out = "Question: " + q.question + "\n";
  if (a != nullptr && !a->input_context.empty()) out += "What the agent received from earlier agents: " + a->input_context + "\n";
  out += "The agent's output: " + (a != nullptr ? a->output : std::string("(none)")) + "\n";
  out += "The system's final answer: " + t.final_output + "\n";
  out += "The correct answer: " + q.gold + "\n";
  return out;
}

void step(Context& ctx, json& state) {
  auto [iteration, agent, prompts, qs, refs] = begin_fixed_batch_step(ctx, state);
  Beam beam = state["beam"].get<Beam>();
  if (beam.empty()) beam.emplace_back(prompts.at(agent), mean(ctx.grade(refs, qs)));

  const mas::Agent& def = ctx.system->agent(agent);
  Beam fresh;
  auto known = [&](const std::string& p) {
    auto same = [&](const auto& e) { return e.first == p; };
    return std::any_of(beam.begin(), beam.end(), same) || std::any_of(fresh.begin(), fresh.end(), same);
  };
  for (std::size_t j = 0; j < beam.size(); ++j) {
    const std::string& prompt = beam[j].first;
    const auto traces = ctx.rerun(prompts, agent, prompt, refs);
    const auto correct = ctx.grade(traces, qs);
    std::vector<std::string> failures;
    for (std::size_t i = 0; i < qs.size() && std::ssize(failures) < ctx.options.protegi_errors; ++i) {
      if (!correct[i]) failures.push_back(failure_text(*traces[i], agent, *qs[i]));
    }
    if (failures.empty()) continue;   // nothing to learn from on this minibatch
    llm::Request gradient = protegi_gradient_request(def, ctx.system->task(), prompt, failures, ctx.settings);
    gradient.sample_index = static_cast<int>((ctx.step * 64 + static_cast<std::int64_t>(j) * 8) % 1000000007);
    const std::string reasons =
        ctx.ask(fmt::format("protegi-{}-i{}-b{}-gradient", agent, iteration + 1, j), agent, iteration, prompt,
                std::move(gradient));
    if (reasons.empty()) continue;
    for (int e = 0; e < ctx.options.protegi_edits; ++e) {
      llm::Request edit = protegi_edit_request(def, ctx.system->task(), prompt, failures, reasons, ctx.settings);
      edit.sample_index = static_cast<int>((ctx.step * 64 + static_cast<std::int64_t>(j) * 8 + 1 + e) % 1000000007);
      const std::string id = fmt::format("protegi-{}-i{}-b{}-e{}", agent, iteration + 1, j, e);
      auto candidate = ctx.propose(id, agent, iteration, prompt, std::move(edit));
      if (!candidate || known(*candidate)) continue;
      const double accuracy = mean(ctx.grade(ctx.rerun(prompts, agent, *candidate, refs), qs));
      fresh.emplace_back(*candidate, accuracy);
      ctx.record_score(id, agent, iteration, accuracy, beam.front().second, qs.size());
    }
  }
  // The beam keeps its order among equals: an incumbent outranks a newcomer with the same score.
  beam.insert(beam.end(), fresh.begin(), fresh.end());
  std::stable_sort(beam.begin(), beam.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (std::ssize(beam) > ctx.options.protegi_beam) beam.resize(static_cast<std::size_t>(ctx.options.protegi_beam));
  if (beam.front().first != prompts.at(agent)) {
    prompts[agent] = beam.front().first;
    ctx.record_prompt(agent, iteration, beam.front().first, beam.front().second);
  }
  state["beam"] = beam;
  state["prompts"] = prompts;
  next_iteration(ctx, state, {"beam", "batch"});
}

void progress(const Context& ctx, const json& state, ProgressEvent& ev) {
  per_agent_progress(ctx, state, ev);
  const Beam b = state["beam"].get<Beam>();
  ev.best_reward = b.empty() ? 0.0 : b.front().second;
}

}  // namespace

MethodSteps protegi_steps() { return {initial, step, per_agent_steps, progress}; }

}  // namespace maspo::opt::baseline
