// The optimizer requests of the OPRO, ProTeGi and TPE (MIPRO-style) baselines, in our own words.
// Like MASPO's proposal request they name the agent's type and role, keep the task's answer format
// and the template rules, frame every variable text in [NAME] blocks, and ask for the new prompt
// inside <prompt></prompt>, so the same sanitizer checks every method's proposals.
#include <string>

#include "opt/baselines/baseline_run.hpp"
#include "opt/internal.hpp"

namespace maspo::opt::baseline {

namespace {

std::string header(const mas::Agent& agent, data::TaskType task) {
  std::string t = "You improve the prompt of one agent in a multi-agent ";
  t += detail::domain(task);
  t += " system. Keep the agent's role: make it do its own job better.\n\nAgent type: ";
  t += agent.type.empty() ? agent.id : agent.type;
  t += "\nRole: ";
  t += agent.role.empty() ? std::string("(not described)") : agent.role;
  t += "\n\n";
  return t;
}

std::string rules(data::TaskType task, const std::string& prompt) {
  std::string t = "Requirements:\n- Keep the agent's role and the format of its input.\n- ";
  t += detail::task_requirement(task);
  t += "\n\n";
  t += detail::placeholder_rules(detail::has_context_placeholder(prompt));
  return t;
}

llm::Request request(std::string text, const Settings& s) {
  llm::Request r;
  r.messages.push_back({"user", std::move(text)});
  r.temperature = s.optimizer_temperature;
  r.max_tokens = s.optimizer_max_tokens;
  return r;
}

constexpr std::string_view kPromptReply =
    "Reply with the complete new prompt inside <prompt></prompt> tags, ready to use as it is.";

}  // namespace

llm::Request opro_request(const mas::Agent& agent, data::TaskType task,
                          const std::vector<std::pair<std::string, double>>& history_ascending,
                          const std::vector<const data::Example*>& exemplars, const Settings& s) {
  std::string t = header(agent, task);
  t += "Below are earlier prompts for this agent, each with its score: the percentage of questions the "
       "whole system answered correctly with it. They are in ascending order of score, the best last.\n\n";
  for (std::size_t i = 0; i < history_ascending.size(); ++i) {
    const auto& [prompt, score] = history_ascending[i];
    detail::append_block(t, "Prompt " + std::to_string(i + 1), prompt);
    t += "Score: " + std::to_string(static_cast<int>(score * 100.0 + 0.5)) + "\n\n";
  }
  t += "Some of the questions the prompts are scored on:\n\n";
  for (std::size_t i = 0; i < exemplars.size(); ++i) {
    detail::append_block(t, "Question " + std::to_string(i + 1), exemplars[i]->question, 1);
  }
  t += rules(task, history_ascending.empty() ? std::string() : history_ascending.back().first);
  t += "Write a new prompt that differs from all the prompts above and scores higher than every one of them. ";
  t += kPromptReply;
  return request(std::move(t), s);
}

llm::Request protegi_gradient_request(const mas::Agent& agent, data::TaskType task, const std::string& prompt,
                                      const std::vector<std::string>& failures, const Settings& s) {
  std::string t = header(agent, task);
  detail::append_block(t, "Current prompt", prompt, 1);
  t += "With this prompt the system answered the following questions wrongly:\n\n";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    detail::append_block(t, "Error " + std::to_string(i + 1), failures[i], 1);
  }
  t += "Give three short reasons why the prompt could have led the agent to these errors. Reply with the "
       "reasons only, one per line; do not write a new prompt.";
  return request(std::move(t), s);
}

llm::Request protegi_edit_request(const mas::Agent& agent, data::TaskType task, const std::string& prompt,
                                  const std::vector<std::string>& failures, const std::string& reasons,
                                  const Settings& s) {
  std::string t = header(agent, task);
  detail::append_block(t, "Current prompt", prompt, 1);
  t += "With this prompt the system answered these questions wrongly:\n\n";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    detail::append_block(t, "Error " + std::to_string(i + 1), failures[i], 1);
  }
  detail::append_block(t, "Why the prompt fails", reasons, 1);
  t += rules(task, prompt);
  t += "Edit the current prompt so that it fixes these problems. ";
  t += kPromptReply;
  return request(std::move(t), s);
}

const std::vector<std::string_view>& instruction_tips() {
  static const std::vector<std::string_view> tips = {
      "Be concise: keep only the instructions that change the agent's answers.",
      "Be explicit about the steps the agent should follow, in order.",
      "Describe the agent's persona and expertise vividly.",
      "Add checks the agent should make before it gives its output.",
      "Warn about the mistakes visible in the outputs above.",
      "Make the expected output format unmistakable.",
  };
  return tips;
}

llm::Request instruction_request(const mas::Agent& agent, data::TaskType task, const std::string& prompt,
                                 const std::vector<ProposalTrace>& traces, std::string_view tip, const Settings& s) {
  std::string t = header(agent, task);
  detail::append_block(t, "Current prompt", prompt, 1);
  t += "How the agent answers with it:\n\n";
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    detail::append_block(t, "Problem " + n, traces[i].problem);
    if (!traces[i].context.empty()) detail::append_block(t, "Context " + n, traces[i].context);
    detail::append_block(t, "Agent Output " + n, traces[i].output, 1);
  }
  t += rules(task, prompt);
  t += "Tip for this proposal: ";
  t += tip;
  t += "\n\nWrite a new instruction for this agent following the tip. ";
  t += kPromptReply;
  return request(std::move(t), s);
}

}  // namespace maspo::opt::baseline
