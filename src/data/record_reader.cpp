#include "data/record_reader.hpp"

#include <optional>

#include "data/text.hpp"
#include "maspo/util.hpp"
#include "util/utf8.hpp"

namespace maspo::data::detail {

namespace {

using json = nlohmann::json;

// "[json.exception.parse_error.101] parse error at line 1, column 4: ..." → "column 4: ...":
// the exception id means nothing to a user, and a single line's "line 1" is misleading.
std::string parse_error_text(const json::parse_error& error, bool single_line) {
  std::string text = error.what();
  if (auto close = text.find("] "); text.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
    text.erase(0, close + 2);
  }
  if (single_line) {
    const std::string prefix = "parse error at line 1, ";
    if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
  }
  return text;
}

// nlohmann's parser builds values of any depth, but copying, comparing and dumping them recurse,
// so a line nested 100,000 deep would overflow the stack later on. One pass over the bytes finds
// the offset where nesting first goes deeper than kMaxJsonDepth, before anything is built.
constexpr int kMaxJsonDepth = 512;

std::optional<std::size_t> too_deep_offset(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

const std::string kTooDeep = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";

std::string_view strip_bom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

std::vector<RawRecord> split_lines(std::string_view text) {
  std::vector<RawRecord> records;
  int line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++line_number;
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) continue;

    RawRecord record;
    record.line = line_number;
    record.index = static_cast<int>(records.size());
    if (auto bad = utf8::first_invalid(line)) {
      record.error = "invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of the line; expected UTF-8 text";
    } else if (too_deep_offset(line)) {
      record.error = kTooDeep + "; expected a JSON object per line";
    } else {
      try {
        record.value = json::parse(line);
      } catch (const json::parse_error& e) {
        record.error = "invalid JSON (" + parse_error_text(e, true) + "); expected one JSON object per line";
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

json parse_document(std::string_view text, const std::string& file, std::string_view expected) {
  if (auto bad = utf8::first_invalid(text)) {
    throw InputError(where(file, line_of_offset(text, *bad), "", "invalid UTF-8; expected UTF-8 text"));
  }
  if (auto deep = too_deep_offset(text)) {
    throw InputError(where(file, line_of_offset(text, *deep), "", kTooDeep + "; expected " + std::string(expected)));
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw InputError(where(file, line_of_offset(text, e.byte == 0 ? 0 : e.byte - 1), "",
                           "invalid JSON (" + parse_error_text(e, false) + "); expected " + std::string(expected)));
  }
}

std::vector<RawRecord> records_of_array(const json& array, const std::string& prefix) {
  std::vector<RawRecord> records;
  records.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    RawRecord record;
    record.line = static_cast<int>(i) + 1;
    record.index = static_cast<int>(i);
    record.key_prefix = prefix + "[" + std::to_string(i) + "]";
    record.value = array[i];
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

std::vector<RawRecord> split_records(std::string_view text, const std::string& file, Layout layout) {
  text = strip_bom(text);
  if (layout == Layout::bbh_examples) {
    const json doc = parse_document(text, file, "a BBH task file {\"examples\": [{\"input\", \"target\"}, ...]}");
    if (!doc.is_object() || !doc.contains("examples") || !doc["examples"].is_array()) {
      throw InputError(where(file, 0, "examples", "missing or not a list; expected a BBH task file "
                                                  "{\"examples\": [{\"input\", \"target\"}, ...]}"));
    }
    return records_of_array(doc["examples"], "examples");
  }
  const std::string_view body = trim(text);
  if (layout == Layout::lines_or_array && !body.empty() && body.front() == '[') {
    const json doc = parse_document(text, file, "a JSON array of objects");
    return records_of_array(doc, "");
  }
  return split_lines(text);
}

}  // namespace maspo::data::detail
