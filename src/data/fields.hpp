// Reading typed fields out of one dataset record. A problem with a record is a FieldError (the
// key and what was expected); the loader driver turns it into an InputError or a skipped line,
// adding the file and line it knows and the field readers do not.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace maspo::data::detail {

using json = nlohmann::json;

class FieldError : public std::runtime_error {
 public:
  FieldError(std::string key, const std::string& message) : std::runtime_error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// The record itself must be a JSON object.
void require_object(const json& record);

// `what` names the field's role in messages: "expected a string (the gold answer)".
const std::string& need_string(const json& record, const std::string& key, std::string_view what);
// As need_string, and not blank.
const std::string& need_text(const json& record, const std::string& key, std::string_view what);
// Absent or null → empty; any other non-string is an error.
std::string optional_string(const json& record, const std::string& key, std::string_view what);
// A list of strings; `non_empty` demands at least one element.
std::vector<std::string> need_string_list(const json& record, const std::string& key, std::string_view what,
                                          bool non_empty);
// Absent → empty list.
std::vector<std::string> optional_string_list(const json& record, const std::string& key, std::string_view what);

// A JSON value's kind and a short excerpt of it, for "got ..." in messages.
std::string describe_value(const json& value);

}  // namespace maspo::data::detail
