// The optimizer's request: a trace-guided proposal for one agent's prompt (MASPO.md §5), in our
// own words.
//
// What the optimizer sees, in order: its job (improve one agent of a multi-agent system without
// changing that agent's role), the agent's type and one-line role, the traces (problem, the
// context the agent received, its raw output), the requirements (keep role, responsibilities and
// input format + what the task's answers must look like), how the template's placeholders work,
// the parent prompt as the reference prompt, and the reply format <analyse>, <modification> (one
// sentence), <prompt>. As in the method it sees no scores, no labels, no judge rationales: it has
// to read the failures from the outputs themselves.
//
// Code tasks add a four-step bug analysis and a 300-word cap on the new prompt; science reasoning
// (GPQA-style) adds checks for truncation, correctness and efficiency, DO/DON'T lists and a
// 250-word cap — the variants the reference used because long prompts there led to truncated or
// over-engineered answers.
//
// Prompts are templates with literal `{question}` / `{context}` placeholders; this text is built
// by concatenation (never formatted), so the reference prompt and every mention of a placeholder
// reach the optimizer exactly as written, and the sanitizer (sanitizer.cpp) checks what comes back.
#include <string>

#include "maspo/opt.hpp"
#include "opt/internal.hpp"

namespace maspo::opt {

using data::TaskType;

namespace detail {

std::string_view domain(TaskType task) {
  switch (task) {
    case TaskType::math: return "math problem-solving";
    case TaskType::choice: return "multiple-choice math";
    case TaskType::reasoning_choice: return "scientific reasoning";
    case TaskType::code: return "code generation";
    case TaskType::exact: return "question-answering";
  }
  return "problem-solving";
}

std::string_view task_requirement(TaskType task) {
  switch (task) {
    case TaskType::math:
      return "The agent must reason step by step and give exactly one final answer inside "
             "<answer></answer> tags, in its simplest canonical form (just the value or expression: "
             "no units, no words).";
    case TaskType::choice:
      return "The agent must reason step by step and give exactly one final answer inside "
             "<answer></answer> tags: the letter of one option, alone.";
    case TaskType::reasoning_choice:
      return "The agent must give exactly one final answer inside <answer></answer> tags: the letter of "
             "one option, alone.";
    case TaskType::code:
      return "The agent must reason briefly first, then give its solution as one Python function in a "
             "```python code block, with no exception handling, no input validation, no type annotations "
             "and no special handling of edge cases the task does not ask for.";
    case TaskType::exact:
      return "The agent must give exactly one final answer inside <answer></answer> tags, written exactly "
             "as it should be read.";
  }
  return "";
}

std::string placeholder_rules(bool has_context) {
  std::string t = "The prompt is a template. The placeholder {question} is replaced by the problem";
  if (has_context) {
    t += " and {context} by what the earlier agents passed on. Keep both placeholders, each exactly "
         "once and written exactly like that.";
  } else {
    t += ". Keep it exactly once and written exactly like that. This agent receives no context from "
         "other agents, so the prompt must not contain {context}.";
  }
  t += " Do not put any other word inside curly braces.\n\n";
  return t;
}

}  // namespace detail

namespace {

using detail::domain;
using detail::task_requirement;

// Extra analysis steps and a length cap for the task types where the reference added them.
std::string_view task_extras(TaskType task) {
  switch (task) {
    case TaskType::code:
      return "Before writing the new prompt, analyse the bugs in the outputs in four steps: (1) list what "
             "each function gets wrong or could get wrong; (2) find the instruction in the reference "
             "prompt, or the missing instruction, that let it happen; (3) decide what instruction would "
             "prevent it; (4) check that this instruction keeps the agent's role and input format.\n"
             "The new prompt must not exceed 300 words.\n";
    case TaskType::reasoning_choice:
      return "Before writing the new prompt, check the outputs for three things: truncation (an answer "
             "cut off before its final letter), correctness (wrong facts or faulty logic) and efficiency "
             "(reasoning far longer than the question needs).\n"
             "The new prompt must include a short DO list and a short DON'T list, and must not exceed "
             "250 words.\n";
    case TaskType::math:
    case TaskType::choice:
    case TaskType::exact:
      return "";
  }
  return "";
}


}  // namespace

llm::Request proposal_request(const mas::Agent& agent, data::TaskType task, std::string_view parent_prompt,
                              const std::vector<ProposalTrace>& traces, const Settings& s) {
  const bool has_context = detail::has_context_placeholder(parent_prompt);
  std::string t;
  t += "You optimize the prompt of one agent in a multi-agent ";
  t += domain(task);
  t += " system. The agent's role must be preserved: make it do its own job better, never turn it "
       "into a different agent.\n\n";
  t += "Agent type: ";
  t += agent.type.empty() ? std::string_view(agent.id) : std::string_view(agent.type);
  t += "\nRole: ";
  t += agent.role.empty() ? std::string_view("(not described)") : std::string_view(agent.role);
  t += "\n\n";

  t += "Here is how the agent behaves with the reference prompt below, on ";
  t += std::to_string(traces.size());
  t += traces.size() == 1 ? " problem" : " problems";
  t += ". Read the outputs closely: find what goes wrong, or what could be more reliable.\n\n";
  for (std::size_t i = 0; i < traces.size(); ++i) {
    std::string n = std::to_string(i + 1);
    detail::append_block(t, "Problem " + n, traces[i].problem);
    detail::append_block(t, "Context " + n, traces[i].context.empty() ? std::string_view("(no context)")
                                                       : std::string_view(traces[i].context));
    detail::append_block(t, "Agent Output " + n, traces[i].output);
    t += "\n";
  }

  t += "Requirements:\n";
  t += "- Keep the agent's role, its responsibilities and the format of its input consistent with the "
       "reference prompt.\n- ";
  t += task_requirement(task);
  t += "\n\n";

  t += detail::placeholder_rules(has_context);

  t += task_extras(task);
  if (!task_extras(task).empty()) t += "\n";

  detail::append_block(t, "Reference prompt", parent_prompt);
  t += "\n";

  t += "Reply in exactly this format:\n"
       "<analyse>\nWhat the outputs show: what works, what goes wrong and why.\n</analyse>\n"
       "<modification>\nOne sentence saying what you change.\n</modification>\n"
       "<prompt>\nThe complete new prompt, ready to use as it is.\n</prompt>";

  llm::Request r;
  r.messages.push_back({"user", std::move(t)});
  r.temperature = s.optimizer_temperature;
  r.max_tokens = s.optimizer_max_tokens;
  return r;
}

}  // namespace maspo::opt
