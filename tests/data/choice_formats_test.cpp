// AQuA and GPQA specifics: gold letters, folded options, the seeded shuffle of raw GPQA.
#include <gtest/gtest.h>

#include <set>

#include "dataset_dirs.hpp"
#include "maspo/data.hpp"
#include "support/temp_dir.hpp"

namespace maspo::data {
namespace {

TEST(Gpqa, LetterFormKeepsTheQuestionAndChecksTheLetter) {
  const Dataset d = load_dataset("gpqa", testing::fixture_datasets() / "gpqa/gpqa_diamond.jsonl");
  EXPECT_EQ(d.format, "gpqa");
  EXPECT_EQ(d.task, TaskType::reasoning_choice);
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_EQ(d.examples[0].id, "rec-1");
  EXPECT_EQ(d.examples[0].gold, "B");
  EXPECT_EQ(d.examples[1].gold, "D");
  EXPECT_EQ(d.examples[0].question,
            "Which particle mediates the electromagnetic force?\nA) gluon\nB) photon\nC) W boson\nD) graviton");
  EXPECT_TRUE(d.examples[0].choices.empty());
}

TEST(Gpqa, RawFieldsAreShuffledTheSameWayEveryTime) {
  const auto path = testing::fixture_datasets() / "gpqa/gpqa_raw.jsonl";
  const Dataset d = load_dataset("gpqa", path);
  ASSERT_EQ(d.examples.size(), 3u);
  const std::vector<std::string> correct = {"photon", "+7", "mitochondrion"};
  for (std::size_t i = 0; i < d.examples.size(); ++i) {
    const Example& e = d.examples[i];
    ASSERT_EQ(e.choices.size(), 4u);
    ASSERT_EQ(e.gold.size(), 1u);
    // The gold letter points at the correct answer, and the question lists the same options.
    EXPECT_EQ(e.choices[static_cast<std::size_t>(e.gold[0] - 'A')], correct[i]) << e.id;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::string option = std::string(1, static_cast<char>('A' + k)) + ") " + e.choices[k];
      EXPECT_NE(e.question.find("\n" + option), std::string::npos) << option;
    }
  }
  EXPECT_EQ(d.examples[0].id, "recA");
  EXPECT_EQ(d.examples[0].question.rfind("Which particle mediates the electromagnetic force?\nOptions:\nA) ", 0), 0u);
  // Pinned (an independent Python FNV-1a + mt19937_64 gives the same): a change in the hash or
  // the shuffle changes published gold letters and must be deliberate.
  EXPECT_EQ(d.examples[0].gold + d.examples[1].gold + d.examples[2].gold, "ACA");

  const Dataset again = load_dataset("other_name", path);
  for (std::size_t i = 0; i < d.examples.size(); ++i) EXPECT_EQ(to_json(again.examples[i]), to_json(d.examples[i]));
}

TEST(Gpqa, ShuffleSpreadsTheCorrectAnswerOverAllLetters) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += R"({"Record ID": "r)" + std::to_string(i) +
            R"(", "Question": "q", "Correct Answer": "yes", "Incorrect Answer 1": "n1", "Incorrect Answer 2": "n2", "Incorrect Answer 3": "n3"})" "\n";
  }
  const Dataset d = load_dataset("gpqa", dir.write("raw.jsonl", text));
  std::set<std::string> letters;
  for (const auto& e : d.examples) letters.insert(e.gold);
  EXPECT_EQ(letters, (std::set<std::string>{"A", "B", "C", "D"}));
}

TEST(Aqua, GoldLetterSpellingsAndTheAnswerKey) {
  testing::TempDir dir;
  const auto path = dir.write("aqua.jsonl",
                              R"({"question": "q1", "options": ["A)1", "B)2", "C)3"], "correct": " b "})" "\n"
                              R"j({"question": "q2", "options": ["A) 1", "B) 2"], "answer": "(A)"})j" "\n");
  const Dataset d = load_dataset("aqua", path);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].gold, "B");
  EXPECT_EQ(d.examples[0].question, "q1\nOptions:\nA)1\nB)2\nC)3");
  EXPECT_EQ(d.examples[0].choices, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(d.examples[1].gold, "A");
  EXPECT_TRUE(d.examples[1].solution.empty());
}

}  // namespace
}  // namespace maspo::data
