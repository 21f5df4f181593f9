// Small text helpers shared by the eval files (ASCII-only case handling: answers are compared
// after normalization, never by locale rules).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace maspo::eval::detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
inline char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view text);
std::string lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
// Position of the last case-insensitive occurrence of `needle` (ASCII), npos if none.
std::size_t rfind_ci(std::string_view haystack, std::string_view needle, std::size_t before = std::string_view::npos);
std::size_t find_ci(std::string_view haystack, std::string_view needle, std::size_t from = 0);

// &lt; &gt; &amp; &quot; &#39; &apos; &#x27; &nbsp; — repeated (at most `rounds` times) because
// outputs that passed through several JSON/HTML layers arrive double-escaped ("&amp;lt;").
std::string html_unescape(std::string_view text, int rounds = 3);

// Lines of `text` without their '\n' (a trailing '\r' is dropped too).
std::vector<std::string_view> split_lines(std::string_view text);

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence; keeps the head or the tail.
std::string_view utf8_head(std::string_view text, std::size_t max_bytes);
std::string_view utf8_tail(std::string_view text, std::size_t max_bytes);

// Content of the balanced group that opens at text[open] ('{'), or npos when unbalanced.
// Returns the index of the matching '}'. A backslash escapes the next character (\{ \}).
std::size_t match_brace(std::string_view text, std::size_t open);

}  // namespace maspo::eval::detail
