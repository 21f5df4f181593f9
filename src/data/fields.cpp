#include "data/fields.hpp"

#include "data/text.hpp"

namespace maspo::data::detail {

namespace {

std::string expected(std::string_view kind, std::string_view what) {
  std::string out = "expected ";
  out += kind;
  if (!what.empty()) {
    out += " (";
    out += what;
    out += ")";
  }
  return out;
}

const json& need_field(const json& record, const std::string& key, std::string_view kind, std::string_view what) {
  auto it = record.find(key);
  if (it == record.end()) throw FieldError(key, "missing; " + expected(kind, what));
  return *it;
}

// The start of `value`'s compact JSON text, at most about `budget` characters: json::dump would
// serialise all of it first (and recurse once per level, so a value nested thousands deep would
// overflow the stack), when an error message only shows its first few dozen characters.
void dump_start(const json& value, std::string& out, std::size_t budget, int depth) {
  if (out.size() > budget) return;
  if (value.is_array() || value.is_object()) {
    const bool is_object = value.is_object();
    out += is_object ? '{' : '[';
    if (depth >= 16 && !value.empty()) {
      out += "...";
    } else {
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (out.size() > budget) return;
        if (!first) out += ',';
        first = false;
        if (is_object) out += json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace) + ":";
        dump_start(*it, out, budget, depth + 1);
      }
    }
    if (out.size() <= budget) out += is_object ? '}' : ']';
    return;
  }
  out += value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string describe_value(const json& value) {
  std::string kind;
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: kind = "boolean"; break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: kind = "number"; break;
    case json::value_t::string: kind = "string"; break;
    case json::value_t::array: kind = "array"; break;
    case json::value_t::object: kind = "object"; break;
    default: kind = "value"; break;
  }
  constexpr std::size_t kShown = 60;  // excerpt's default length
  std::string text;
  dump_start(value, text, kShown, 0);
  return kind + " " + excerpt(text, kShown);
}

void require_object(const json& record) {
  if (!record.is_object()) throw FieldError("", "expected a JSON object, got " + describe_value(record));
}

const std::string& need_string(const json& record, const std::string& key, std::string_view what) {
  const json& value = need_field(record, key, "a string", what);
  if (!value.is_string()) throw FieldError(key, expected("a string", what) + ", got " + describe_value(value));
  return value.get_ref<const std::string&>();
}

const std::string& need_text(const json& record, const std::string& key, std::string_view what) {
  const json& value = need_field(record, key, "non-empty text", what);
  if (!value.is_string()) throw FieldError(key, expected("non-empty text", what) + ", got " + describe_value(value));
  const auto& text = value.get_ref<const std::string&>();
  if (is_blank(text)) throw FieldError(key, expected("non-empty text", what) + ", got an empty string");
  return text;
}

std::string optional_string(const json& record, const std::string& key, std::string_view what) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null()) return {};
  if (!it->is_string()) throw FieldError(key, expected("a string", what) + ", got " + describe_value(*it));
  return it->get<std::string>();
}

std::vector<std::string> need_string_list(const json& record, const std::string& key, std::string_view what,
                                          bool non_empty) {
  const std::string_view kind = non_empty ? "a non-empty list of strings" : "a list of strings";
  const json& value = need_field(record, key, kind, what);
  if (!value.is_array()) throw FieldError(key, expected(kind, what) + ", got " + describe_value(value));
  if (non_empty && value.empty()) throw FieldError(key, expected(kind, what) + ", got an empty list");
  std::vector<std::string> out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      throw FieldError(key + "[" + std::to_string(i) + "]", expected("a string", what) + ", got " + describe_value(value[i]));
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

std::vector<std::string> optional_string_list(const json& record, const std::string& key, std::string_view what) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null()) return {};
  return need_string_list(record, key, what, false);
}

}  // namespace maspo::data::detail
