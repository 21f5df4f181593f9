#include <gtest/gtest.h>

#include "maspo/data.hpp"

namespace maspo::data {
namespace {

TEST(ExampleJson, ChoiceExample) {
  Example e;
  e.id = "aqua-3";
  e.question = "q\nOptions:\nA)1\nB)2";
  e.gold = "B";
  e.task = TaskType::choice;
  e.choices = {"1", "2"};
  e.solution = "because";
  e.line = 3;
  EXPECT_EQ(to_json(e), json::parse(R"({"id": "aqua-3", "question": "q\nOptions:\nA)1\nB)2", "gold": "B",
      "task": "choice", "line": 3, "unordered_answer": false, "choices": ["1", "2"], "solution": "because"})"));
}

TEST(ExampleJson, CodeExample) {
  Example e;
  e.id = "Mbpp/2";
  e.question = "Write f.";
  e.task = TaskType::code;
  e.code = CodeTests{"f", "", {"import math"}, "assert f() == 1\n", "def f():\n  return 1"};
  e.line = 1;
  EXPECT_EQ(to_json(e), json::parse(R"({"id": "Mbpp/2", "question": "Write f.", "gold": "", "task": "code", "line": 1,
      "unordered_answer": false, "code": {"entry_point": "f", "prompt": "", "test_imports": ["import math"],
      "test_code": "assert f() == 1\n", "canonical_solution": "def f():\n  return 1"}})"));
}

TEST(ExampleJson, UnorderedMathExample) {
  Example e;
  e.id = "m-1";
  e.question = "Enter all the solutions, separated by commas.";
  e.gold = "1,-2";
  e.unordered_answer = true;
  e.line = 1;
  const json j = to_json(e);
  EXPECT_EQ(j.at("unordered_answer"), true);
  EXPECT_EQ(j.at("task"), "math");
  EXPECT_FALSE(j.contains("choices"));
  EXPECT_FALSE(j.contains("code"));
  EXPECT_FALSE(j.contains("solution"));
}

}  // namespace
}  // namespace maspo::data
