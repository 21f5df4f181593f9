#include "data/python_calls.hpp"

#include <algorithm>
#include <array>

namespace maspo::data::detail {

namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

bool is_one_of(std::string_view name, const auto& list) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

constexpr std::array<std::string_view, 18> kKeywords = {
    "and", "or", "not", "in", "is", "if", "else", "elif", "for", "while", "return", "assert",
    "lambda", "def", "class", "with", "yield", "await"};

// Builtins that wrap the call under test in MBPP asserts (`set(f(x)) == ...`, `abs(f(x) - y) < ...`).
constexpr std::array<std::string_view, 33> kBuiltins = {
    "abs", "all", "any", "bool", "bytes", "chr", "dict", "divmod", "enumerate", "filter", "float", "frozenset",
    "int", "isinstance", "iter", "len", "list", "map", "max", "min", "next", "ord", "pow", "print", "range",
    "repr", "reversed", "round", "set", "sorted", "str", "sum", "tuple"};

// Index just past the string literal starting at `i` (a quote, possibly tripled).
std::size_t skip_string(std::string_view code, std::size_t i) {
  const char quote = code[i];
  const bool triple = code.substr(i, 3) == std::string(3, quote);
  std::size_t j = i + (triple ? 3 : 1);
  while (j < code.size()) {
    if (code[j] == '\\') {
      j += 2;
      continue;
    }
    if (triple) {
      if (code.substr(j, 3) == std::string(3, quote)) return j + 3;
    } else if (code[j] == quote || code[j] == '\n') {
      return j + 1;
    }
    ++j;
  }
  return code.size();
}

}  // namespace

std::vector<std::string> called_functions(std::string_view code) {
  std::vector<std::string> names;
  std::size_t i = 0;
  while (i < code.size()) {
    const char c = code[i];
    if (c == '"' || c == '\'') {
      i = skip_string(code, i);
      continue;
    }
    if (c == '#') {
      while (i < code.size() && code[i] != '\n') ++i;
      continue;
    }
    if (!is_ident_start(c) || (i > 0 && is_ident_char(code[i - 1]))) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < code.size() && is_ident_char(code[i])) ++i;
    const std::string_view name = code.substr(start, i - start);
    // String prefixes (r"...", f'...', b"...") are not calls; let the quote be lexed next.
    std::size_t k = i;
    while (k < code.size() && (code[k] == ' ' || code[k] == '\t')) ++k;
    const bool is_call = k < code.size() && code[k] == '(';
    const bool is_method = start > 0 && code[start - 1] == '.';
    if (is_call && !is_method && !is_one_of(name, kKeywords) &&
        std::find(names.begin(), names.end(), name) == names.end()) {
      names.emplace_back(name);
    }
  }
  return names;
}

std::vector<std::string> top_level_functions(std::string_view code) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < code.size()) {
    std::size_t end = code.find('\n', start);
    if (end == std::string_view::npos) end = code.size();
    std::string_view line = code.substr(start, end - start);
    start = end + 1;
    for (std::string_view prefix : {"def ", "async def "}) {
      if (line.substr(0, prefix.size()) != prefix) continue;
      line.remove_prefix(prefix.size());
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      std::size_t n = 0;
      while (n < line.size() && is_ident_char(line[n])) ++n;
      if (n > 0) names.emplace_back(line.substr(0, n));
      break;
    }
  }
  return names;
}

std::string tested_function(std::string_view solution, std::string_view tests) {
  const auto called = called_functions(tests);
  for (const auto& name : top_level_functions(solution)) {
    if (std::find(called.begin(), called.end(), name) != called.end()) return name;
  }
  for (const auto& name : called) {
    if (!is_one_of(name, kBuiltins)) return name;
  }
  return {};
}

}  // namespace maspo::data::detail
