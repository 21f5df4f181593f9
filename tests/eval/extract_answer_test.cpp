// Answer extraction: <answer> tags, \boxed, fallbacks, HTML entities.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

struct ExtractCase {
  std::string output;
  std::string answer;
  std::string method;
};

TEST(ExtractAnswer, Table) {
  const std::vector<ExtractCase> cases = {
      // <answer> tags
      {"<answer>42</answer>", "42", "answer_tag"},
      {"reasoning... <answer> 42 </answer>", "42", "answer_tag"},
      {"<ANSWER>7</ANSWER>", "7", "answer_tag"},
      {"<Answer>x=3</Answer>", "x=3", "answer_tag"},
      {"<answer>1</answer> then I changed my mind <answer>2</answer>", "2", "answer_tag"},
      {"<answer>5</answer> and the format is <answer></answer>", "5", "answer_tag"},
      {"<answer>\\boxed{17}</answer>", "17", "answer_tag"},
      {"<answer>The value is \\boxed{\\frac{1}{2}}.</answer>", "\\frac{1}{2}", "answer_tag"},
      {"<answer>(C)</answer>", "(C)", "answer_tag"},
      {"&lt;answer&gt;12&lt;/answer&gt;", "12", "answer_tag"},
      {"&amp;lt;answer&amp;gt;13&amp;lt;/answer&amp;gt;", "13", "answer_tag"},
      {"&amp;amp;lt;answer&amp;amp;gt;14&amp;amp;lt;/answer&amp;amp;gt;", "14", "answer_tag"},
      {"<answer>x &lt; 3</answer>", "x < 3", "answer_tag"},
      {"<answer>it&#39;s 4</answer>", "it's 4", "answer_tag"},
      {"<answer>&quot;yes&quot;</answer>", "\"yes\"", "answer_tag"},
      {"\\boxed{3} but <answer>4</answer>", "4", "answer_tag"},
      {"<answer>\n  multi\n  line\n</answer>", "multi\n  line", "answer_tag"},
      {"so <answer>9 (truncated", "9 (truncated", "answer_tag"},
      {"<answer>\\boxed{}</answer>", "\\boxed{}", "answer_tag"},
      // \boxed
      {"The answer is $\\boxed{5}$.", "5", "boxed"},
      {"\\boxed{1} first, finally \\boxed{2}", "2", "boxed"},
      {"\\boxed{\\frac{1}{2}}", "\\frac{1}{2}", "boxed"},
      {"\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "\\left( 3, \\frac{\\pi}{2} \\right)", "boxed"},
      {"\\boxed{\\{1, 2\\}}", "\\{1, 2\\}", "boxed"},
      {"\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "boxed"},
      {"\\fbox{8}", "8", "boxed"},
      {"\\boxed 5", "5", "boxed"},
      {"so $\\boxed 5$.", "5", "boxed"},
      {"\\boxed 7.", "7", "boxed"},
      {"\\boxed{ 6 }", "6", "boxed"},
      {"\\boxed{3} and then \\boxed{4", "3", "boxed"},
      {"\\boxed{10} and \\boxed{}", "10", "boxed"},
      {"\\boxed {12}", "12", "boxed"},
      {"\\fbox{1} \\boxed{2} \\fbox{3}", "3", "boxed"},
      {"&lt;b&gt;\\boxed{2}", "2", "boxed"},
      // fallback markers
      {"Let me think.\nThe answer is 42.", "42", "fallback"},
      {"The answer is: 7", "7", "fallback"},
      {"Answer: 12", "12", "fallback"},
      {"Final answer: x = 2", "x = 2", "fallback"},
      {"**Final Answer:** 15", "15", "fallback"},
      {"**Answer**: (B)", "(B)", "fallback"},
      {"So the answer is (A).", "(A)", "fallback"},
      {"the answer is 3.\nThanks for asking!", "3", "fallback"},
      {"Answer: 1\nWait, recheck.\nAnswer: 2", "2", "fallback"},
      {"Final answer:\n\n  99  \n", "99", "fallback"},
      {"the final answer is $\\frac{3}{4}$", "$\\frac{3}{4}$", "fallback"},
      {"THE ANSWER IS 8", "8", "fallback"},
      {"My answer is 11", "11", "fallback"},
      // "answer" not used as a marker falls through to the last line
      {"I need to answer this.\n17", "17", "fallback"},
      {"The answers are below\n4, 5", "4, 5", "fallback"},
      // last non-empty line
      {"Step 1\nStep 2\n\n  36  \n\n", "36", "fallback"},
      {"just one line", "just one line", "fallback"},
      {"x\n**24**", "24", "fallback"},
      // nothing at all
      {"", "", "none"},
      {"   \n\n  ", "", "none"},
  };
  for (const auto& c : cases) {
    const Extraction e = extract_answer(c.output);
    EXPECT_EQ(e.answer, c.answer) << "output: " << c.output;
    EXPECT_EQ(e.method, c.method) << "output: " << c.output;
  }
}

TEST(ExtractAnswer, LongFallbackIsCut) {
  const std::string line(1000, 'x');
  const Extraction e = extract_answer("intro\n" + line);
  EXPECT_EQ(e.method, "fallback");
  EXPECT_EQ(e.answer.size(), 300U);
}

struct BoxedCase {
  std::string text;
  std::optional<std::string> content;
};

TEST(LastBoxed, Table) {
  const std::vector<BoxedCase> cases = {
      {"\\boxed{5}", "5"},
      {"no box here", std::nullopt},
      {"\\boxed{a{b}c}", "a{b}c"},
      {"\\boxed{\\frac{\\sqrt{2}}{2}}", "\\frac{\\sqrt{2}}{2}"},
      {"\\boxed{1} \\boxed{2}", "2"},
      {"\\boxed{unbalanced", std::nullopt},
      {"\\boxed{ok} \\boxed{unbalanced", "ok"},
      {"\\fbox{x}", "x"},
      {"\\boxed 9", "9"},
      {"\\boxed{}", std::nullopt},
      {"\\boxedfoo{1}", std::nullopt},
      {"\\boxed{\\text{(C)}}", "\\text{(C)}"},
      {"\\boxed{\\{1,2\\}}", "\\{1,2\\}"},
      {"$\\boxed{-\\infty}$", "-\\infty"},
  };
  for (const auto& c : cases) EXPECT_EQ(last_boxed(c.text), c.content) << c.text;
}

}  // namespace
}  // namespace maspo::eval
