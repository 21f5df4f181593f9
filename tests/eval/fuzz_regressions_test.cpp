// The crashes the fuzzers found (tests/fuzz/regressions/), replayed in the ordinary suite so they
// stay fixed without a clang build: degenerate nesting in answers (stack overflows in the LaTeX
// converter and the expression parser), a whitespace-only gold letter, and an absurd token count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "llm/openai_wire.hpp"
#include "maspo/eval.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FuzzRegressions, EveryAnswerInputGradesWithoutCrashingForEveryTextTask) {
  const fs::path dir = fs::path(MASPO_SOURCE_DIR) / "tests" / "fuzz" / "regressions" / "answer";
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".txt") continue;
    ++files;
    const std::string text = slurp(e.path());
    const auto nl = text.find('\n');
    const std::string gold = nl == std::string::npos ? text : text.substr(0, nl);
    const std::string output = nl == std::string::npos ? "" : text.substr(nl + 1);
    for (auto task : {maspo::data::TaskType::math, maspo::data::TaskType::choice, maspo::data::TaskType::exact}) {
      maspo::data::Example ex;
      ex.id = e.path().filename().string();
      ex.question = "Options:\nA) 1\nB) 2\nC) 3";
      ex.gold = gold;
      ex.task = task;
      const maspo::eval::Grade g = maspo::eval::Grader().grade(ex, output);
      EXPECT_FALSE(g.status.empty()) << ex.id;
    }
    // Deep nesting against itself: no crash, and no claim of a match it cannot check.
    EXPECT_NO_THROW(maspo::eval::math_equal(output, output)) << e.path();
  }
  EXPECT_GE(files, 5);
}

TEST(FuzzRegressions, AbsurdTokenCountsAreUnknownNotOverflowing) {
  const std::string body =
      slurp(fs::path(MASPO_SOURCE_DIR) / "tests" / "fuzz" / "regressions" / "openai_reply" / "usage_overflow.json");
  ASSERT_FALSE(body.empty());
  const auto reply = maspo::llm::wire::parse_chat_reply(body);
  EXPECT_EQ(reply.usage.prompt_tokens, 0);
  EXPECT_GE(reply.usage.total(), 0);
}

}  // namespace
