// MATH-500, AGIEval-MATH and GSM8K: free-form math answers.
#include <algorithm>

#include "data/fields.hpp"
#include "data/loaders.hpp"
#include "data/text.hpp"

namespace maspo::data::detail {

namespace {

// "Enter all the solutions, separated by commas": the gold is a set, listed in no particular order.
// An "ordered" pair or triple keeps its order.
bool asks_for_unordered_list(std::string_view question) {
  const std::string lower = ascii_lower(question);
  return lower.find("separated by commas") != std::string::npos && lower.find("ordered") == std::string::npos;
}

Example math_example(const json& record, const RecordContext& context) {
  require_object(record);
  Example example;
  example.question = need_text(record, "problem", "the problem statement");
  example.gold = std::string(trim(need_text(record, "answer", "the gold answer")));
  example.solution = optional_string(record, "solution", "the worked solution");
  example.task = TaskType::math;
  example.unordered_answer = asks_for_unordered_list(example.question);
  example.line = context.line;
  example.id = fallback_id(context);
  return example;
}

bool is_plain_number(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  auto digits = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(whole) && (dot == std::string_view::npos || digits(fraction));
}

}  // namespace

Example convert_math500(const json& record, const RecordContext& context) {
  Example example = math_example(record, context);
  // MATH's own id ("test/precalculus/807.json") is stable across re-orderings of the file.
  if (auto id = optional_string(record, "unique_id", "the problem id"); !is_blank(id)) example.id = id;
  return example;
}

Example convert_agieval_math(const json& record, const RecordContext& context) {
  return math_example(record, context);
}

Example convert_gsm8k(const json& record, const RecordContext& context) {
  require_object(record);
  Example example;
  example.question = need_text(record, "question", "the problem statement");
  const std::string& answer = need_text(record, "answer", "a worked solution ending in \"#### <number>\"");
  const auto mark = answer.rfind("####");
  if (mark == std::string::npos) {
    throw FieldError("answer", "expected a worked solution ending in \"#### <number>\", found no \"####\"");
  }
  std::string gold(trim(std::string_view(answer).substr(mark + 4)));
  // "1,000" is a thousands separator in GSM8K, never a list.
  gold.erase(std::remove(gold.begin(), gold.end(), ','), gold.end());
  if (!is_plain_number(gold)) {
    throw FieldError("answer", "expected a number after \"####\", got \"" + excerpt(gold) + "\"");
  }
  example.gold = gold;
  example.solution = answer;
  example.task = TaskType::math;
  example.line = context.line;
  example.id = fallback_id(context);
  return example;
}

}  // namespace maspo::data::detail
