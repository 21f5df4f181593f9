// extract_code and build_test_program (no sandbox needed: the program text is checked).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

struct CodeCase {
  std::string name;
  std::string output;
  std::string code;
};

TEST(ExtractCode, Table) {
  const std::vector<CodeCase> cases = {
      {"python fence", "Here:\n```python\ndef f(x):\n    return x + 1\n```\nDone.", "def f(x):\n    return x + 1\n"},
      {"py fence", "```py\ndef f():\n    pass\n```", "def f():\n    pass\n"},
      {"python3 fence", "```Python3\ndef f():\n    return 3\n```", "def f():\n    return 3\n"},
      {"last python fence wins", "```python\ndef f():\n    return 1\n```\nbetter:\n```python\ndef f():\n    return 2\n```",
       "def f():\n    return 2\n"},
      {"python fence preferred over later plain fence with def",
       "```python\ndef f():\n    return 1\n```\n```\ndef g():\n    return 2\n```", "def f():\n    return 1\n"},
      {"python fence without def is skipped for one with def",
       "```python\ndef f():\n    return 1\n```\n```python\nprint(f())\n```", "def f():\n    return 1\n"},
      {"plain fence with def", "```\ndef f():\n    return 1\n```", "def f():\n    return 1\n"},
      {"other language tag with def", "```text\ndef f():\n    return 1\n```", "def f():\n    return 1\n"},
      {"imports kept", "```python\nimport math\n\ndef f(x):\n    return math.sqrt(x)\n```",
       "import math\n\ndef f(x):\n    return math.sqrt(x)\n"},
      {"unclosed fence", "```python\ndef f():\n    return 1\n", "def f():\n    return 1\n"},
      {"code tag", "<code>def f(x):\n    return x &lt; 3</code>", "def f(x):\n    return x < 3\n"},
      {"bare def up to prose",
       "Sure.\ndef f(x):\n    return x * 2\n\nThis doubles x.", "def f(x):\n    return x * 2\n"},
      {"bare def with import above and helper after",
       "import re\ndef f(s):\n    return g(s)\n\ndef g(s):\n    return s\nresult = f('a')\nThat is all.",
       "import re\ndef f(s):\n    return g(s)\n\ndef g(s):\n    return s\nresult = f('a')\n"},
      {"fenced body only (HumanEval completion)", "```python\n    return sorted(l)\n```", "    return sorted(l)\n"},
      {"bare indented body", "    return a + b\n", "    return a + b\n"},
      {"bare indented body stops at prose", "    x = 1\n    return x\nExplanation: one.", "    x = 1\n    return x\n"},
      {"class with method", "```python\nclass S:\n    def f(self):\n        return 1\n```",
       "class S:\n    def f(self):\n        return 1\n"},
      {"async def", "```python\nasync def f():\n    return 1\n```", "async def f():\n    return 1\n"},
      {"nothing", "I don't know.", ""},
      {"empty", "", ""},
      {"prose mentioning def", "You should define a function.", ""},
      {"fence with only prose-like content and no def", "```\nhello world\n```", "hello world\n"},
      {"blank lines trimmed", "```python\n\n\ndef f():\n    return 1\n\n\n```", "def f():\n    return 1\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(extract_code(c.output), c.code) << c.name;
}

data::Example mbpp_example() {
  data::Example example;
  example.id = "mbpp-1";
  example.task = data::TaskType::code;
  data::CodeTests tests;
  tests.entry_point = "add";
  tests.test_imports = {"import math"};
  tests.test_code = "assert add(1, 2) == 3\nassert add(2, 2) == 4\n";
  example.code = tests;
  return example;
}

data::Example humaneval_example() {
  data::Example example;
  example.id = "HumanEval/1";
  example.task = data::TaskType::code;
  data::CodeTests tests;
  tests.entry_point = "sort_list";
  tests.prompt =
      "from typing import List\n\n\ndef helper(x: int) -> int:\n    return x\n\n\n"
      "def sort_list(l: List[int]) -> List[int]:\n    \"\"\" Sort.\n    >>> sort_list([2, 1])\n    [1, 2]\n    \"\"\"\n";
  tests.test_code = "def check(candidate):\n    assert candidate([3, 1, 2]) == [1, 2, 3]\n\ncheck(sort_list)\n";
  example.code = tests;
  return example;
}

TEST(BuildTestProgram, MbppPutsImportsCodeThenTests) {
  const std::string program = build_test_program(mbpp_example(), "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(program, "import math\ndef add(a, b):\n    return a + b\n\n\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n");
}

TEST(BuildTestProgram, HumanEvalFullSolutionGetsPromptPreamble) {
  const std::string code = "def sort_list(l):\n    return sorted(l)\n";
  const std::string program = build_test_program(humaneval_example(), code);
  EXPECT_EQ(program,
            "from typing import List\n\n\ndef helper(x: int) -> int:\n    return x\n\n\n\n"
            "def sort_list(l):\n    return sorted(l)\n\n\n"
            "def check(candidate):\n    assert candidate([3, 1, 2]) == [1, 2, 3]\n\ncheck(sort_list)\n");
}

TEST(BuildTestProgram, HumanEvalBodyIsJoinedToThePrompt) {
  const auto example = humaneval_example();
  const std::string program = build_test_program(example, "    return sorted(l)\n");
  EXPECT_EQ(program, example.code->prompt + "    return sorted(l)\n\n\n" + example.code->test_code);
}

TEST(BuildTestProgram, DedentedBodyIsIndented) {
  const auto example = humaneval_example();
  const std::string program = build_test_program(example, "s = sorted(l)\n\nreturn s\n");
  EXPECT_NE(program.find("\"\"\"\n    s = sorted(l)\n\n    return s\n"), std::string::npos) << program;
}

TEST(BuildTestProgram, MissingCheckCallIsAdded) {
  auto example = humaneval_example();
  example.code->test_code = "def check(candidate):\n    assert candidate([2, 1]) == [1, 2]\n";
  const std::string program = build_test_program(example, "    return sorted(l)\n");
  EXPECT_TRUE(program.ends_with("check(sort_list)\n")) << program;
}

TEST(BuildTestProgram, NonCodeExampleIsRejected) {
  data::Example example;
  example.id = "m1";
  EXPECT_THROW(build_test_program(example, "def f(): pass"), std::invalid_argument);
}

TEST(VoteKey, CodeIgnoresCommentsAndBlankLines) {
  const std::string a = "```python\n# add two numbers\ndef add(a, b):\n\n    return a + b  # sum\n```";
  const std::string b = "```python\ndef add(a, b):\n    return a + b\n```";
  EXPECT_EQ(vote_key(a, data::TaskType::code), vote_key(b, data::TaskType::code));
  EXPECT_EQ(vote_key(b, data::TaskType::code), "def add(a, b):\n    return a + b\n");
  const std::string c = "```python\ndef add(a, b):\n    return '#' + a  # not a comment inside the string\n```";
  EXPECT_EQ(vote_key(c, data::TaskType::code), "def add(a, b):\n    return '#' + a\n");
  const std::string d = "```python\ndef f():\n    \"\"\"Doc # kept\n\n    more\"\"\"\n    return 1\n```";
  EXPECT_EQ(vote_key(d, data::TaskType::code), "def f():\n    \"\"\"Doc # kept\n\n    more\"\"\"\n    return 1\n");
  EXPECT_EQ(vote_key("no code", data::TaskType::code), "");
}

}  // namespace
}  // namespace maspo::eval
