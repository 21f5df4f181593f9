#include <array>

#include "data/loaders.hpp"
#include "data/text.hpp"
#include "maspo/util.hpp"

namespace maspo::data {

namespace detail {

namespace {

const std::vector<FormatEntry>& entries() {
  static const std::vector<FormatEntry> table = {
      {{"math500", TaskType::math, "MATH-500 JSONL: problem, answer (gold), solution, unique_id (id)"},
       Layout::lines_or_array, convert_math500},
      {{"agieval_math", TaskType::math, "AGIEval-MATH JSONL: problem, answer (gold), solution"},
       Layout::lines_or_array, convert_agieval_math},
      {{"gsm8k", TaskType::math, "GSM8K JSONL: question, answer (worked solution ending in \"#### N\"; gold = N)"},
       Layout::lines_or_array, convert_gsm8k},
      {{"aqua", TaskType::choice,
        "AQuA-RAT JSONL: question, options [\"A)...\", ...], correct (or answer) = gold letter A-E, rationale"},
       Layout::lines_or_array, convert_aqua},
      {{"gpqa", TaskType::reasoning_choice,
        "GPQA JSONL: question (options inside) + answer letter A-D, or raw \"Question\", \"Correct Answer\", "
        "\"Incorrect Answer 1..3\" (options shuffled with a seed per item)"},
       Layout::lines_or_array, convert_gpqa},
      {{"mbpp", TaskType::code,
        "MBPP JSONL or JSON array: task_id, prompt, code, test_imports, test_list (asserts)"},
       Layout::lines_or_array, convert_mbpp},
      {{"humaneval", TaskType::code,
        "HumanEval JSONL (.jsonl.gz too): task_id, prompt, entry_point, canonical_solution, test (check())"},
       Layout::lines_or_array, convert_humaneval},
      {{"humaneval_et", TaskType::code,
        "HumanEval-ET JSONL: HumanEval fields + test_list (or test_case_list) of extended asserts"},
       Layout::lines_or_array, convert_humaneval_et},
      {{"bbh", TaskType::exact, "BIG-Bench-Hard task file <task>.json: {\"examples\": [{\"input\", \"target\"}]}"},
       Layout::bbh_examples, convert_bbh},
  };
  return table;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Most specific first: "humaneval_et" must win over "humaneval", "agieval_math" over "math".
std::string format_from_word(const std::string& word) {
  if (contains(word, "humaneval_et") || contains(word, "humaneval-et") || contains(word, "humanevalet")) {
    return "humaneval_et";
  }
  if (contains(word, "humaneval")) return "humaneval";
  if (contains(word, "mbpp")) return "mbpp";
  if (contains(word, "gsm8k")) return "gsm8k";
  if (contains(word, "aqua")) return "aqua";
  if (contains(word, "gpqa")) return "gpqa";
  if (contains(word, "agieval") || word == "agi") return "agieval_math";
  if (contains(word, "bbh")) return "bbh";
  if (contains(word, "math")) return "math500";
  return {};
}

}  // namespace

const FormatEntry* find_format(std::string_view name) {
  for (const auto& entry : entries()) {
    if (entry.info.name == name) return &entry;
  }
  return nullptr;
}

std::string format_names() {
  std::string out;
  for (const auto& entry : entries()) {
    if (!out.empty()) out += ", ";
    out += entry.info.name;
  }
  return out;
}

std::string guess_format(std::string_view dataset_name, const std::filesystem::path& path) {
  std::filesystem::path file = path;
  if (file.extension() == ".gz") file = file.stem();
  // Only the file's own folder, not the whole path: a home directory named "mathilde" must not
  // make every dataset under it MATH.
  const std::array<std::string, 3> words = {ascii_lower(file.filename().string()),
                                            ascii_lower(path.parent_path().filename().string()),
                                            ascii_lower(dataset_name)};
  for (const auto& word : words) {
    if (auto format = format_from_word(word); !format.empty()) return format;
  }
  throw InputError(where(path.string(), 0, "",
                         "cannot tell the format of dataset `" + std::string(dataset_name) +
                             "` from its name or file name; give it as NAME:FORMAT=PATH with FORMAT one of: " +
                             format_names()));
}

std::string fallback_id(const RecordContext& context) {
  return std::string(context.dataset_name) + "-" + std::to_string(context.line);
}

}  // namespace detail

const std::vector<FormatInfo>& formats() {
  static const std::vector<FormatInfo> infos = [] {
    std::vector<FormatInfo> out;
    for (const auto& entry : detail::entries()) out.push_back(entry.info);
    return out;
  }();
  return infos;
}

}  // namespace maspo::data
