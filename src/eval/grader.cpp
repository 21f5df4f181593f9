// Grader: one example, one final output -> a Grade. Math, choice and exact tasks by extraction;
// code by running the tests in the sandbox.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

constexpr std::size_t kDetailBytes = 2048;

char last_letter(const data::Example& example) {
  if (!example.choices.empty() && example.choices.size() <= 26) {
    return static_cast<char>('A' + static_cast<int>(example.choices.size()) - 1);
  }
  return example.task == data::TaskType::reasoning_choice ? 'D' : 'E';
}

// A model that answers with the option's text instead of its letter ("42" for "C) 42") still
// names one option when exactly one option's text is that answer.
std::optional<char> letter_by_text(const data::Example& example, std::string_view answer) {
  std::optional<char> match;
  for (std::size_t i = 0; i < example.choices.size() && i < 26; ++i) {
    if (math_equal(answer, example.choices[i])) {
      if (match) return std::nullopt;
      match = static_cast<char>('A' + static_cast<int>(i));
    }
  }
  return match;
}

Grade no_answer(std::string why) {
  Grade grade;
  grade.method = "none";
  grade.status = "no_answer";
  grade.detail = std::move(why);
  return grade;
}

Grade verdict(Grade grade, bool correct, std::string why) {
  grade.correct = correct;
  grade.status = correct ? "correct" : "wrong";
  if (!correct) grade.detail = std::move(why);
  return grade;
}

}  // namespace

Grader::Grader(std::shared_ptr<const sandbox::Sandbox> sandbox, std::string sandbox_unavailable_reason)
    : sandbox_(std::move(sandbox)), reason_(std::move(sandbox_unavailable_reason)) {}

Grade Grader::grade(const data::Example& example, std::string_view final_output) const {
  if (example.task == data::TaskType::code) {
    if (!sandbox_) {
      throw sandbox::Unavailable(reason_.empty() ? "code grading needs a sandbox and none was configured"
                                                 : reason_);
    }
    if (!example.code) {
      Grade grade = no_answer("example " + example.id + " has no tests");
      grade.status = "error";
      return grade;
    }
    Grade grade;
    grade.extracted = extract_code(final_output);
    if (detail::trim(grade.extracted).empty()) return no_answer("no code found in the output");
    grade.method = "code";
    const sandbox::Result result = sandbox_->run_python(build_test_program(example, grade.extracted));
    grade.status = std::string(sandbox::to_string(result.status));
    grade.correct = result.status == sandbox::Status::pass;
    if (!grade.correct) {
      std::string why(detail::utf8_tail(result.stderr_text, kDetailBytes));
      if (detail::trim(why).empty()) {
        why = result.status == sandbox::Status::timeout ? "timed out" : "exit code " + std::to_string(result.exit_code);
      }
      grade.detail = std::move(why);
    }
    return grade;
  }

  const Extraction extraction = extract_answer(final_output);
  if (extraction.answer.empty()) return no_answer("no answer found in the output");
  Grade grade;
  grade.extracted = extraction.answer;
  grade.method = extraction.method;

  switch (example.task) {
    case data::TaskType::math: {
      MathOptions options;
      options.unordered = example.unordered_answer;
      return verdict(std::move(grade), math_equal(extraction.answer, example.gold, options),
                     "expected " + example.gold);
    }
    case data::TaskType::exact:
      return verdict(std::move(grade), bbh_equal(extraction.answer, example.gold), "expected " + example.gold);
    case data::TaskType::choice:
    case data::TaskType::reasoning_choice: {
      const char last = last_letter(example);
      std::optional<char> letter = extract_choice(extraction.answer, last);
      if (!letter) letter = letter_by_text(example, extraction.answer);
      if (!letter) {
        Grade none = no_answer("no single option letter A-" + std::string(1, last) + " in the answer");
        none.extracted = extraction.answer;
        none.method = extraction.method;
        return none;
      }
      std::optional<char> gold = extract_choice(example.gold, 'Z');
      if (!gold && !detail::trim(example.gold).empty()) gold = detail::to_upper(detail::trim(example.gold).front());
      return verdict(std::move(grade), gold && *letter == *gold,
                     "answered " + std::string(1, *letter) + ", expected " + example.gold);
    }
    case data::TaskType::code:
      break;
  }
  return grade;
}

}  // namespace maspo::eval
