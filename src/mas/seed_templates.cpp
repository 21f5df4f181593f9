// Seed templates: the prompts a system starts from before optimization, one per agent type and
// task type. Written for maspo after the description in MASPO.md §2 (the paper's App. D gives the
// reference's own): a Predictor reasons step by step and ends with the answer in <answer> tags; a
// Reflector reviews the solution it is given and answers again; the hierarchical personas share a
// body and differ in their first sentence; the Summarizer reads "Content from previous agents".
//
// Each template is assembled from three parts so that the task-specific pieces (what the answer
// looks like, what the input is called) are written once and every agent type agrees on them.
#include <string>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"
#include "mas/internal.hpp"

namespace maspo::mas {

namespace {

struct TaskWords {
  std::string_view problem;       // the heading the question sits under: "Problem", "Task"
  std::string_view noun;          // the same word inside a sentence: "problem", "task"
  std::string_view solve;         // the verb phrase for doing it
  std::string_view answer_rule;   // how the final answer must be written
};

TaskWords words(TaskType task) {
  switch (task) {
    case TaskType::math:
      return {"Problem", "problem", "solve the problem",
              "Finish with the final answer alone, simplified, inside <answer></answer> tags, for example "
              "<answer>42</answer>."};
    case TaskType::choice:
      return {"Question", "question", "answer the multiple-choice question",
              "Finish with the letter of the correct option, one of A, B, C, D or E, alone inside "
              "<answer></answer> tags, for example <answer>C</answer>."};
    case TaskType::reasoning_choice:
      return {"Question", "question", "answer the multiple-choice question",
              "Finish with the letter of the correct option, one of A, B, C or D, alone inside "
              "<answer></answer> tags, for example <answer>B</answer>."};
    case TaskType::code:
      return {"Task", "task", "write the Python function the task asks for",
              "Finish with the complete solution as one self-contained Python function (with any imports "
              "it needs) in a single ```python code block. Type hints and docstrings are not required."};
    case TaskType::exact:
      return {"Question", "question", "answer the question",
              "Finish with the final answer alone, written exactly as it should be read, inside "
              "<answer></answer> tags."};
  }
  return words(TaskType::math);
}

std::string s(std::string_view v) { return std::string(v); }

std::string predictor(const TaskWords& w, TaskType task) {
  std::string how = task == TaskType::code
                        ? "Work out the approach step by step before you write the code."
                        : "Think it through step by step and check each step before moving on.";
  return "Your job is to " + s(w.solve) + " below. " + how + " " + s(w.answer_rule) +
         "\n\nNotes from earlier agents (may be empty):\n{context}\n\n" + s(w.problem) + ":\n{question}\n";
}

std::string reflector(const TaskWords& w, TaskType task) {
  std::string check = task == TaskType::code
                          ? "Check whether the approach described below is correct and complete: look for wrong "
                            "logic, missed cases and anything the task asks for that it does not do."
                          : "Check the reasoning described below step by step: look for wrong assumptions, "
                            "arithmetic slips and steps that do not follow.";
  return "Your job is to review a proposed solution and improve on it. " + check +
         " Say what is wrong, if anything, then give your own final answer. " + s(w.answer_rule) + "\n\n" +
         s(w.problem) + ":\n{question}\n\nProposed solution:\n{context}\n";
}

// The hierarchical first layer: one body, a different persona sentence, and only {question}.
std::string persona(std::string_view who, const TaskWords& w) {
  return s(who) + " Use what your field knows best to " + s(w.solve) +
         " below, reasoning step by step. " + s(w.answer_rule) + "\n\n" + s(w.problem) + ":\n{question}\n";
}

std::string summarizer(const TaskWords& w) {
  return "You make the final decision. Specialists have each worked on the " + s(w.noun) +
         " below; weigh their contributions, settle any disagreement by checking the reasoning yourself, "
         "and give the final answer. " +
         s(w.answer_rule) + "\n\n" + s(w.problem) + ":\n{question}\n\nContent from previous agents:\n{context}\n";
}

std::string debater(const TaskWords& w) {
  return "Two solvers have each attempted the " + s(w.noun) +
         " below. Compare their solutions, decide which reasoning holds up (or whether both fail), "
         "and give the final answer. " +
         s(w.answer_rule) + "\n\n" + s(w.problem) + ":\n{question}\n\nThe solvers' solutions:\n{context}\n";
}

std::string aggregator(const TaskWords& w) {
  return "Several independent solutions to the " + s(w.noun) +
         " below are given. Find the answer that the soundest reasoning supports, which need not be "
         "the most common one, and give it as the final answer. " +
         s(w.answer_rule) + "\n\n" + s(w.problem) + ":\n{question}\n\nThe solutions:\n{context}\n";
}

}  // namespace

namespace detail {

const std::vector<std::string_view>& seed_types() {
  static const std::vector<std::string_view> types = {"Predictor",   "Reflector",  "MathAgent", "ScienceAgent",
                                                      "CodeAgent",   "Summarizer", "Debater",   "Aggregator"};
  return types;
}

}  // namespace detail

std::string seed_template(std::string_view agent_type, TaskType task) {
  TaskWords w = words(task);
  if (agent_type == "Predictor") return predictor(w, task);
  if (agent_type == "Reflector") return reflector(w, task);
  if (agent_type == "MathAgent") return persona("You are a mathematician.", w);
  if (agent_type == "ScienceAgent") return persona("You are a scientist.", w);
  if (agent_type == "CodeAgent") return persona("You are a programmer.", w);
  if (agent_type == "Summarizer") return summarizer(w);
  if (agent_type == "Debater") return debater(w);
  if (agent_type == "Aggregator") return aggregator(w);
  std::vector<std::string> known(detail::seed_types().begin(), detail::seed_types().end());
  throw InputError("no seed template for agent type `" + std::string(agent_type) +
                   "` (types with one: " + detail::join(known) + ")");
}

}  // namespace maspo::mas
