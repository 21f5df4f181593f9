// Fuzzes answer extraction and math normalization (src/eval): extract_answer, last_boxed,
// normalize_math, math_equal, extract_choice, bbh_equal, extract_code, vote_key and
// Grader::grade for every task that needs no sandbox. Input: the first line is the gold answer,
// the rest is the model's final output. None of these may throw. Checked besides:
//  - extraction reports one of its four methods, and "none" exactly when it found nothing;
//  - a choice letter is within A..last;
//  - math_equal is reflexive on anything that normalizes to a non-empty text;
//  - a grade's status is one the run store and report know.
// The task graded (and vote-keyed) cycles with the input's length: math, choice,
// reasoning_choice, exact, code (vote_key only: grading code needs a sandbox).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "maspo/eval.hpp"

namespace eval = maspo::eval;
using maspo::data::TaskType;

namespace {

void check_choice(std::optional<char> letter, char last) {
  FUZZ_CHECK(!letter || (*letter >= 'A' && *letter <= last));
}

void grade_as(const eval::Grader& grader, TaskType task, std::string_view gold, std::string_view output,
              bool unordered) {
  maspo::data::Example example;
  example.id = "fuzz";
  example.question = "fuzz";
  example.gold = std::string(gold);
  example.task = task;
  example.unordered_answer = unordered;
  if (task == TaskType::choice) example.choices = {"1", "2", "1/2", "\\frac{3}{4}", "none"};
  const eval::Grade g = grader.grade(example, output);
  FUZZ_CHECK(g.status == "correct" || g.status == "wrong" || g.status == "no_answer");
  FUZZ_CHECK(g.correct == (g.status == "correct"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [gold, output] = maspo::fuzz::split_first_line(maspo::fuzz::as_text(data, size));

  const eval::Extraction ex = eval::extract_answer(output);
  FUZZ_CHECK(ex.method == "answer_tag" || ex.method == "boxed" || ex.method == "fallback" || ex.method == "none");
  FUZZ_CHECK((ex.method == "none") == ex.answer.empty());
  (void)eval::last_boxed(output);

  const std::string normalized = eval::normalize_math(ex.answer);
  const std::string gold_normalized = eval::normalize_math(gold);
  if (!normalized.empty()) FUZZ_CHECK(eval::math_equal(ex.answer, ex.answer));
  if (!gold_normalized.empty()) FUZZ_CHECK(eval::math_equal(gold, gold));
  eval::MathOptions unordered;
  unordered.unordered = true;
  (void)eval::math_equal(ex.answer, gold);
  (void)eval::math_equal(ex.answer, gold, unordered);

  check_choice(eval::extract_choice(ex.answer), 'E');
  check_choice(eval::extract_choice(gold, 'Z'), 'Z');
  (void)eval::bbh_equal(ex.answer, gold);
  (void)eval::extract_code(output);

  // One task per input (picked by its length), to keep the harness fast: vote_key, then the
  // grade (code tasks need a sandbox, so they stop at vote_key).
  static constexpr TaskType kTasks[] = {TaskType::math, TaskType::choice, TaskType::reasoning_choice,
                                        TaskType::exact, TaskType::code};
  const TaskType task = kTasks[size % 5];
  (void)eval::vote_key(output, task);
  if (task != TaskType::code) {
    const eval::Grader grader;   // no sandbox
    grade_as(grader, task, gold, output, (size / 5) % 2 == 0);
  }
  return 0;
}
