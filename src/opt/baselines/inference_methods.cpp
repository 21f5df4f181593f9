// The inference-time baselines (Table 1's CoT, SC and Self-Refine rows) as systems built from the
// seed system: each is a plain mas::System, so it runs through the same executor, cache, budgets
// and grader as every other method, and its traces show every extra call.
#include <string>

#include "maspo/baselines.hpp"
#include "maspo/util.hpp"

namespace maspo::opt {

namespace {

using mas::Agent;
using mas::AgentKind;
using mas::System;

// Zero-shot chain of thought (Kojima et al. 2022): the trigger sentence after the instructions.
constexpr std::string_view kCotSuffix = "\n\nLet's think step by step.";

std::string sample_id(int sample, const std::string& id) { return "sample" + std::to_string(sample) + "-" + id; }
std::string feedback_id(int round) { return "refine_feedback_" + std::to_string(round); }
std::string refiner_id(int round) { return "refine_" + std::to_string(round); }

std::string feedback_template() {
  return "You are reviewing a proposed solution to a problem. Do not write a new solution. List, concisely, "
         "every concrete error or gap in the solution below (wrong steps, wrong arithmetic, a misread question, "
         "an answer in the wrong form) and say how to fix each one. If the solution is correct, say so.\n\n"
         "Problem: {question}\n\nProposed solution:\n{context}";
}

System with_agents(const System& seed, std::string suffix, std::vector<Agent> agents,
                   std::vector<std::pair<std::string, std::string>> edges) {
  return System(seed.name() + "+" + suffix, seed.task(), seed.context_mode(), std::move(agents), std::move(edges),
                seed.source());
}

System cot_system(const System& seed) {
  std::vector<Agent> agents = seed.agents();
  for (auto& a : agents) {
    if (a.kind == AgentKind::llm) a.prompt += kCotSuffix;
  }
  return with_agents(seed, "cot", std::move(agents), seed.edges());
}

// k copies of the whole system, every LLM agent sampled at `temperature` (each copy's agents have
// their own ids, hence their own samples), their final answers majority-voted.
System self_consistency_system(const System& seed, const BaselineOptions& o) {
  if (o.sc_samples < 1) throw InputError("self_consistency: sc_samples must be at least 1");
  std::vector<Agent> agents;
  std::vector<std::pair<std::string, std::string>> edges;
  for (int s = 1; s <= o.sc_samples; ++s) {
    for (Agent a : seed.agents()) {
      a.id = sample_id(s, a.id);
      if (a.kind == AgentKind::llm) a.temperature = o.sc_temperature;
      agents.push_back(std::move(a));
    }
    for (const auto& [from, to] : seed.edges()) edges.emplace_back(sample_id(s, from), sample_id(s, to));
    edges.emplace_back(sample_id(s, seed.sink()), "vote");
  }
  Agent vote;
  vote.id = "vote";
  vote.type = "Vote";
  vote.role = "Majority vote over the samples' final answers (no LLM call).";
  vote.kind = AgentKind::vote;
  agents.push_back(std::move(vote));
  return with_agents(seed, "sc" + std::to_string(o.sc_samples), std::move(agents), std::move(edges));
}

// After the sink: feedback on its answer, then a refinement that sees the answer and the
// feedback; repeated `refine_iterations` times, each round refining the previous refinement.
System self_refine_system(const System& seed, const BaselineOptions& o) {
  if (o.refine_iterations < 1) throw InputError("self_refine: refine_iterations must be at least 1");
  std::vector<Agent> agents = seed.agents();
  std::vector<std::pair<std::string, std::string>> edges = seed.edges();
  std::string answer = seed.sink();
  for (int r = 1; r <= o.refine_iterations; ++r) {
    Agent critic;
    critic.id = feedback_id(r);
    critic.type = "Critic";
    critic.role = "Gives feedback on the system's answer without solving the problem again.";
    critic.prompt = feedback_template();
    Agent refiner;
    refiner.id = refiner_id(r);
    refiner.type = "Reflector";
    refiner.role = "Refines the answer using the feedback and gives the final answer.";
    refiner.prompt = mas::seed_template("Reflector", seed.task());
    edges.emplace_back(answer, critic.id);
    edges.emplace_back(answer, refiner.id);
    edges.emplace_back(critic.id, refiner.id);
    answer = refiner.id;
    agents.push_back(std::move(critic));
    agents.push_back(std::move(refiner));
  }
  return with_agents(seed, "self-refine", std::move(agents), std::move(edges));
}

}  // namespace

std::shared_ptr<const System> inference_system(Method m, const System& seed, const BaselineOptions& o) {
  switch (m) {
    case Method::cot: return std::make_shared<const System>(cot_system(seed));
    case Method::self_consistency: return std::make_shared<const System>(self_consistency_system(seed, o));
    case Method::self_refine: return std::make_shared<const System>(self_refine_system(seed, o));
    default: return std::make_shared<const System>(seed);
  }
}

mas::PromptMap inference_prompts(Method m, const System& method_system, const mas::PromptMap& prompts) {
  mas::PromptMap out = method_system.seed_prompts();
  for (const auto& [id, prompt] : prompts) {
    switch (m) {
      case Method::cot:
        if (method_system.has_agent(id) && method_system.agent(id).kind == AgentKind::llm) {
          out[id] = prompt + std::string(kCotSuffix);
        }
        break;
      case Method::self_consistency:
        for (int s = 1; method_system.has_agent(sample_id(s, id)); ++s) out[sample_id(s, id)] = prompt;
        break;
      default:
        if (method_system.has_agent(id)) out[id] = prompt;
    }
  }
  return out;
}

}  // namespace maspo::opt
