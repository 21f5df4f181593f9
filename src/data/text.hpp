// Small text helpers the loaders share.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maspo::data::detail {

std::string_view trim(std::string_view text);
bool is_blank(std::string_view text);
std::string ascii_lower(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// 1-based line of a byte offset (for errors in whole-document JSON files).
int line_of_offset(std::string_view text, std::size_t offset);

// A value shown inside an error message: JSON text, cut short so one bad field cannot flood it.
std::string excerpt(std::string_view text, std::size_t max_chars = 60);

}  // namespace maspo::data::detail
