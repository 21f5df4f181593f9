// The judge's and the optimizer's requests: what each must contain (MASPO.md §3.3, §5), the
// sampling parameters, and that templates and placeholders reach the model exactly as written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/mas.hpp"
#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

using data::TaskType;

const std::vector<TaskType> kTasks = {TaskType::math, TaskType::choice, TaskType::reasoning_choice, TaskType::code,
                                      TaskType::exact};

bool has(const std::string& text, std::string_view needle) { return text.find(needle) != std::string::npos; }

JudgeInput judge_input(Comparison kind) {
  JudgeInput in;
  in.kind = kind;
  in.problem = "PROBLEM-TEXT {question} {{x}}";
  in.candidate = "CAND";
  in.reference = "REF";
  in.agent_type = "Reflector";
  in.agent_role = "ROLE-LINE";
  return in;
}

TEST(JudgeRequest, EveryKindAndTask) {
  Settings s;
  s.judge_max_tokens = 111;
  s.terminal_judge_max_tokens = 2222;
  for (TaskType task : kTasks) {
    for (Comparison kind : {Comparison::intermediate, Comparison::final, Comparison::terminal}) {
      SCOPED_TRACE(std::string(data::to_string(task)) + "/" + std::string(to_string(kind)));
      llm::Request r = judge_request(judge_input(kind), task, "FIRST-OUT", "SECOND-OUT", s);
      ASSERT_EQ(r.messages.size(), 1u);
      EXPECT_EQ(r.messages[0].role, "user");
      EXPECT_EQ(r.temperature, 0.0);
      EXPECT_EQ(r.max_tokens, kind == Comparison::terminal ? 2222 : 111);
      const std::string& t = r.messages[0].content;
      // The problem verbatim (braces and all), then A, then B.
      auto p = t.find("PROBLEM-TEXT {question} {{x}}");
      auto a = t.find("FIRST-OUT");
      auto b = t.find("SECOND-OUT");
      ASSERT_NE(p, std::string::npos);
      ASSERT_NE(a, std::string::npos);
      ASSERT_NE(b, std::string::npos);
      EXPECT_LT(p, a);
      EXPECT_LT(a, b);
      EXPECT_FALSE(has(t, "CAND"));  // judge_request shows `first` and `second`, not the input's fields
      if (kind == Comparison::terminal) {
        EXPECT_TRUE(has(t, "Reflector"));
        EXPECT_TRUE(has(t, "ROLE-LINE"));
        EXPECT_TRUE(has(t, "<choose>A</choose>"));
        EXPECT_TRUE(has(t, "<choose>B</choose>"));
        EXPECT_TRUE(has(t, "Requirement:"));
        EXPECT_TRUE(has(t, "analysis"));
      } else {
        EXPECT_FALSE(has(t, "ROLE-LINE"));  // no role for the intermediate and final judges
        EXPECT_FALSE(has(t, "<choose>"));
        EXPECT_TRUE(has(t, "one letter only, A or B"));
      }
      if (kind == Comparison::intermediate) {
        EXPECT_TRUE(has(t, "correct final answer"));
      }
      if (kind == Comparison::final) {
        EXPECT_TRUE(has(t, "more likely to be correct"));
        EXPECT_TRUE(has(t, "Length, style and formatting earn nothing"));
      }
    }
  }
}

TEST(JudgeRequest, TaskSpecificCriteria) {
  Settings s;
  auto text = [&](TaskType task, Comparison kind) {
    return judge_request(judge_input(kind), task, "x", "y", s).messages[0].content;
  };
  EXPECT_TRUE(has(text(TaskType::code, Comparison::intermediate), "try/except"));
  EXPECT_TRUE(has(text(TaskType::code, Comparison::final), "edge cases"));
  EXPECT_TRUE(has(text(TaskType::reasoning_choice, Comparison::intermediate), "cut off"));
  EXPECT_TRUE(has(text(TaskType::reasoning_choice, Comparison::final), "option letters"));
  EXPECT_TRUE(has(text(TaskType::math, Comparison::intermediate), "intermediate results"));
  EXPECT_TRUE(has(text(TaskType::choice, Comparison::terminal), "single option letter"));
  EXPECT_TRUE(has(text(TaskType::choice, Comparison::final), "A, B, C, D or E"));
  EXPECT_TRUE(has(text(TaskType::reasoning_choice, Comparison::final), "A, B, C or D"));
}

mas::Agent agent(std::string type = "Predictor", std::string role = "Solves the question step by step.") {
  mas::Agent a;
  a.id = "predictor_1";
  a.type = std::move(type);
  a.role = std::move(role);
  return a;
}

std::vector<ProposalTrace> traces() {
  return {{"What is 2+2?", "", "It is <answer>4</answer>"},
          {"Sum {a, b}?", "Earlier agent: {context} said 3", "<answer>3</answer>"},
          {"P3", "", "O3"},
          {"P4", "ctx4", "O4"},
          {"P5", "", "O5"}};
}

