// MATH-style and GSM8K specifics.
#include <gtest/gtest.h>

#include "maspo/data.hpp"
#include "support/temp_dir.hpp"

namespace maspo::data {
namespace {

TEST(MathFormats, UnorderedAnswerWhenAllValuesAreAskedForAsACommaList) {
  testing::TempDir dir;
  const auto path = dir.write(
      "math_500.jsonl",
      R"({"problem": "Enter all the solutions, separated by commas.", "answer": " 1,-2 "})" "\n"
      R"j({"problem": "Enter the ordered pair $(a,b)$, separated by commas.", "answer": "(1,2)"})j" "\n"
      R"({"problem": "Compute $1+1$.", "answer": "2"})" "\n");
  const Dataset d = load_dataset("m", path);
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_TRUE(d.examples[0].unordered_answer);
  EXPECT_EQ(d.examples[0].gold, "1,-2");  // trimmed
  EXPECT_FALSE(d.examples[1].unordered_answer);
  EXPECT_FALSE(d.examples[2].unordered_answer);
  EXPECT_EQ(d.examples[2].id, "m-3");  // no unique_id: name-line
}

TEST(MathFormats, Gsm8kGoldIsTheNumberAfterTheLastMark) {
  testing::TempDir dir;
  const auto path = dir.write("gsm8k.jsonl",
                              R"({"question": "q", "answer": "a <<2*3=6>>6\n#### 1,000,000"})" "\n"
                              R"({"question": "r", "answer": "x\n####   12.50  "})" "\n");
  const Dataset d = load_dataset("g", path);
  EXPECT_EQ(d.examples[0].gold, "1000000");
  EXPECT_EQ(d.examples[1].gold, "12.50");
  EXPECT_EQ(d.examples[0].solution, "a <<2*3=6>>6\n#### 1,000,000");
  EXPECT_EQ(d.task, TaskType::math);
}

}  // namespace
}  // namespace maspo::data
