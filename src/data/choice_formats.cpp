// AQuA (A–E, math flavour) and GPQA (A–D, science reasoning): multiple choice with a gold letter.
#include <array>

#include "data/fields.hpp"
#include "data/loaders.hpp"
#include "data/seeded_random.hpp"
#include "data/text.hpp"

namespace maspo::data::detail {

namespace {

std::string letter_range(std::size_t count) {
  return std::string("A-") + static_cast<char>('A' + count - 1);
}

// A gold letter, as written in the files ("B", " b ", "(B)"), checked against the options there are.
std::string parse_gold_letter(const std::string& raw, const std::string& key, std::size_t option_count) {
  std::string_view text = trim(raw);
  if (text.size() == 3 && text.front() == '(' && text.back() == ')') text = text.substr(1, 1);
  char letter = text.size() == 1 ? text.front() : '\0';
  if (letter >= 'a' && letter <= 'z') letter = static_cast<char>(letter - 'a' + 'A');
  if (letter < 'A' || letter >= static_cast<char>('A' + option_count)) {
    throw FieldError(key, "expected an option letter " + letter_range(option_count) + ", got \"" + excerpt(raw) + "\"");
  }
  return std::string(1, letter);
}

// "A)32400" or, tokenized, "A ) 5 ( √ 3 + 1 )" → "32400" / "5 ( √ 3 + 1 )".
std::string option_text(const std::string& option, std::size_t index) {
  const char letter = static_cast<char>('A' + index);
  std::string_view rest = option;
  if (rest.empty() || rest.front() != letter) return {};
  rest.remove_prefix(1);
  rest = trim(rest);
  if (rest.empty() || rest.front() != ')') return {};
  rest.remove_prefix(1);
  return std::string(trim(rest));
}

}  // namespace

std::string fold_options(std::string_view question, const std::vector<std::string>& lettered_options) {
  return std::string(question) + "\nOptions:\n" + join(lettered_options, "\n");
}

Example convert_aqua(const json& record, const RecordContext& context) {
  require_object(record);
  Example example;
  const std::string& question = need_text(record, "question", "the problem statement");
  const auto options = need_string_list(record, "options", "lettered options \"A)...\", \"B)...\"", true);
  if (options.size() > 26) throw FieldError("options", "expected at most 26 options, got " + std::to_string(options.size()));
  for (std::size_t i = 0; i < options.size(); ++i) {
    const std::string prefix = std::string(1, static_cast<char>('A' + i)) + ")";
    std::string text = option_text(options[i], i);
    if (text.empty()) {
      throw FieldError("options[" + std::to_string(i) + "]",
                       "expected an option \"" + prefix + " text\", got \"" + excerpt(options[i]) + "\"");
    }
    example.choices.push_back(std::move(text));
  }
  // MASPO's aqua.jsonl names the gold `answer`; the upstream files name it `correct`.
  const std::string key = record.contains("correct") || !record.contains("answer") ? "correct" : "answer";
  example.gold = parse_gold_letter(need_string(record, key, "the gold option letter"), key, options.size());
  example.question = fold_options(question, options);
  example.solution = optional_string(record, "rationale", "the worked solution");
  example.task = TaskType::choice;
  example.line = context.line;
  example.id = fallback_id(context);
  return example;
}

Example convert_gpqa(const json& record, const RecordContext& context) {
  require_object(record);
  Example example;
  example.task = TaskType::reasoning_choice;
  example.line = context.line;

  if (!record.contains("Question")) {
    example.question = need_text(record, "question", "the question with its lettered options");
    example.gold = parse_gold_letter(need_string(record, "answer", "the gold option letter"), "answer", 4);
    const std::string id = optional_string(record, "id", "the item id");
    example.id = is_blank(id) ? fallback_id(context) : id;
    return example;
  }

  // Raw GPQA: the correct answer is always listed first, so the options must be shuffled, and
  // the same way on every run: seeded by the item's Record ID (or, lacking one, its question).
  const std::string question(trim(need_text(record, "Question", "the question")));
  std::array<std::string, 4> answers = {
      std::string(trim(need_text(record, "Correct Answer", "the correct option text"))),
      std::string(trim(need_text(record, "Incorrect Answer 1", "a wrong option text"))),
      std::string(trim(need_text(record, "Incorrect Answer 2", "a wrong option text"))),
      std::string(trim(need_text(record, "Incorrect Answer 3", "a wrong option text"))),
  };
  const std::string record_id(trim(optional_string(record, "Record ID", "the item id")));
  example.id = record_id.empty() ? fallback_id(context) : record_id;

  std::vector<std::size_t> order = {0, 1, 2, 3};
  SeededRandom random(stable_hash(record_id.empty() ? question : record_id));
  random.shuffle(order);
  std::vector<std::string> lettered;
  for (std::size_t position = 0; position < order.size(); ++position) {
    const char letter = static_cast<char>('A' + position);
    if (order[position] == 0) example.gold = std::string(1, letter);
    example.choices.push_back(answers[order[position]]);
    lettered.push_back(std::string(1, letter) + ") " + answers[order[position]]);
  }
  example.question = fold_options(question, lettered);
  return example;
}

}  // namespace maspo::data::detail
