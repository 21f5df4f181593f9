// bbh_equal: BIG-Bench Hard exact match, made robust to the ways a correct answer is written
// ("(A)" / "A" / "(A) the option text", "True." / "true", "] ] }" / "]]}", "24" / "24.0").
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "eval/grading_internal.hpp"
#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace detail {
namespace {

bool is_bracket(char c) {
  return c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '<' || c == '>';
}

// An option label "(A)".."(R)" (BBH's largest option set) — the gold form of option tasks.
std::optional<char> option_label(std::string_view text) {
  if (text.size() == 3 && text[0] == '(' && text[2] == ')' && is_alpha(text[1])) return to_upper(text[1]);
  return std::nullopt;
}

std::optional<double> as_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  if (text[i] == '-' || text[i] == '+') ++i;
  bool digits = false;
  bool point = false;
  for (; i < text.size(); ++i) {
    if (is_digit(text[i])) {
      digits = true;
    } else if (text[i] == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return std::strtod(std::string(text).c_str(), nullptr);
}

}  // namespace

std::string bbh_key(std::string_view answer) {
  std::string_view text = trim(answer);
  // Wrapping markdown and quotes: **True**, `valid`, "Yes".
  while (text.size() >= 2 && (text.front() == '*' || text.front() == '`' || text.front() == '"') &&
         text.back() == text.front()) {
    text = trim(text.substr(1, text.size() - 2));
  }
  while (!text.empty() && text.back() == '.') text = trim(text.substr(0, text.size() - 1));
  std::string collapsed;
  for (char c : text) {
    if (is_space(c)) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += to_lower(c);
    }
  }
  if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  // Dyck-language answers are bracket sequences; spacing between tokens is not part of them.
  if (!collapsed.empty() &&
      std::all_of(collapsed.begin(), collapsed.end(), [](char c) { return c == ' ' || is_bracket(c); }) &&
      !option_label(collapsed)) {
    collapsed.erase(std::remove(collapsed.begin(), collapsed.end(), ' '), collapsed.end());
  }
  // "A" and "(A)" are the same option.
  if (collapsed.size() == 1 && is_alpha(collapsed[0])) collapsed = "(" + collapsed + ")";
  return collapsed;
}

}  // namespace detail

bool bbh_equal(std::string_view predicted, std::string_view gold) {
  const std::string p = detail::bbh_key(predicted);
  const std::string g = detail::bbh_key(gold);
  if (p.empty() || g.empty()) return false;
  if (p == g) return true;
  if (const auto label = detail::option_label(g)) {
    // The label followed by the option's text ("(B) the blue ball"): the label decides.
    const auto letter = extract_choice(predicted, 'Z');
    return letter && *letter == *label;
  }
  const auto pn = detail::as_number(p);
  const auto gn = detail::as_number(g);
  return pn && gn && *pn == *gn;
}

}  // namespace maspo::eval
