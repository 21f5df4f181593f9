// A YAML node that knows where it is (file, line, dotted key path), so every check on it can
// fail with a message naming all three. Section parsers read the config only through this.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "maspo/llm.hpp"

namespace maspo::config {

struct Source {
  std::string file;              // as the user named it, for messages
  std::filesystem::path dir;     // relative paths in the file are taken from here
};

class Field {
 public:
  Field(const Source& source, YAML::Node node, std::string path, int key_line, std::string key = {});

  const std::string& path() const { return path_; }
  const std::string& key() const { return key_; }   // the map key this value is under
  int line() const;                        // 1-based; 0 when unknown
  const Source& source() const { return *source_; }

  [[noreturn]] void fail(std::string_view message) const;
  // "unknown key (expected one of: a, b, c)", at the key's line. `what` names the kind of key.
  [[noreturn]] void fail_unknown(const std::vector<std::string_view>& allowed, std::string_view what = "key") const;
  // A required key `child` of this map is absent: reported at this map's own key line.
  [[noreturn]] void fail_missing(std::string_view child, std::string_view why) const;

  bool is_null() const { return node_.IsNull(); }

  // The entries of a map, in file order. Fails on anything but a map (null counts as an empty
  // map), on a non-scalar key and on a duplicate key.
  std::vector<Field> entries() const;

  std::string string() const;                                // any scalar
  std::string one_of(std::initializer_list<std::string_view> values) const;
  std::int64_t positive_int() const;
  int positive_int32() const;
  double positive_number() const;
  double non_negative_number() const;
  std::vector<std::string> string_or_list() const;           // `x` or `[x, y]`, non-empty
  std::filesystem::path file_path() const;                   // relative to the config's directory
  llm::json map_as_json() const;                             // a map, values converted as YAML types

 private:
  llm::json as_json() const;
  Field item(std::size_t index) const;     // an entry of a list
  std::string_view kind() const;           // "a map", "a list", ... for messages
  void expect_scalar(std::string_view expected) const;
  const std::string& scalar() const;       // the node's text, failing unless it is UTF-8

  const Source* source_;
  YAML::Node node_;
  std::string path_;
  std::string key_;
  int key_line_;
};

}  // namespace maspo::config
