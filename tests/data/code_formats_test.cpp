// MBPP / HumanEval specifics: which function the asserts call, the test program, alternate keys.
#include <gtest/gtest.h>

#include "data/python_calls.hpp"
#include "maspo/data.hpp"
#include "support/temp_dir.hpp"

namespace maspo::data {
namespace {

using Names = std::vector<std::string>;

TEST(PythonCalls, FindsPlainCallsOnly) {
  using detail::called_functions;
  EXPECT_EQ(called_functions("assert set(similar_elements((3, 4), x)) == set((4,))"),
            (Names{"set", "similar_elements"}));
  // Not inside strings, not methods, not keywords.
  EXPECT_EQ(called_functions(R"j(assert f("g(x)") == 'h(y)' and not (k (1)))j"), (Names{"f", "k"}));
  EXPECT_EQ(called_functions("assert math.isclose(area(2), 3.14) # see(x)"), (Names{"area"}));
  EXPECT_EQ(called_functions("assert f('''a\n b(c)''') == r\"\\\"(d)\""), (Names{"f"}));
}

TEST(PythonCalls, TopLevelDefsOnly) {
  EXPECT_EQ(detail::top_level_functions("import math\ndef a(x):\n  def inner(): pass\n  return x\nasync def b():\n  pass\n"),
            (Names{"a", "b"}));
}

TEST(PythonCalls, TestedFunctionPrefersADefTheTestsCall) {
  using detail::tested_function;
  EXPECT_EQ(tested_function("def helper(n):\n  return n\ndef main_fn(n):\n  return helper(n)\n",
                            "assert main_fn(2) == 2\n"),
            "main_fn");
  // No def (a lambda): the first non-builtin call.
  EXPECT_EQ(tested_function("f = lambda x: x", "assert abs(f(1) - 1) < 1e-9\n"), "f");
  EXPECT_EQ(tested_function("x = 1", "assert sorted([2, 1]) == [1, 2]\n"), "");
}

TEST(Mbpp, FullReleaseTextKeyAndStringIdsAndTestImports) {
  testing::TempDir dir;
  const auto path = dir.write(
      "mbpp.jsonl",
      R"({"task_id": "11", "text": "Write a function to add.", "code": "import math\ndef add(a, b):\n    return a + b", )"
      R"j("test_imports": ["import math"], "test_list": ["assert add(1, 2) == 3", "assert math.isclose(add(0.1, 0.2), 0.3)"]})j"
      "\n");
  const Dataset d = load_dataset("mbpp", path);
  const Example& e = d.examples.at(0);
  EXPECT_EQ(e.id, "Mbpp/11");
  EXPECT_EQ(e.question, "Write a function to add.\nYour code should pass this test:\nassert add(1, 2) == 3");
  ASSERT_TRUE(e.code);
  EXPECT_EQ(e.code->entry_point, "add");
  EXPECT_EQ(e.code->test_imports, (Names{"import math"}));
  EXPECT_EQ(e.code->test_code, "assert add(1, 2) == 3\nassert math.isclose(add(0.1, 0.2), 0.3)\n");
  EXPECT_EQ(e.code->canonical_solution, "import math\ndef add(a, b):\n    return a + b");
}

TEST(HumanEval, TestProgramCallsCheckAndSolutionIsAProgram) {
  testing::TempDir dir;
  const auto path = dir.write(
      "humaneval.jsonl",
      R"({"task_id": "HumanEval/7", "prompt": "def inc(x):\n    \"\"\"Add one.\"\"\"\n", "entry_point": "inc", )"
      R"("canonical_solution": "    return x + 1\n", "test": "def check(candidate):\n    assert candidate(1) == 2\n"})"
      "\n");
  const Example e = load_dataset("he", path).examples.at(0);
  EXPECT_EQ(e.id, "HumanEval/7");
  EXPECT_EQ(e.question, "def inc(x):\n    \"\"\"Add one.\"\"\"\n");
  EXPECT_EQ(e.code->test_code, "def check(candidate):\n    assert candidate(1) == 2\n\ncheck(inc)\n");
  EXPECT_EQ(e.code->canonical_solution, "def inc(x):\n    \"\"\"Add one.\"\"\"\n    return x + 1\n");
  EXPECT_EQ(e.task, TaskType::code);
  EXPECT_TRUE(e.gold.empty());
}

TEST(HumanEvalEt, UpstreamTestCaseListKey) {
  testing::TempDir dir;
  const auto path = dir.write(
      "HumanEval_ET.jsonl",
      R"({"task_id": "HumanEval/7", "prompt": "def inc(x):\n", "entry_point": "inc", "canonical_solution": "    return x + 1\n", )"
      R"("test": "def check(candidate): pass", "test_case_list": ["assert inc(1) == 2", "assert inc(-1) == 0"]})"
      "\n");
  const Example e = load_dataset("he", path).examples.at(0);
  EXPECT_EQ(e.code->test_code, "assert inc(1) == 2\nassert inc(-1) == 0\n");
}

}  // namespace
}  // namespace maspo::data
