// extract_choice: which option letter an answer names. Letters come from (1) a label heading the
// answer ("C", "(C) 42", "C: 42"), (2) explicit labels anywhere ("(C)", "option C", "answer is C"),
// (3) lone capitals, except "A"/"I" used as words ("A car travels"). Exactly one distinct letter
// is an answer; none or several is not.
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

using detail::is_alnum;
using detail::is_alpha;
using detail::is_space;
using detail::is_upper;

// LaTeX and markdown wrappers around a letter: \text{(C)}, \textbf{C}, \boxed{C}, **C**, `C`, $C$.
std::string unwrap(std::string_view answer) {
  std::string out;
  for (std::size_t i = 0; i < answer.size();) {
    const char c = answer[i];
    if (c == '\\') {
      std::size_t j = i + 1;
      while (j < answer.size() && is_alpha(answer[j])) ++j;
      if (j == i + 1 && j < answer.size()) ++j;  // \( \) \[ \] \$
      const std::string_view name = answer.substr(i + 1, j - i - 1);
      if (name == "(" || name == ")" || name == "[" || name == "]") {
        out += ' ';
      }
      i = j;  // \text \textbf \mathrm \boxed ... : the command goes, its braced argument stays
      continue;
    }
    if (c == '{' || c == '}' || c == '$' || c == '*' || c == '`') {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

bool in_range(char letter, char last) { return letter >= 'A' && letter <= last; }

// (1) the answer starts with a label: "C", "(C)", "[C]", "C)", "C.", "C:", "c", "C. 42",
// "(C) 42", "C: 42". Returns the letter and, through `rest`, the text after the label.
std::optional<char> leading_label(std::string_view text, char last, std::string_view& rest) {
  std::size_t i = 0;
  const bool bracketed = i < text.size() && (text[i] == '(' || text[i] == '[');
  if (bracketed) ++i;
  if (i >= text.size() || !is_alpha(text[i])) return std::nullopt;
  const char letter = text[i];
  ++i;
  if (bracketed) {
    if (i >= text.size() || (text[i] != ')' && text[i] != ']')) return std::nullopt;
    ++i;
  }
  rest = text.substr(i);
  if (!rest.empty() && !bracketed && (rest.front() == '.' || rest.front() == ')' || rest.front() == ':')) {
    rest.remove_prefix(1);
    if (!rest.empty() && !is_space(rest.front())) return std::nullopt;  // "C.D." "e.g."
  } else if (!rest.empty() && !(bracketed && (is_space(rest.front()) || rest.front() == '.'))) {
    return std::nullopt;  // "Cat", "A car": the letter is part of a word or a sentence
  }
  rest = detail::trim(rest);
  if (detail::is_lower(letter)) {
    // A lower-case letter counts only alone ("c", "(c)", "c)"), never at the head of text.
    if (!rest.empty() && rest != ".") return std::nullopt;
    rest = {};
    return in_range(detail::to_upper(letter), last) ? std::optional<char>(detail::to_upper(letter)) : std::nullopt;
  }
  return in_range(letter, last) ? std::optional<char>(letter) : std::nullopt;
}

bool standalone(std::string_view text, std::size_t i) {
  return (i == 0 || !is_alnum(text[i - 1])) && (i + 1 >= text.size() || !is_alnum(text[i + 1]));
}

// (2) explicit labels anywhere in the text.
std::set<char> labels(std::string_view text, char last) {
  std::set<char> found;
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    // "(C)" / "[C]"
    if ((text[i] == '(' || text[i] == '[') && is_upper(text[i + 1]) &&
        (text[i + 2] == ')' || text[i + 2] == ']') && in_range(text[i + 1], last)) {
      found.insert(text[i + 1]);
    }
  }
  // "option C", "choice C", "answer is C", "answer: C", "answer C" (the keyword case-insensitive,
  // the letter upper-case and standing alone).
  for (std::string_view keyword : {"option", "choice", "answer"}) {
    for (std::size_t at = detail::find_ci(text, keyword); at != std::string_view::npos;
         at = detail::find_ci(text, keyword, at + 1)) {
      if (at > 0 && is_alpha(text[at - 1])) continue;
      std::size_t i = at + keyword.size();
      if (i < text.size() && text[i] == 's') ++i;  // "options"
      while (i < text.size() && (is_space(text[i]) || text[i] == ':' || text[i] == '*')) ++i;
      if (detail::iequals(text.substr(i, 3), "is ")) i += 3;
      while (i < text.size() && (is_space(text[i]) || text[i] == '(' || text[i] == '[')) ++i;
      if (i < text.size() && is_upper(text[i]) && standalone(text, i) && in_range(text[i], last)) {
        found.insert(text[i]);
      }
    }
  }
  // "C) ..." / "C. ..." / "C: ..." at the start of a line.
  for (std::string_view line : detail::split_lines(text)) {
    line = detail::trim(line);
    if (line.size() >= 2 && is_upper(line[0]) && (line[1] == ')' || line[1] == ':' || line[1] == '.') &&
        (line.size() == 2 || is_space(line[2])) && in_range(line[0], last)) {
      found.insert(line[0]);
    }
  }
  return found;
}

// (3) capital letters standing alone, except "A"/"I" used as words ("A car", "I think").
std::set<char> bare_letters(std::string_view text, char last) {
  std::set<char> found;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_upper(text[i]) || !standalone(text, i) || !in_range(text[i], last)) continue;
    if (i > 0 && (text[i - 1] == '\'' || text[i - 1] == '-')) continue;  // "Vitamin-C", "'A'" in a word
    if (i + 1 < text.size() && text[i + 1] == '\'') continue;            // "I'm"
    const bool word_follows = i + 2 < text.size() && text[i + 1] == ' ' && detail::is_lower(text[i + 2]);
    if ((text[i] == 'A' || text[i] == 'I') && word_follows) continue;
    found.insert(text[i]);
  }
  return found;
}

}  // namespace

std::optional<char> extract_choice(std::string_view answer, char last) {
  last = detail::to_upper(last);
  const std::string cleaned = unwrap(answer);
  const std::string_view text = detail::trim(cleaned);
  if (text.empty()) return std::nullopt;
  std::set<char> letters;
  std::string_view rest = text;
  if (auto label = leading_label(text, last, rest)) {
    letters.insert(*label);
  } else {
    rest = text;
  }
  // Explicit labels and lone capitals anywhere else; naming two different options is no answer.
  for (char letter : labels(rest, last)) letters.insert(letter);
  for (char letter : bare_letters(rest, last)) letters.insert(letter);
  if (letters.size() == 1) return *letters.begin();
  return std::nullopt;
}

}  // namespace maspo::eval
