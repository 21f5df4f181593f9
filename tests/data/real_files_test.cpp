// The real benchmark files load whole, with the right counts and fields. Each check runs on the
// fixture excerpts (always) and on shared/datasets (when present beside the checkout).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "dataset_dirs.hpp"
#include "maspo/data.hpp"

namespace maspo::data {
namespace {

namespace fs = std::filesystem;

struct FileCase {
  const char* name;      // dataset name given to the loader (MASPO's keys where it has one)
  const char* path;      // relative to the datasets root
  const char* format;    // what the guess must give
  TaskType task;
  std::size_t full;      // records in shared/datasets
  std::size_t excerpt;   // records in tests/fixtures/data
};

const FileCase kFiles[] = {
    {"math", "math500/math_500.jsonl", "math500", TaskType::math, 500, 4},
    {"agi", "agieval_math/test.jsonl", "agieval_math", TaskType::math, 256, 3},
    {"aqua", "aqua/aqua.jsonl", "aqua", TaskType::choice, 254, 3},
    {"aqua_test", "aqua/test.jsonl", "aqua", TaskType::choice, 254, 3},
    {"aqua_val", "aqua/val.jsonl", "aqua", TaskType::choice, 254, 3},
    {"gsm8k", "gsm8k/test.jsonl", "gsm8k", TaskType::math, 1319, 3},
    {"gsm8k_train", "gsm8k/train.jsonl", "gsm8k", TaskType::math, 7473, 3},
    {"mbpp", "mbpp/sanitized-mbpp.jsonl", "mbpp", TaskType::code, 427, 5},
    {"mbpp_json", "mbpp/sanitized-mbpp.json", "mbpp", TaskType::code, 427, 5},
    // MASPO's key `humaneval` means the ET file: the file name must win over the dataset name.
    {"humaneval", "humaneval_et/HumanEval_ET.jsonl", "humaneval_et", TaskType::code, 164, 3},
    {"humaneval_original", "humaneval/HumanEval.jsonl.gz", "humaneval", TaskType::code, 164, 3},
    {"bool", "bbh/bbh/boolean_expressions.json", "bbh", TaskType::exact, 250, 4},
    {"sports", "bbh/bbh/sports_understanding.json", "bbh", TaskType::exact, 250, 3},
};

void check_counts(const fs::path& root, bool full) {
  for (const auto& c : kFiles) {
    SCOPED_TRACE(c.path);
    const Dataset d = load_dataset(c.name, root / c.path);  // format guessed
    EXPECT_EQ(d.format, c.format);
    EXPECT_EQ(d.task, c.task);
    EXPECT_EQ(d.examples.size(), full ? c.full : c.excerpt);
    EXPECT_TRUE(d.skipped.empty());
    for (const auto& e : d.examples) {
      ASSERT_FALSE(e.id.empty());
      ASSERT_FALSE(e.question.empty());
      ASSERT_EQ(e.task, c.task);
      ASSERT_EQ(e.code.has_value(), c.task == TaskType::code) << e.id;
      if (c.task != TaskType::code) {
        ASSERT_FALSE(e.gold.empty()) << e.id;
      }
    }
  }
}

// Fields of the first records, which the excerpts share with the full files.
void check_first_items(const fs::path& root) {
  {
    const auto d = load_dataset("math", root / "math500/math_500.jsonl");
    const Example& e = d.examples.at(0);
    EXPECT_EQ(e.id, "test/precalculus/807.json");
    EXPECT_EQ(e.gold, "\\left( 3, \\frac{\\pi}{2} \\right)");
    EXPECT_EQ(e.question.rfind("Convert the point $(0,3)$ in rectangular coordinates", 0), 0u);
    EXPECT_NE(e.solution.find("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}"), std::string::npos);
    EXPECT_EQ(e.line, 1);
    EXPECT_FALSE(e.unordered_answer);
    EXPECT_EQ(d.examples.at(3).id, "test/number_theory/572.json");
  }
  {
    const auto d = load_dataset("agi", root / "agieval_math/test.jsonl");
    EXPECT_EQ(d.examples.at(0).id, "agi-1");  // no id in the file: name-line
    EXPECT_EQ(d.examples.at(0).gold, "(3,4]");
    EXPECT_EQ(d.examples.at(1).gold, "11");
    EXPECT_EQ(d.examples.at(1).line, 2);
    EXPECT_FALSE(d.examples.at(0).solution.empty());
  }
  {
    const auto d = load_dataset("aqua", root / "aqua/aqua.jsonl");
    const Example& e = d.examples.at(0);
    EXPECT_EQ(e.gold, "A");
    ASSERT_EQ(e.choices.size(), 5u);
    EXPECT_EQ(e.choices[0], "5 ( √ 3 + 1 )");
    EXPECT_EQ(e.choices[4], "None of these");
    const std::string options =
        "\nOptions:\nA ) 5 ( √ 3 + 1 )\nB ) 6 ( √ 3 + √ 2 )\nC ) 7 ( √ 3 – 1 )\nD ) 8 ( √ 3 – 2 )\nE ) None of these";
    ASSERT_GT(e.question.size(), options.size());
    EXPECT_EQ(e.question.substr(e.question.size() - options.size()), options);
    EXPECT_EQ(e.question.rfind("A car is being driven , in a straight line", 0), 0u);
    EXPECT_EQ(e.solution.rfind("Explanation :", 0), 0u);
    // MASPO's `problem` field is exactly what the agents saw: the folded question must equal it.
    std::ifstream in(root / "aqua/aqua.jsonl");
    std::string line;
    for (const Example& ex : d.examples) {
      ASSERT_TRUE(std::getline(in, line));
      EXPECT_EQ(ex.question, nlohmann::json::parse(line).at("problem").get<std::string>()) << ex.id;
    }
  }
  {
    const auto d = load_dataset("aqua_val", root / "aqua/val.jsonl");
    const Example& e = d.examples.at(0);
    EXPECT_EQ(e.id, "aqua_val-1");
    EXPECT_EQ(e.gold, "A");
    EXPECT_EQ(e.choices, (std::vector<std::string>{"32400", "6000", "600", "60000", "10"}));
    EXPECT_EQ(e.question, "Three birds are flying at a fast rate of 900 kilometers per hour. What is their speed in "
                          "miles per minute? [1km = 0.6 miles]\nOptions:\nA)32400\nB)6000\nC)600\nD)60000\nE)10");
    EXPECT_EQ(d.examples.at(1).gold, "D");
  }
  {
    const auto d = load_dataset("gsm8k", root / "gsm8k/test.jsonl");
    EXPECT_EQ(d.examples.at(0).gold, "18");
    EXPECT_EQ(d.examples.at(2).gold, "70000");  // "#### 70000"; the solution writes 70,000
    EXPECT_EQ(d.examples.at(0).id, "gsm8k-1");
    EXPECT_NE(d.examples.at(0).solution.find("#### 18"), std::string::npos);
    EXPECT_EQ(load_dataset("gsm8k_train", root / "gsm8k/train.jsonl").examples.at(0).gold, "72");
  }
  {
    const auto d = load_dataset("mbpp", root / "mbpp/sanitized-mbpp.jsonl");
    const Example& e = d.examples.at(0);
    EXPECT_EQ(e.id, "Mbpp/2");
    EXPECT_EQ(e.question,
              "Write a function to find the shared elements from the given two lists.\n"
              "Your code should pass this test:\n"
              "assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))");
    EXPECT_TRUE(e.gold.empty());
    ASSERT_TRUE(e.code);
    EXPECT_EQ(e.code->entry_point, "similar_elements");
    EXPECT_EQ(e.code->test_code,
              "assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n"
              "assert set(similar_elements((1, 2, 3, 4),(5, 4, 3, 7))) == set((3, 4))\n"
              "assert set(similar_elements((11, 12, 14, 13),(17, 15, 14, 13))) == set((13, 14))\n");
    EXPECT_EQ(e.code->canonical_solution.rfind("def similar_elements(test_tup1, test_tup2):", 0), 0u);
    EXPECT_TRUE(e.code->prompt.empty());
    // Task 6 defines a helper first; the asserts call the second function.
    EXPECT_EQ(d.examples.at(3).id, "Mbpp/6");
    EXPECT_EQ(d.examples.at(3).code->entry_point, "differ_At_One_Bit_Pos");

    // The JSON-array copy holds the same records: same examples, record numbers as lines.
    const auto j = load_dataset("mbpp_json", root / "mbpp/sanitized-mbpp.json");
    ASSERT_EQ(j.examples.size(), d.examples.size());
    for (std::size_t i = 0; i < d.examples.size(); ++i) {
      EXPECT_EQ(to_json(j.examples[i]), to_json(d.examples[i]));
    }
  }
  {
    const auto d = load_dataset("humaneval_original", root / "humaneval/HumanEval.jsonl.gz");
    const Example& e = d.examples.at(0);
    EXPECT_EQ(e.id, "HumanEval/0");
    ASSERT_TRUE(e.code);
    EXPECT_EQ(e.code->entry_point, "has_close_elements");
    EXPECT_EQ(e.question, e.code->prompt);
    EXPECT_EQ(e.question.rfind("from typing import List\n\n\ndef has_close_elements(", 0), 0u);
    EXPECT_EQ(e.code->canonical_solution.rfind(e.code->prompt + "    for idx, elem in enumerate(numbers):", 0), 0u);
    EXPECT_NE(e.code->test_code.find("def check(candidate):"), std::string::npos);
    const std::string tail = "\ncheck(has_close_elements)\n";
    EXPECT_EQ(e.code->test_code.substr(e.code->test_code.size() - tail.size()), tail);
  }
  {
    const auto d = load_dataset("humaneval", root / "humaneval_et/HumanEval_ET.jsonl");
    const Example& e = d.examples.at(0);
    EXPECT_EQ(e.id, "HumanEval/0");
    ASSERT_TRUE(e.code);
    EXPECT_EQ(e.code->entry_point, "has_close_elements");
    EXPECT_EQ(e.code->test_code.rfind("assert has_close_elements([4.88, 7.89, 3.67, 5.68, 4.88], 2.06) == True\n", 0), 0u);
    EXPECT_EQ(std::count(e.code->test_code.begin(), e.code->test_code.end(), '\n'), 105);  // 105 ET asserts
    EXPECT_EQ(e.code->test_code.find("def check("), std::string::npos);  // the ET asserts, not check()
  }
  {
    const auto d = load_dataset("bool", root / "bbh/bbh/boolean_expressions.json");
    EXPECT_EQ(d.examples.at(0).id, "boolean_expressions-0");
    EXPECT_EQ(d.examples.at(0).question, "not ( True ) and ( True ) is");
    EXPECT_EQ(d.examples.at(0).gold, "False");
    EXPECT_EQ(d.examples.at(1).id, "boolean_expressions-1");
    EXPECT_EQ(d.examples.at(1).line, 2);
  }
}

TEST(RealFiles, FixtureExcerptsLoadWithCountsAndFields) {
  check_counts(testing::fixture_datasets(), false);
  check_first_items(testing::fixture_datasets());
}

TEST(RealFiles, SharedDatasetsLoadWithCountsAndFields) {
  const auto root = testing::shared_datasets();
  if (!root) GTEST_SKIP() << "shared/datasets not found beside the checkout (" MASPO_SOURCE_DIR "/../shared)";
  check_counts(*root, true);
  check_first_items(*root);
}

TEST(RealFiles, SharedDatasetsWholeFileProperties) {
  const auto root = testing::shared_datasets();
  if (!root) GTEST_SKIP() << "shared/datasets not found beside the checkout (" MASPO_SOURCE_DIR "/../shared)";

  // AQuA gold distribution as the README counts it.
  std::map<std::string, int> golds;
  for (const auto& e : load_dataset("aqua", *root / "aqua/aqua.jsonl").examples) ++golds[e.gold];
  EXPECT_EQ(golds, (std::map<std::string, int>{{"A", 63}, {"B", 58}, {"C", 46}, {"D", 53}, {"E", 34}}));

  // Every code example names a function its tests call.
  for (const char* path : {"mbpp/sanitized-mbpp.jsonl", "humaneval_et/HumanEval_ET.jsonl", "humaneval/HumanEval.jsonl.gz"}) {
    for (const auto& e : load_dataset("code", *root / path).examples) {
      ASSERT_FALSE(e.code->entry_point.empty()) << e.id;
      ASSERT_NE(e.code->test_code.find(e.code->entry_point), std::string::npos) << e.id;
    }
  }
  const auto mbpp = load_dataset("mbpp", *root / "mbpp/sanitized-mbpp.jsonl");
  EXPECT_EQ(std::count_if(mbpp.examples.begin(), mbpp.examples.end(),
                          [](const Example& e) { return !e.code->test_imports.empty(); }),
            13);

  // HumanEval-ET keeps the original prompts: its README counts 159 of 164 equal line by line, but
  // five tasks are only listed in another order; matched by id, all 164 are the same.
  std::map<std::string, std::string> original;
  for (const auto& e : load_dataset("he", *root / "humaneval/HumanEval.jsonl.gz").examples) original[e.id] = e.question;
  int same = 0;
  for (const auto& e : load_dataset("he_et", *root / "humaneval_et/HumanEval_ET.jsonl").examples) {
    same += original.at(e.id) == e.question ? 1 : 0;
  }
  EXPECT_EQ(same, 164);

  // MATH-500 questions asking for "all ..., separated by commas" have unordered golds.
  const auto math = load_dataset("math", *root / "math500/math_500.jsonl");
  EXPECT_EQ(std::count_if(math.examples.begin(), math.examples.end(), [](const Example& e) { return e.unordered_answer; }),
            5);

  // The whole BBH folder as one dataset: 22 task files.
  const auto bbh = load_dataset("bbh", *root / "bbh/bbh");
  EXPECT_EQ(bbh.format, "bbh");
  EXPECT_EQ(bbh.examples.size(), 5365u);
}

TEST(RealFiles, FixtureBbhFolderLoadsEveryTaskFileInNameOrder) {
  const auto d = load_dataset("bbh", testing::fixture_datasets() / "bbh/bbh");
  ASSERT_EQ(d.examples.size(), 7u);
  EXPECT_EQ(d.examples.front().id, "boolean_expressions-0");
  EXPECT_EQ(d.examples.at(4).id, "sports_understanding-0");
  EXPECT_EQ(d.examples.back().id, "sports_understanding-2");
}

}  // namespace
}  // namespace maspo::data
