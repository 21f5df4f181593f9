// One converter per format: a parsed record in, an Example out, or a FieldError saying which key
// was wrong and what was expected. File handling, bad-line policy and id checks live in
// load_dataset.cpp, so the converters only know their own fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "maspo/data.hpp"
#include "data/record_reader.hpp"

namespace maspo::data::detail {

struct RecordContext {
  std::string_view dataset_name;  // for fallback ids "<name>-<line>"
  std::string_view task_name;     // BBH: the file stem, which names the task
  int line = 0;                   // 1-based line (JSONL) or record number (JSON)
  int index = 0;                  // 0-based position among the file's records
};

using RecordConverter = Example (*)(const json& record, const RecordContext& context);

struct FormatEntry {
  FormatInfo info;
  Layout layout;
  RecordConverter convert;
};

// nullptr when unknown.
const FormatEntry* find_format(std::string_view name);
// "math500, agieval_math, ..." for error messages.
std::string format_names();
// Guesses from the file name, then its folder, then the dataset name; InputError when none fits.
std::string guess_format(std::string_view dataset_name, const std::filesystem::path& path);

std::string fallback_id(const RecordContext& context);

Example convert_math500(const json& record, const RecordContext& context);
Example convert_agieval_math(const json& record, const RecordContext& context);
Example convert_gsm8k(const json& record, const RecordContext& context);
Example convert_aqua(const json& record, const RecordContext& context);
Example convert_gpqa(const json& record, const RecordContext& context);
Example convert_mbpp(const json& record, const RecordContext& context);
Example convert_humaneval(const json& record, const RecordContext& context);
Example convert_humaneval_et(const json& record, const RecordContext& context);
Example convert_bbh(const json& record, const RecordContext& context);

// Choice questions as the agents see them: the question, then "Options:" and one "X) text" per
// line — the layout of MASPO's aqua.jsonl `problem` field.
std::string fold_options(std::string_view question, const std::vector<std::string>& lettered_options);

}  // namespace maspo::data::detail
