// The judge's prompts (MASPO.md §3.3), written for maspo in our own words.
//
// Three comparisons, one user message each, temperature 0:
//   intermediate  an agent's output inside the system (the target's own output, or a successor's
//                 under the candidate's new context). The question asked is not "which is nicer"
//                 but "which one is more likely to lead the *system* to a correct final answer",
//                 with criteria per task type. Reply: a single letter. No role, no upstream
//                 context and no label are shown, as in the method.
//   final         the system's final outputs: only "which final answer is more likely correct";
//                 length and formatting earn nothing. Reply: a single letter.
//   terminal      the target is the sink: role-aware (agent type and role), with the task's
//                 answer requirement; the judge writes an analysis and ends with
//                 <choose>A</choose> or <choose>B</choose>, so it gets the larger token budget.
// Each text is assembled from fixed pieces so every task type gets the same structure: intro,
// criteria, then the material between bracketed markers, then the reply instruction last (where a
// model is least likely to lose it under long outputs).
#include <string>

#include "maspo/opt.hpp"
#include "opt/internal.hpp"

namespace maspo::opt {

namespace {

using data::TaskType;

std::string_view domain(TaskType task) {
  switch (task) {
    case TaskType::math: return "math problems";
    case TaskType::choice: return "multiple-choice math questions";
    case TaskType::reasoning_choice: return "multiple-choice science questions";
    case TaskType::code: return "Python programming tasks";
    case TaskType::exact: return "questions with short exact answers";
  }
  return "problems";
}

// What a correct final answer must look like; shown to the final and terminal judges.
std::string_view requirement(TaskType task) {
  switch (task) {
    case TaskType::math:
      return "The final answer must be stated once, fully simplified, inside <answer></answer> tags.";
    case TaskType::choice:
      return "The final answer must be the letter of one option (A, B, C, D or E), alone inside "
             "<answer></answer> tags.";
    case TaskType::reasoning_choice:
      return "The final answer must be the letter of one option (A, B, C or D), alone inside "
             "<answer></answer> tags.";
    case TaskType::code:
      return "The answer must be one complete, self-contained Python function (with the imports it "
             "needs) in a ```python code block.";
    case TaskType::exact:
      return "The final answer must be stated exactly as it should be read, inside <answer></answer> tags.";
  }
  return "";
}

std::string_view intermediate_criteria(TaskType task) {
  switch (task) {
    case TaskType::math:
    case TaskType::choice:
      return "Prefer the output whose mathematics is correct, which states its intermediate results "
             "explicitly, which makes no false or misleading claims, and which gives the next agent "
             "enough detail to check the work.";
    case TaskType::reasoning_choice:
      return "First, an output that is cut off before it reaches its conclusion loses to one that is "
             "complete. Next, prefer the output whose scientific facts and logic are correct. Last, "
             "prefer the output that is more useful to the agent that reads it next.";
    case TaskType::code:
      return "Prefer the output that is the better starting point for the agent that reviews or debugs "
             "it next: the code is correct; it keeps to the task's constraints (no try/except blocks, "
             "no input validation, no type annotations); it holds a code block that can be taken out "
             "and run as is; and its logic is easier to follow.";
    case TaskType::exact:
      return "Prefer the output whose reasoning is correct and which arrives at a clear answer that the "
             "next agent can verify.";
  }
  return "";
}

std::string_view final_criteria(TaskType task) {
  switch (task) {
    case TaskType::math:
      return "Work out which final result is right. If both are wrong or both right, prefer the one "
             "whose derivation holds up better.";
    case TaskType::choice:
      return "Compare the option letters the two answers commit to and decide which letter is right.";
    case TaskType::reasoning_choice:
      return "An answer that is cut off before it commits to an option loses. Otherwise compare the "
             "option letters the two answers commit to and decide which letter is right.";
    case TaskType::code:
      return "Trace both functions in your head, on ordinary inputs and on edge cases (empty inputs, "
             "zero, negative numbers, single elements, duplicates). Prefer the correct one. If both are "
             "correct, prefer the more concise and idiomatic Python. If both are wrong, prefer the one "
             "that fails on fewer inputs.";
    case TaskType::exact:
      return "Work out which final answer is right.";
  }
  return "";
}

std::string_view terminal_criteria(TaskType task) {
  switch (task) {
    case TaskType::choice:
    case TaskType::reasoning_choice:
      return "Choose the answer that is clearly correct, even if it is the shorter one. If both are "
             "correct, prefer the one whose reasoning is clearer. Do not reward length. Check the "
             "format: the <answer></answer> tags must hold a single option letter.";
    case TaskType::code:
      return "Choose the answer whose function is clearly correct, even if it is the shorter one; trace "
             "it on ordinary inputs and edge cases. If both are correct, prefer the clearer solution. "
             "Do not reward length. Check the format: one complete function in a ```python block.";
    case TaskType::math:
    case TaskType::exact:
      return "Choose the answer that is clearly correct, even if it is the shorter one. If both are "
             "correct, prefer the one whose reasoning is clearer. Do not reward length. Check the "
             "format: the final answer must be inside <answer></answer> tags.";
  }
  return "";
}


}  // namespace

llm::Request judge_request(const JudgeInput& in, data::TaskType task, std::string_view first,
                           std::string_view second, const Settings& s) {
  std::string text;
  switch (in.kind) {
    case Comparison::intermediate:
      text += "You are judging two outputs produced at the same step by an agent of a multi-agent "
              "system that solves ";
      text += domain(task);
      text += ". Other agents will build on this output, so decide which of the two is more likely to "
              "lead the system to the correct final answer.\n\n";
      text += intermediate_criteria(task);
      text += "\n\n";
      detail::append_block(text, "Problem", in.problem, 1);
      detail::append_block(text, "Output A", first, 1);
      detail::append_block(text, "Output B", second, 1);
      text += "Which output is more likely to lead to the correct final answer? Reply with one letter "
              "only, A or B, and nothing else.";
      break;
    case Comparison::final:
      text += "You are comparing two final answers of a system that solves ";
      text += domain(task);
      text += ". Judge only which final answer is more likely to be correct. Length, style and "
              "formatting earn nothing.\n\n";
      text += final_criteria(task);
      text += "\n\nRequirement: ";
      text += requirement(task);
      text += "\n\n";
      detail::append_block(text, "Problem", in.problem, 1);
      detail::append_block(text, "Answer A", first, 1);
      detail::append_block(text, "Answer B", second, 1);
      text += "Which final answer is more likely to be correct? Reply with one letter only, A or B, and "
              "nothing else.";
      break;
    case Comparison::terminal:
      text += "You are reviewing the work of the last agent of a multi-agent system that solves ";
      text += domain(task);
      text += "; its answer is the system's answer. Two versions of its answer to the same problem "
              "follow.\n\nAgent type: ";
      text += in.agent_type.empty() ? std::string_view("(unnamed)") : std::string_view(in.agent_type);
      text += "\nRole: ";
      text += in.agent_role.empty() ? std::string_view("(not described)") : std::string_view(in.agent_role);
      text += "\nRequirement: ";
      text += requirement(task);
      text += "\n\n";
      text += terminal_criteria(task);
      text += "\n\n";
      detail::append_block(text, "Problem", in.problem, 1);
      detail::append_block(text, "Answer A", first, 1);
      detail::append_block(text, "Answer B", second, 1);
      text += "First write a short analysis of both answers. Then end your reply with your choice, "
              "exactly <choose>A</choose> or <choose>B</choose>.";
      break;
  }

  llm::Request r;
  r.messages.push_back({"user", std::move(text)});
  r.temperature = 0.0;
  r.max_tokens = in.kind == Comparison::terminal ? s.terminal_judge_max_tokens : s.judge_max_tokens;
  return r;
}

}  // namespace maspo::opt
