#include "config/yaml_field.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "maspo/util.hpp"
#include "util/utf8.hpp"

namespace maspo::config {

namespace {

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// Values are quoted back only where they cannot be secrets (numbers, enum words), and shortened so
// a pasted blob does not flood the terminal.
std::string shown(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string out = "`";
  out += value.substr(0, kMax);
  if (value.size() > kMax) out += "…";
  return out + "`";
}

bool parse_int(const std::string& text, std::int64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool parse_double(const std::string& text, double& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty() && std::isfinite(out);
}


// YAML 1.2 core schema for plain scalars: quoted scalars stay strings.
llm::json scalar_to_json(const YAML::Node& node, const std::string& s) {
  if (node.Tag() == "!") return s;
  static const std::set<std::string, std::less<>> nulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string, std::less<>> trues = {"true", "True", "TRUE"};
  static const std::set<std::string, std::less<>> falses = {"false", "False", "FALSE"};
  if (nulls.count(s)) return nullptr;
  if (trues.count(s)) return true;
  if (falses.count(s)) return false;
  std::int64_t i = 0;
  if (parse_int(s, i)) return i;
  double d = 0;
  if (parse_double(s, d)) return d;
  return s;
}

}  // namespace

Field::Field(const Source& source, YAML::Node node, std::string path, int key_line, std::string key)
    : source_(&source), node_(std::move(node)), path_(std::move(path)), key_(std::move(key)), key_line_(key_line) {}

int Field::line() const {
  // yaml-cpp marks an absent value (`key:` and a line break) on the line after its key, and a
  // block map or list on its first entry; the user looks for the key in both cases.
  if (!node_.IsScalar() || node_.Mark().is_null()) return key_line_;
  return node_.Mark().line + 1;
}

Field Field::item(std::size_t index) const {
  YAML::Node n = node_[index];
  int own_line = n.Mark().is_null() ? line() : n.Mark().line + 1;
  return Field(*source_, n, path_ + "[" + std::to_string(index) + "]", own_line);
}

void Field::fail(std::string_view message) const {
  throw InputError(where(source_->file, line(), path_, message));
}

void Field::fail_unknown(const std::vector<std::string_view>& allowed, std::string_view what) const {
  // Point at the key itself: its value may start on another line.
  throw InputError(where(source_->file, key_line_, path_,
                         "unknown " + std::string(what) + " (expected one of: " + join(allowed) + ")"));
}

void Field::fail_missing(std::string_view child, std::string_view why) const {
  std::string child_path = path_.empty() ? std::string(child) : path_ + "." + std::string(child);
  throw InputError(where(source_->file, key_line_, child_path, "missing: " + std::string(why)));
}

std::string_view Field::kind() const {
  switch (node_.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "nothing";
  }
}

void Field::expect_scalar(std::string_view expected) const {
  if (!node_.IsScalar()) fail("expected " + std::string(expected) + ", got " + std::string(kind()));
}

const std::string& Field::scalar() const {
  const std::string& text = node_.Scalar();
  // yaml-cpp passes invalid bytes through, and a config value ends up in JSON.
  if (const auto bad = utf8::first_invalid(text)) {
    fail("the value is not valid UTF-8 (bad byte 0x" + fmt::format("{:02X}", static_cast<unsigned char>(text[*bad])) +
         " at byte " + std::to_string(*bad + 1) + " of the value); expected UTF-8 text");
  }
  return text;
}

std::vector<Field> Field::entries() const {
  if (node_.IsNull()) return {};
  if (!node_.IsMap()) fail("expected a map of `key: value` entries, got " + std::string(kind()));
  std::vector<Field> out;
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : node_) {
    int line = kv.first.Mark().line + 1;
    if (!kv.first.IsScalar()) {
      throw InputError(where(source_->file, line, path_, "every key must be a plain name"));
    }
    std::string name = kv.first.Scalar();
    if (!utf8::is_valid(name)) {
      throw InputError(where(source_->file, line, path_, "a key is not valid UTF-8; expected a plain name"));
    }
    std::string child = path_.empty() ? name : path_ + "." + name;
    if (!seen.insert(name).second) {
      throw InputError(where(source_->file, line, child, "duplicate key (it is already set above)"));
    }
    out.emplace_back(*source_, kv.second, std::move(child), line, std::move(name));
  }
  return out;
}

std::string Field::string() const {
  expect_scalar("a string");
  return scalar();
}

std::string Field::one_of(std::initializer_list<std::string_view> values) const {
  std::vector<std::string_view> allowed(values);
  expect_scalar("one of: " + join(allowed));
  const std::string& s = scalar();
  for (auto v : values) {
    if (s == v) return s;
  }
  fail("expected one of: " + join(allowed) + " (got " + shown(s) + ")");
}

std::int64_t Field::positive_int() const {
  expect_scalar("a positive integer");
  std::int64_t v = 0;
  if (!parse_int(scalar(), v) || v <= 0) {
    fail("expected a positive integer (got " + shown(scalar()) + ")");
  }
  return v;
}

int Field::positive_int32() const {
  std::int64_t v = positive_int();
  if (v > std::numeric_limits<int>::max()) fail("expected a positive integer of at most 2147483647");
  return static_cast<int>(v);
}

double Field::positive_number() const {
  expect_scalar("a positive number");
  double v = 0;
  if (!parse_double(scalar(), v) || v <= 0) {
    fail("expected a positive number (got " + shown(scalar()) + ")");
  }
  return v;
}

double Field::non_negative_number() const {
  expect_scalar("a number >= 0");
  double v = 0;
  if (!parse_double(scalar(), v) || v < 0) {
    fail("expected a number >= 0 (got " + shown(scalar()) + ")");
  }
  return v;
}

std::vector<std::string> Field::string_or_list() const {
  if (node_.IsScalar()) return {scalar()};
  if (!node_.IsSequence()) fail("expected a string or a list of strings, got " + std::string(kind()));
  if (node_.size() == 0) fail("expected at least one entry");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node_.size(); ++i) {
    out.push_back(item(i).string());
  }
  return out;
}

std::filesystem::path Field::file_path() const {
  std::filesystem::path p = string();
  if (p.empty()) fail("expected a file path, got an empty string");
  return p.is_absolute() ? p : (source_->dir / p).lexically_normal();
}

llm::json Field::map_as_json() const {
  if (!node_.IsMap() && !node_.IsNull()) fail("expected a map of `key: value` entries, got " + std::string(kind()));
  return as_json();
}

llm::json Field::as_json() const {
  if (node_.IsMap()) {
    llm::json out = llm::json::object();
    for (const Field& entry : entries()) out[entry.key_] = entry.as_json();
    return out;
  }
  if (node_.IsSequence()) {
    llm::json out = llm::json::array();
    for (std::size_t i = 0; i < node_.size(); ++i) {
      out.push_back(item(i).as_json());
    }
    return out;
  }
  if (node_.IsScalar()) return scalar_to_json(node_, scalar());
  if (node_.IsNull()) return nullptr;
  return nullptr;
}

}  // namespace maspo::config
