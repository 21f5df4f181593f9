// The template engine: Python str.format brace rules, restricted to two bare placeholders.
//
// Python's rules, as the reference code relied on them: `{{` and `}}` are literal braces; a `{`
// opens a replacement field that runs to the next `}`; a `}` on its own is an error. We accept
// only the fields `{question}` and `{context}` with no conversion (`!r`) or format spec (`:>10`),
// because a template is user text that an optimizer rewrites, and anything richer is far more
// likely a mistake (an unescaped JSON example, a LaTeX \frac{a}{b}) than an intent.
#include <string>

#include "maspo/mas.hpp"

namespace maspo::mas {

namespace {

// Where a byte offset is, for messages: 1-based line and column, columns counted in characters
// (UTF-8 continuation bytes do not start a new column) so the number matches an editor.
std::string position(std::string_view tmpl, std::size_t offset) {
  int line = 1;
  int column = 1;
  bool multiline = tmpl.find('\n') != std::string_view::npos;
  for (std::size_t i = 0; i < offset && i < tmpl.size(); ++i) {
    auto c = static_cast<unsigned char>(tmpl[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  std::string out = multiline ? "line " + std::to_string(line) + ", column " : "column ";
  return out + std::to_string(column);
}

constexpr std::string_view kEscapeHint = " (write `{{` or `}}` for a literal brace)";
constexpr std::string_view kOnlyTwo = ": only {question} and {context} are allowed";

// "<problem> at column N<detail>": the position right after the problem, then how to fix it.
[[noreturn]] void fail(std::string_view tmpl, std::size_t offset, const std::string& problem,
                       std::string_view detail = kEscapeHint) {
  throw TemplateError(problem + " at " + position(tmpl, offset) + std::string(detail));
}

// Shortens a field for a message, so a runaway `{` swallowing a paragraph stays readable.
std::string shown_field(std::string_view field) {
  constexpr std::size_t kMax = 40;
  std::string out(field.substr(0, kMax));
  if (field.size() > kMax) out += "…";
  return out;
}

enum class Field { question, context };

// Parses the replacement field whose `{` is at `open`; returns the field and sets `close` to the
// offset of its `}`.
Field parse_field(std::string_view tmpl, std::size_t open, std::size_t& close) {
  close = tmpl.find('}', open + 1);
  // Python reports a nested `{` inside a field before it looks for the closing brace.
  std::size_t nested = tmpl.find('{', open + 1);
  if (close == std::string_view::npos) {
    fail(tmpl, open, "stray `{` with no closing `}`");
  }
  if (nested != std::string_view::npos && nested < close) {
    fail(tmpl, open, "stray `{`", ": another `{` follows before its `}`" + std::string(kEscapeHint));
  }
  std::string_view field = tmpl.substr(open + 1, close - open - 1);
  if (field == "question") return Field::question;
  if (field == "context") return Field::context;

  std::string name = "`{" + shown_field(field) + "}`";
  if (field.empty()) {
    fail(tmpl, open, "positional placeholder `{}`", std::string(kOnlyTwo) + std::string(kEscapeHint));
  }
  std::size_t special = field.find_first_of("!:.[");
  std::string_view base = field.substr(0, special);
  if (special != std::string_view::npos && (base == "question" || base == "context")) {
    const char* what = field[special] == '!'   ? "a conversion (`!r`, `!s`)"
                       : field[special] == ':' ? "a format spec (`:>10`)"
                                               : "an attribute or index";
    fail(tmpl, open, "placeholder " + name + " has " + what, ": only the bare {question} and {context} are allowed");
  }
  if (field.find_first_not_of("0123456789") == std::string_view::npos) {
    fail(tmpl, open, "positional placeholder " + name, std::string(kOnlyTwo) + std::string(kEscapeHint));
  }
  fail(tmpl, open, "unknown placeholder " + name, std::string(kOnlyTwo) + std::string(kEscapeHint));
}

// Walks the template once; `literal` gets each run of literal text, `field` each placeholder.
template <typename Literal, typename OnField>
void scan(std::string_view tmpl, Literal&& literal, OnField&& field) {
  std::size_t start = 0;  // first byte of the pending literal run
  std::size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c != '{' && c != '}') {
      ++i;
      continue;
    }
    literal(tmpl.substr(start, i - start));
    if (i + 1 < tmpl.size() && tmpl[i + 1] == c) {  // `{{` or `}}`
      literal(tmpl.substr(i, 1));
      i += 2;
    } else if (c == '}') {
      fail(tmpl, i, "stray `}`");
    } else {
      std::size_t close = 0;
      field(parse_field(tmpl, i, close));
      i = close + 1;
    }
    start = i;
  }
  literal(tmpl.substr(start));
}

}  // namespace

Placeholders check_template(std::string_view tmpl) {
  Placeholders found;
  scan(
      tmpl, [](std::string_view) {},
      [&](Field f) { (f == Field::question ? found.question : found.context) = true; });
  return found;
}

std::string format_template(std::string_view tmpl, std::string_view question, std::string_view context) {
  std::string out;
  out.reserve(tmpl.size() + question.size() + context.size());
  scan(
      tmpl, [&](std::string_view text) { out += text; },
      [&](Field f) { out += f == Field::question ? question : context; });
  return out;
}

}  // namespace maspo::mas
