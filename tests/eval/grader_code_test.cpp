// Code grading for real: the program runs in the bubblewrap sandbox. No skip when the sandbox is
// unavailable — it works on this machine and in CI, and a silent skip would hide a broken box.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/sandbox.hpp"

namespace maspo::eval {
namespace {

std::shared_ptr<const sandbox::Sandbox> shared_box() {
  static const auto box = [] {
    sandbox::Options options;
    options.limits.wall_s = 5.0;
    options.limits.cpu_s = 5.0;
    return std::make_shared<const sandbox::Sandbox>(options);
  }();
  return box;
}

data::Example mbpp() {
  data::Example example;
  example.id = "mbpp-2";
  example.task = data::TaskType::code;
  data::CodeTests tests;
  tests.entry_point = "hypot";
  tests.test_imports = {"import math"};
  tests.test_code =
      "assert math.isclose(hypot(3, 4), 5.0)\n"
      "assert math.isclose(hypot(5, 12), 13.0)\n";
  example.code = tests;
  return example;
}

data::Example humaneval() {
  data::Example example;
  example.id = "HumanEval/x";
  example.task = data::TaskType::code;
  data::CodeTests tests;
  tests.entry_point = "below_zero";
  tests.prompt =
      "from typing import List\n\n\n"
      "def below_zero(operations: List[int]) -> bool:\n"
      "    \"\"\" True when the running balance ever drops below zero.\n"
      "    >>> below_zero([1, 2, -4, 5])\n"
      "    True\n"
      "    \"\"\"\n";
  tests.test_code =
      "def check(candidate):\n"
      "    assert candidate([]) == False\n"
      "    assert candidate([1, 2, -3, 1, 2, -3]) == False\n"
      "    assert candidate([1, 2, -4, 5, 6]) == True\n\n"
      "check(below_zero)\n";
  example.code = tests;
  return example;
}

class GraderCode : public ::testing::Test {
 protected:
  Grader grader_{shared_box()};
};

TEST_F(GraderCode, CorrectMbppSolutionPasses) {
  const Grade grade = grader_.grade(
      mbpp(), "Here you go:\n```python\ndef hypot(a, b):\n    return math.sqrt(a * a + b * b)\n```\n");
  EXPECT_TRUE(grade.correct) << grade.detail;
  EXPECT_EQ(grade.status, "pass");
  EXPECT_EQ(grade.method, "code");
  EXPECT_TRUE(grade.detail.empty());
}

TEST_F(GraderCode, WrongMbppSolutionFails) {
  const Grade grade = grader_.grade(mbpp(), "```python\ndef hypot(a, b):\n    return a + b\n```");
  EXPECT_FALSE(grade.correct);
  EXPECT_EQ(grade.status, "fail");
  EXPECT_NE(grade.detail.find("AssertionError"), std::string::npos) << grade.detail;
}

TEST_F(GraderCode, BrokenSolutionIsAnError) {
  const Grade grade = grader_.grade(mbpp(), "```python\ndef hypot(a, b):\n    return (a +\n```");
  EXPECT_FALSE(grade.correct);
  EXPECT_EQ(grade.status, "error");
  EXPECT_NE(grade.detail.find("SyntaxError"), std::string::npos) << grade.detail;
}

TEST_F(GraderCode, InfiniteLoopTimesOut) {
  const Grade grade = grader_.grade(mbpp(), "```python\ndef hypot(a, b):\n    while True:\n        pass\n```");
  EXPECT_FALSE(grade.correct);
  EXPECT_EQ(grade.status, "timeout");
  EXPECT_FALSE(grade.detail.empty());
}

TEST_F(GraderCode, NoCodeIsNoAnswer) {
  const Grade grade = grader_.grade(mbpp(), "I cannot solve this.");
  EXPECT_FALSE(grade.correct);
  EXPECT_EQ(grade.status, "no_answer");
}

TEST_F(GraderCode, HumanEvalBodyOnlyCompletionPasses) {
  const Grade grade = grader_.grade(humaneval(),
                                    "    balance = 0\n"
                                    "    for op in operations:\n"
                                    "        balance += op\n"
                                    "        if balance < 0:\n"
                                    "            return True\n"
                                    "    return False\n");
  EXPECT_TRUE(grade.correct) << grade.detail;
  EXPECT_EQ(grade.status, "pass");
}

TEST_F(GraderCode, HumanEvalFullSolutionUsesThePromptImports) {
  // The solution uses List without importing it: the prompt's "from typing import List" is there.
  const Grade grade = grader_.grade(humaneval(),
                                    "```python\n"
                                    "def below_zero(operations: List[int]) -> bool:\n"
                                    "    total = 0\n"
                                    "    for op in operations:\n"
                                    "        total += op\n"
                                    "        if total < 0:\n"
                                    "            return True\n"
                                    "    return False\n"
                                    "```");
  EXPECT_TRUE(grade.correct) << grade.detail;
}

TEST_F(GraderCode, HumanEvalWrongSolutionFails) {
  const Grade grade =
      grader_.grade(humaneval(), "```python\ndef below_zero(operations):\n    return sum(operations) < 0\n```");
  EXPECT_FALSE(grade.correct);
  EXPECT_EQ(grade.status, "fail");
}

}  // namespace
}  // namespace maspo::eval