TEST(ProposalRequest, Contents) {
  Settings s;
  s.optimizer_temperature = 0.9;
  s.optimizer_max_tokens = 4321;
  const std::string parent = "Think step by step.\nUse {{braces}} literally.\n\nQuestion: {question}\n";
  llm::Request r = proposal_request(agent(), TaskType::math, parent, traces(), s);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, "user");
  EXPECT_EQ(r.temperature, 0.9);
  EXPECT_EQ(r.max_tokens, 4321);
  const std::string& t = r.messages[0].content;
  EXPECT_TRUE(has(t, "You optimize the prompt of one agent in a multi-agent math problem-solving system"));
  EXPECT_TRUE(has(t, "role must be preserved"));
  EXPECT_TRUE(has(t, "Agent type: Predictor"));
  EXPECT_TRUE(has(t, "Role: Solves the question step by step."));
  for (int i = 1; i <= 5; ++i) {
    std::string n = std::to_string(i);
    EXPECT_TRUE(has(t, "[Problem " + n + "]")) << n;
    EXPECT_TRUE(has(t, "[Context " + n + "]")) << n;
    EXPECT_TRUE(has(t, "[Agent Output " + n + "]")) << n;
  }
  EXPECT_FALSE(has(t, "[Problem 6]"));
  EXPECT_TRUE(has(t, "[Context 1]\n(no context)\n"));
  EXPECT_TRUE(has(t, "[Context 2]\nEarlier agent: {context} said 3\n"));  // trace text verbatim
  EXPECT_TRUE(has(t, "Sum {a, b}?"));
  EXPECT_TRUE(has(t, "It is <answer>4</answer>"));
  // The requirements: the fixed sentence and the task's.
  EXPECT_TRUE(has(t, "Keep the agent's role, its responsibilities and the format of its input consistent"));
  EXPECT_TRUE(has(t, "exactly one final answer inside <answer></answer> tags"));
  EXPECT_TRUE(has(t, "step by step"));
  // The parent prompt, as written (escapes and placeholders untouched).
  EXPECT_TRUE(has(t, "[Reference prompt]\n" + parent + "[End of Reference prompt]"));
  // The output format.
  auto an = t.find("<analyse>");
  auto mo = t.find("<modification>");
  auto pr = t.rfind("<prompt>");
  ASSERT_NE(an, std::string::npos);
  ASSERT_NE(mo, std::string::npos);
  ASSERT_NE(pr, std::string::npos);
  EXPECT_LT(an, mo);
  EXPECT_LT(mo, pr);
  EXPECT_TRUE(has(t, "One sentence"));
  // A root parent: the optimizer is told not to add {context}.
  EXPECT_TRUE(has(t, "must not contain {context}"));
  EXPECT_FALSE(has(t, "300 words"));
  EXPECT_FALSE(has(t, "250 words"));
  // No scores, no labels.
  EXPECT_FALSE(has(t, "score"));
  EXPECT_FALSE(has(t, "gold"));
}

TEST(ProposalRequest, ContextParentKeepsContext) {
  const std::string parent = "Review:\n{context}\n\nQuestion: {question}\n";
  std::string t = proposal_request(agent("Reflector"), TaskType::choice, parent, traces(), Settings{}).messages[0].content;
  EXPECT_TRUE(has(t, "{context} by what the earlier agents passed on"));
  EXPECT_FALSE(has(t, "must not contain {context}"));
  EXPECT_TRUE(has(t, "Agent type: Reflector"));
  EXPECT_TRUE(has(t, "the letter of one option, alone"));
  EXPECT_TRUE(has(t, "multiple-choice math"));
}

TEST(ProposalRequest, TaskVariants) {
  const std::string parent = "Solve.\n\nQuestion: {question}\n";
  auto text = [&](TaskType task) {
    return proposal_request(agent(), task, parent, traces(), Settings{}).messages[0].content;
  };
  std::string code = text(TaskType::code);
  EXPECT_TRUE(has(code, "300 words"));
  EXPECT_TRUE(has(code, "(1)"));
  EXPECT_TRUE(has(code, "(4)"));
  EXPECT_TRUE(has(code, "no exception handling, no input validation, no type annotations"));
  EXPECT_TRUE(has(code, "```python"));
  EXPECT_TRUE(has(code, "code generation"));

  std::string reasoning = text(TaskType::reasoning_choice);
  EXPECT_TRUE(has(reasoning, "250 words"));
  EXPECT_TRUE(has(reasoning, "DO list"));
  EXPECT_TRUE(has(reasoning, "DON'T list"));
  EXPECT_TRUE(has(reasoning, "truncation"));
  EXPECT_FALSE(has(reasoning, "must reason step by step"));  // no step-by-step demand for reasoning tasks
  EXPECT_TRUE(has(reasoning, "scientific reasoning"));

  for (TaskType task : {TaskType::math, TaskType::choice, TaskType::exact}) {
    std::string t = text(task);
    EXPECT_FALSE(has(t, "300 words"));
    EXPECT_FALSE(has(t, "DO list"));
  }
}

TEST(ProposalRequest, EmptyRoleAndNoTraces) {
  mas::Agent a;
  a.id = "solo";
  std::string t = proposal_request(a, TaskType::math, "Q: {question}", {}, Settings{}).messages[0].content;
  EXPECT_TRUE(has(t, "Agent type: solo"));
  EXPECT_TRUE(has(t, "Role: (not described)"));
  EXPECT_TRUE(has(t, "on 0 problems"));
}

}  // namespace
}  // namespace maspo::opt
