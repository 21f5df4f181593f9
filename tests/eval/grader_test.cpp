// Grader on math / choice / exact examples, vote_key, and the no-sandbox contract for code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/sandbox.hpp"

namespace maspo::eval {
namespace {

data::Example make(data::TaskType task, std::string gold, std::vector<std::string> choices = {}) {
  data::Example example;
  example.id = "ex";
  example.task = task;
  example.gold = std::move(gold);
  example.choices = std::move(choices);
  return example;
}

struct GradeCase {
  data::Example example;
  std::string output;
  bool correct;
  std::string status;
};

TEST(Grader, NonCodeTable) {
  using data::TaskType;
  auto unordered = make(TaskType::math, "-4, 6");
  unordered.unordered_answer = true;
  const std::vector<GradeCase> cases = {
      {make(TaskType::math, "\\frac{1}{2}"), "so \\boxed{0.5}", true, "correct"},
      {make(TaskType::math, "\\frac{1}{2}"), "<answer>1/2</answer>", true, "correct"},
      {make(TaskType::math, "\\frac{1}{2}"), "The answer is 0.5.", true, "correct"},
      {make(TaskType::math, "\\frac{1}{2}"), "\\boxed{2}", false, "wrong"},
      {make(TaskType::math, "1000"), "\\boxed{100}", false, "wrong"},
      {make(TaskType::math, "(3,4]"), "\\boxed{(3, 4]}", true, "correct"},
      {make(TaskType::math, "(3,4]"), "\\boxed{[3, 4]}", false, "wrong"},
      {make(TaskType::math, "5"), "", false, "no_answer"},
      {unordered, "\\boxed{6, -4}", true, "correct"},
      {make(TaskType::math, "-4, 6"), "\\boxed{6, -4}", false, "wrong"},
      {make(TaskType::choice, "C"), "The answer is (C).", true, "correct"},
      {make(TaskType::choice, "C"), "<answer>C</answer>", true, "correct"},
      {make(TaskType::choice, "(C)"), "\\boxed{\\text{(C)}}", true, "correct"},
      {make(TaskType::choice, "C"), "<answer>B</answer>", false, "wrong"},
      {make(TaskType::choice, "C"), "<answer>A car</answer>", false, "no_answer"},
      {make(TaskType::choice, "C"), "<answer>F</answer>", false, "no_answer"},
      {make(TaskType::choice, "C"), "<answer>C or D</answer>", false, "no_answer"},
      // the option's text instead of its letter, when the example lists the options
      {make(TaskType::choice, "C", {"12", "24", "42", "48", "64"}), "<answer>42</answer>", true, "correct"},
      {make(TaskType::choice, "C", {"12", "24", "42", "48", "64"}), "<answer>48</answer>", false, "wrong"},
      {make(TaskType::reasoning_choice, "D"), "Answer: D", true, "correct"},
      {make(TaskType::reasoning_choice, "D"), "Answer: E", false, "no_answer"},
      {make(TaskType::reasoning_choice, "B", {"a", "b", "c", "d", "e", "f"}), "Answer: F", false, "wrong"},
      {make(TaskType::exact, "(A)"), "So the answer is (A).", true, "correct"},
      {make(TaskType::exact, "True"), "So the answer is true.", true, "correct"},
      {make(TaskType::exact, "] ] >"), "So the answer is ]]>.", true, "correct"},
      {make(TaskType::exact, "valid"), "So the answer is invalid.", false, "wrong"},
  };
  const Grader grader;
  for (const auto& c : cases) {
    const Grade grade = grader.grade(c.example, c.output);
    EXPECT_EQ(grade.correct, c.correct) << c.output << " gold " << c.example.gold;
    EXPECT_EQ(grade.status, c.status) << c.output << " gold " << c.example.gold << " detail " << grade.detail;
    EXPECT_EQ(grade.detail.empty(), grade.correct) << c.output << " detail " << grade.detail;
  }
}

TEST(Grader, RecordsExtractionAndMethod) {
  const Grader grader;
  const Grade grade = grader.grade(make(data::TaskType::math, "7"), "work...\n\\boxed{7}");
  EXPECT_EQ(grade.extracted, "7");
  EXPECT_EQ(grade.method, "boxed");
  EXPECT_EQ(grade.status, "correct");
}

TEST(Grader, CodeWithoutSandboxThrowsTheRecordedReason) {
  data::Example example = make(data::TaskType::code, "");
  example.code = data::CodeTests{};
  const Grader grader(nullptr, "bwrap: no user namespaces");
  try {
    grader.grade(example, "```python\ndef f():\n    return 1\n```");
    FAIL() << "expected sandbox::Unavailable";
  } catch (const sandbox::Unavailable& error) {
    EXPECT_STREQ(error.what(), "bwrap: no user namespaces");
  }
  EXPECT_THROW(Grader().grade(example, "def f(): pass"), sandbox::Unavailable);
}

struct VoteCase {
  std::string output;
  data::TaskType task;
  std::string key;
};

TEST(VoteKey, Table) {
  using data::TaskType;
  const std::vector<VoteCase> cases = {
      {"\\boxed{\\frac{1}{2}}", TaskType::math, "1/2"},
      {"<answer>\\dfrac12</answer>", TaskType::math, "1/2"},
      {"The answer is $1/2$.", TaskType::math, "1/2"},
      {"\\boxed{1,000}", TaskType::math, "1000"},
      {"\\boxed{x = 5}", TaskType::math, "5"},
      {"nothing", TaskType::math, "nothing"},
      {"", TaskType::math, ""},
      {"The answer is (C).", TaskType::choice, "C"},
      {"<answer>c</answer>", TaskType::choice, "C"},
      {"<answer>E</answer>", TaskType::reasoning_choice, ""},
      {"<answer>D</answer>", TaskType::reasoning_choice, "D"},
      {"no idea", TaskType::choice, ""},
      {"So the answer is (A).", TaskType::exact, "(a)"},
      {"So the answer is A.", TaskType::exact, "(a)"},
      {"So the answer is True.", TaskType::exact, "true"},
      {"So the answer is ] ] >.", TaskType::exact, "]]>"},
  };
  for (const auto& c : cases) EXPECT_EQ(vote_key(c.output, c.task), c.key) << c.output;
}

}  // namespace
}  // namespace maspo::eval
