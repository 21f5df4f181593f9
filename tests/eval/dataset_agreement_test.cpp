// Agreement of math_equal with the datasets' own answers: for every MATH-500 / AGIEval-MATH item,
// the last \boxed{} of the reference solution must equal the `answer` field. The full files live in
// the shared datasets folder beside the checkout (skipped where it is absent, e.g. a CI clone);
// a checked-in fixture of real pairs always runs.
#include <gtest/gtest.h>

#include "support/shared_datasets.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

namespace fs = std::filesystem;

struct Pair {
  std::string id;
  std::string solution;
  std::string answer;
};

std::vector<Pair> load_pairs(const fs::path& path, const std::string& solution_key) {
  std::vector<Pair> pairs;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto record = nlohmann::json::parse(line);
    Pair pair;
    pair.id = record.value("unique_id", record.value("id", path.filename().string() + ":" + std::to_string(number)));
    pair.solution = record.at(solution_key).get<std::string>();
    pair.answer = record.at("answer").get<std::string>();
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

struct Agreement {
  int agree = 0;
  int total = 0;
  std::vector<std::string> disagreements;
  double rate() const { return total == 0 ? 0.0 : static_cast<double>(agree) / total; }
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// \dfrac for \frac, no \left / \right, \cdot for \times, inside $\boxed{...}$.
std::string rewrite(const std::string& answer) {
  std::string text = replace_all(answer, "\\frac", "\\dfrac");
  text = replace_all(text, "\\left", "");
  text = replace_all(text, "\\right", "");
  text = replace_all(text, "\\times", "\\cdot");
  return "$\\boxed{" + text + "}$";
}

// Beyond the boxed text itself: the answer written as a model would write it (in $...$ after a
// marker, inside <answer> tags) must go through extraction and still equal the gold.
Agreement agreement(const std::vector<Pair>& pairs) {
  Agreement result;
  for (const Pair& pair : pairs) {
    ++result.total;
    const auto boxed = last_boxed(pair.solution);
    const bool boxed_ok = boxed && math_equal(*boxed, pair.answer);
    const bool tagged_ok = math_equal(extract_answer("<answer>" + pair.answer + "</answer>").answer, pair.answer);
    const bool marker_ok = math_equal(extract_answer("So the final answer is $" + pair.answer + "$.").answer, pair.answer);
    // And rewritten the way models often write the same thing.
    const bool rewritten_ok = math_equal(rewrite(pair.answer), pair.answer);
    if (boxed_ok && tagged_ok && marker_ok && rewritten_ok) {
      ++result.agree;
    } else {
      result.disagreements.push_back(pair.id + ": boxed=" + (boxed ? *boxed : "<none>") + " answer=" + pair.answer +
                                     " [" + (boxed ? normalize_math(*boxed) : "") + " | " +
                                     normalize_math(pair.answer) + "]" + (tagged_ok ? "" : " (tag form)") +
                                     (marker_ok ? "" : " (marker form)") +
                                     (rewritten_ok ? "" : " (rewritten: " + rewrite(pair.answer) + ")"));
    }
  }
  return result;
}

void report(const std::string& name, const Agreement& result) {
  std::printf("[agreement] %s: %d/%d = %.2f%%\n", name.c_str(), result.agree, result.total, 100.0 * result.rate());
  for (const std::string& line : result.disagreements) std::printf("[agreement]   disagree %s\n", line.c_str());
}

fs::path shared_datasets() { return maspo::testing::shared_datasets().value_or("/nonexistent"); }

TEST(DatasetAgreement, Math500) {
  const fs::path path = shared_datasets() / "math500" / "math_500.jsonl";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path << " (shared datasets are not beside this checkout)";
  const Agreement result = agreement(load_pairs(path, "solution"));
  report("MATH-500", result);
  EXPECT_EQ(result.total, 500);
  EXPECT_GE(result.rate(), 0.99);
}

TEST(DatasetAgreement, AgievalMath) {
  const fs::path path = shared_datasets() / "agieval_math" / "test.jsonl";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path << " (shared datasets are not beside this checkout)";
  const Agreement result = agreement(load_pairs(path, "solution"));
  report("AGIEval-MATH", result);
  EXPECT_EQ(result.total, 256);
  EXPECT_GE(result.rate(), 0.99);
}

// Different answers of MATH-500 must stay different: math_equal across items agrees only where
// the two gold answers really are the same value. Prints every cross-item match for inspection.
TEST(DatasetAgreement, Math500DistinctAnswersStayDistinct) {
  const fs::path path = shared_datasets() / "math500" / "math_500.jsonl";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path;
  const auto pairs = load_pairs(path, "solution");
  int matches = 0;
  int suspicious = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    for (std::size_t j = i + 1; j < pairs.size(); ++j) {
      const std::string& a = pairs[i].answer;
      const std::string& b = pairs[j].answer;
      if (a == b || !math_equal(a, b)) continue;
      ++matches;
      std::printf("[agreement]   cross-item match: %s == %s\n", a.c_str(), b.c_str());
      // A match is expected only when the normalized texts agree or both are plain numbers.
      const std::string na = normalize_math(a);
      const std::string nb = normalize_math(b);
      if (na != nb) ++suspicious;
    }
  }
  std::printf("[agreement] MATH-500 cross-item matches between differently written answers: %d\n", matches);
  EXPECT_EQ(suspicious, 0);
}

TEST(DatasetAgreement, CheckedInFixture) {
  const fs::path path = fs::path(MASPO_SOURCE_DIR) / "tests" / "fixtures" / "eval" / "math_boxed_pairs.jsonl";
  ASSERT_TRUE(fs::exists(path)) << path;
  const Agreement result = agreement(load_pairs(path, "solution_tail"));
  report("fixture", result);
  EXPECT_EQ(result.total, 40);
  EXPECT_EQ(result.agree, result.total);
}

}  // namespace
}  // namespace maspo::eval
