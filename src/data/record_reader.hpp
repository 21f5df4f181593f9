// Splits a dataset file into records: JSONL (one object per line), a JSON array of objects, or a
// BBH task file ({"examples": [...]}). A record that cannot be read (bad JSON, bad UTF-8) comes
// back with its error, in file order, so the caller decides whether it is fatal or skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace maspo::data::detail {

struct RawRecord {
  int line = 0;            // JSONL: 1-based line; JSON document: 1-based record number
  int index = 0;           // 0-based position among the file's records
  std::string key_prefix;  // JSON document: path of the record ("[3]", "examples[3]"); JSONL: empty
  nlohmann::json value;    // the record, when `error` is empty
  std::string error;       // why the record could not be read
};

enum class Layout {
  lines,           // JSONL
  lines_or_array,  // JSONL, or a JSON array when the first non-blank character is '['
  bbh_examples,    // one JSON object whose `examples` list holds the records
};

// Problems with the whole document (invalid JSON in a .json file, a missing `examples` list) are
// InputErrors naming `file`: no record can be trusted after them.
std::vector<RawRecord> split_records(std::string_view text, const std::string& file, Layout layout);

}  // namespace maspo::data::detail
