// normalize_math: LaTeX answer -> canonical plain text. Equal canonical texts are equal answers;
// math_equal then compares what still differs structurally and numerically.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "eval/math_internal.hpp"
#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace detail {
namespace {

constexpr std::string_view kPi = "\xCF\x80";
constexpr std::string_view kInfinity = "\xE2\x88\x9E";

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

void rstrip(std::string& text) {
  while (!text.empty() && is_space(text.back())) text.pop_back();
}

// "x^\circ", "x^{\circ}", "x°": the degree mark and the '^' that carried it both go.
void pop_script(std::string& out) {
  rstrip(out);
  if (!out.empty() && (out.back() == '^' || out.back() == '_')) out.pop_back();
}

// Exactly three digits start at text[i] (spaces skipped) and no fourth follows: a thousands group.
bool thousands_group_at(std::string_view text, std::size_t i) {
  while (i < text.size() && text[i] == ' ') ++i;
  if (i + 3 > text.size()) return false;
  for (std::size_t k = i; k < i + 3; ++k) {
    if (!is_digit(text[k])) return false;
  }
  return i + 3 == text.size() || !is_digit(text[i + 3]);
}

struct Greek {
  std::string_view name;
  std::string_view utf8;
};
constexpr std::array<Greek, 36> kGreek{{
    {"alpha", "\xCE\xB1"},   {"beta", "\xCE\xB2"},    {"gamma", "\xCE\xB3"},   {"delta", "\xCE\xB4"},
    {"epsilon", "\xCE\xB5"}, {"varepsilon", "\xCE\xB5"}, {"zeta", "\xCE\xB6"}, {"eta", "\xCE\xB7"},
    {"theta", "\xCE\xB8"},   {"vartheta", "\xCE\xB8"}, {"iota", "\xCE\xB9"},   {"kappa", "\xCE\xBA"},
    {"lambda", "\xCE\xBB"},  {"mu", "\xCE\xBC"},      {"nu", "\xCE\xBD"},      {"xi", "\xCE\xBE"},
    {"rho", "\xCF\x81"},     {"varrho", "\xCF\x81"},  {"sigma", "\xCF\x83"},   {"tau", "\xCF\x84"},
    {"upsilon", "\xCF\x85"}, {"phi", "\xCF\x86"},     {"varphi", "\xCF\x86"},  {"chi", "\xCF\x87"},
    {"psi", "\xCF\x88"},     {"omega", "\xCF\x89"},   {"Gamma", "\xCE\x93"},   {"Delta", "\xCE\x94"},
    {"Theta", "\xCE\x98"},   {"Lambda", "\xCE\x9B"},  {"Xi", "\xCE\x9E"},      {"Sigma", "\xCE\xA3"},
    {"Phi", "\xCE\xA6"},     {"Psi", "\xCE\xA8"},     {"Omega", "\xCE\xA9"},   {"Pi", "\xCE\xA0"},
}};

struct Symbol {
  std::string_view name;
  std::string_view text;
};
constexpr std::array<Symbol, 44> kSymbols{{
    {"cdot", "*"},       {"times", "*"},      {"ast", "*"},        {"cdotp", "*"},
    {"div", "/"},        {"pi", kPi},         {"infty", kInfinity}, {"infin", kInfinity},
    {"pm", "\xC2\xB1"},  {"mp", "\xE2\x88\x93"}, {"cup", "\xE2\x88\xAA"}, {"cap", "\xE2\x88\xA9"},
    {"le", "\xE2\x89\xA4"}, {"leq", "\xE2\x89\xA4"}, {"leqslant", "\xE2\x89\xA4"},
    {"ge", "\xE2\x89\xA5"}, {"geq", "\xE2\x89\xA5"}, {"geqslant", "\xE2\x89\xA5"},
    {"ne", "\xE2\x89\xA0"}, {"neq", "\xE2\x89\xA0"}, {"lt", "<"},   {"gt", ">"},
    {"in", "\xE2\x88\x88"}, {"approx", "\xE2\x89\x88"}, {"to", "\xE2\x86\x92"},
    {"rightarrow", "\xE2\x86\x92"}, {"Rightarrow", "\xE2\x86\x92"}, {"implies", "\xE2\x86\x92"},
    {"dots", "..."},     {"ldots", "..."},    {"cdots", "..."},    {"emptyset", "\xE2\x88\x85"},
    {"varnothing", "\xE2\x88\x85"}, {"mid", "|"}, {"vert", "|"},   {"lvert", "|"},
    {"rvert", "|"},      {"colon", ":"},      {"prime", "'"},      {"angle", "\xE2\x88\xA0"},
    {"perp", "\xE2\x8A\xA5"}, {"parallel", "\xE2\x88\xA5"}, {"cong", "\xE2\x89\x85"},
    {"equiv", "\xE2\x89\xA1"},
}};

class LatexConverter {
 public:
  std::string convert(std::string_view s) {
    // Every nesting (groups, \frac, \sqrt, ...) comes back through here: past this depth the
    // rest is kept as written, which no gold answer equals, instead of overflowing the stack
    // on a degenerate model reply.
    constexpr int kMaxDepth = 200;
    if (depth_ >= kMaxDepth) return std::string(s);
    ++depth_;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      const char c = s[i];
      if (c == '\\') {
        command(s, i, out);
      } else if (c == '{') {
        group(s, i, out);
      } else if (c == '}' || c == '$') {
        ++i;  // a stray closing brace, or a math-mode toggle
      } else if (c == '~' || is_space(c)) {
        out += ' ';
        ++i;
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        unicode(s, i, out);
      } else {
        out += c;
        ++i;
      }
    }
    return out;
  }

 private:
  int depth_ = 0;
  // One macro argument: a braced group, a control sequence, or a single character.
  static std::string_view read_arg(std::string_view s, std::size_t& i) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size()) return {};
    if (s[i] == '{') {
      const std::size_t close = match_brace(s, i);
      if (close == std::string_view::npos) {
        std::string_view rest = s.substr(i + 1);
        i = s.size();
        return rest;
      }
      std::string_view inner = s.substr(i + 1, close - i - 1);
      i = close + 1;
      return inner;
    }
    const std::size_t start = i;
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      if (is_alpha(s[i])) {
        while (i < s.size() && is_alpha(s[i])) ++i;
      } else {
        ++i;
      }
      return s.substr(start, i - start);
    }
    i += std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    return s.substr(start, i - start);
  }

  void group(std::string_view s, std::size_t& i, std::string& out) {
    const std::size_t close = match_brace(s, i);
    if (close == std::string_view::npos) {
      ++i;  // unbalanced: drop the brace, keep the content
      return;
    }
    const std::string_view inner = s.substr(i + 1, close - i - 1);
    i = close + 1;
    if (trim(inner) == ",") {
      // "1{,}000" is how LaTeX writes a thousands separator.
      if (!out.empty() && is_digit(out.back()) && thousands_group_at(s, i)) return;
      out += ',';
      return;
    }
    std::string converted = convert(inner);
    if (trim(converted).empty()) {
      pop_script(out);  // "x^{}" or "^{\circ}"
      return;
    }
    out += '(';
    out += converted;
    out += ')';
  }

  void unicode(std::string_view s, std::size_t& i, std::string& out) {
    const std::size_t len = std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    const std::string_view ch = s.substr(i, len);
    i += len;
    if (ch == "\xC2\xB0") {  // °
      pop_script(out);
    } else if (ch == "\xC3\x97" || ch == "\xC2\xB7" || ch == "\xE2\x8B\x85") {  // × · ⋅
      out += '*';
    } else if (ch == "\xC3\xB7") {  // ÷
      out += '/';
    } else if (ch == "\xE2\x88\x92" || ch == "\xE2\x80\x93") {  // − –
      out += '-';
    } else if (ch == "\xE2\x88\x9A") {  // √2, √(2), √{2}
      out += "sqrt";
      if (i < s.size() && (is_digit(s[i]) || is_alpha(s[i]))) {
        out += '(';
        while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) out += s[i++];
        if (out.back() == '(') out += s[i++];
        out += ')';
      }
    } else if (ch == "\xC2\xA0") {  // no-break space
      out += ' ';
    } else {
      out += ch;
    }
  }

  void fraction(std::string_view numerator, std::string_view denominator, std::string& out) {
    const std::string_view a = trim(numerator);
    const std::string_view b = trim(denominator);
    const auto all_digits = [](std::string_view t) {
      return !t.empty() && std::all_of(t.begin(), t.end(), [](char ch) { return is_digit(ch); });
    };
    if (all_digits(a) && all_digits(b)) {
      // A mixed number: "11 \frac{2}{3}" is 11 + 2/3 (the MATH convention), when the integer
      // stands alone (not an exponent, a decimal, a subscript or a factor after a variable).
      std::string head = out;
      rstrip(head);
      std::size_t k = head.size();
      while (k > 0 && is_digit(head[k - 1])) --k;
      if (k < head.size()) {
        const char before = k == 0 ? ' ' : head[k - 1];
        if (before == ' ' || before == '(' || before == '[' || before == '+' || before == '-' ||
            before == '=' || before == ',' || before == ';' || before == '{') {
          const std::string whole = head.substr(k);
          out = head.substr(0, k) + "(" + whole + "+" + std::string(a) + "/" + std::string(b) + ")";
          return;
        }
      }
    }
    out += '(';
    out += convert(a);
    out += ")/(";
    out += convert(b);
    out += ')';
  }

  void matrix(std::string_view s, std::size_t& i, std::string_view env, std::string& out) {
    const std::string end_tag = "\\end{" + std::string(env) + "}";
    std::size_t end = s.find(end_tag, i);
    if (end == std::string_view::npos) end = s.size();
    std::string_view body = s.substr(i, end - i);
    i = std::min(s.size(), end + end_tag.size());
    if (env == "array") {  // skip the column spec {cc}
      std::size_t k = 0;
      read_arg(body, k);
      body = body.substr(k);
    }
    std::string rows;
    std::size_t start = 0;
    int depth = 0;
    std::vector<std::string_view> row_texts;
    for (std::size_t k = 0; k < body.size(); ++k) {
      if (body[k] == '{') ++depth;
      if (body[k] == '}') --depth;
      if (depth == 0 && body.substr(k, 2) == "\\\\") {
        row_texts.push_back(body.substr(start, k - start));
        start = k + 2;
        ++k;
      }
    }
    row_texts.push_back(body.substr(start));
    for (std::string_view row : row_texts) {
      if (trim(row).empty()) continue;
      if (!rows.empty()) rows += ';';
      std::size_t cell_start = 0;
      bool first = true;
      for (std::size_t k = 0; k <= row.size(); ++k) {
        if (k == row.size() || row[k] == '&') {
          if (!first) rows += ',';
          rows += convert(row.substr(cell_start, k - cell_start));
          first = false;
          cell_start = k + 1;
        }
      }
    }
    out += "mat(" + rows + ")";
  }

  void command(std::string_view s, std::size_t& i, std::string& out) {
    const std::size_t start = i + 1;
    if (start >= s.size()) {
      ++i;
      return;
    }
    std::string_view name;
    if (is_alpha(s[start])) {
      std::size_t j = start;
      while (j < s.size() && is_alpha(s[j])) ++j;
      name = s.substr(start, j - start);
      i = j;
    } else {
      name = s.substr(start, 1);
      i = start + 1;
    }

    if (name.size() == 1 && !is_alpha(name[0])) {
      switch (name[0]) {
        case '!':
        case ',':
          // "10,\!080" / "1,\,000": a comma then a LaTeX space inside a number is a thousands
          // separator; the same comma followed by a space in "1, 2" is a list.
          if (out.size() >= 2 && out.back() == ',' && is_digit(out[out.size() - 2]) &&
              thousands_group_at(s, i)) {
            out.pop_back();
          } else if (name[0] == ',') {
            out += ' ';
          }
          return;
        case ';': case ':': case ' ': case '>': case '\\': out += ' '; return;
        case '{': out += '{'; return;
        case '}': out += '}'; return;
        case '%': out += '%'; return;
        case '&': out += '&'; return;
        case '#': out += '#'; return;
        case '_': out += '_'; return;
        case '|': out += '|'; return;
        default: return;  // \( \) \[ \] \$ and friends: math delimiters and escapes, no content
      }
    }

    if (one_of(name, {"frac", "dfrac", "tfrac", "cfrac"})) {
      const std::string_view a = read_arg(s, i);
      const std::string_view b = read_arg(s, i);
      fraction(a, b, out);
    } else if (one_of(name, {"binom", "dbinom", "tbinom", "choose"})) {
      const std::string_view a = read_arg(s, i);
      const std::string_view b = read_arg(s, i);
      out += "binom(" + convert(a) + "," + convert(b) + ")";
    } else if (name == "sqrt") {
      std::size_t k = i;
      while (k < s.size() && is_space(s[k])) ++k;
      std::string_view index;
      if (k < s.size() && s[k] == '[') {
        const std::size_t close = s.find(']', k);
        if (close != std::string_view::npos) {
          index = s.substr(k + 1, close - k - 1);
          i = close + 1;
        }
      }
      const std::string_view radicand = read_arg(s, i);
      if (index.empty()) {
        out += "sqrt(" + convert(radicand) + ")";
      } else {
        out += "(" + convert(radicand) + ")^(1/(" + convert(index) + "))";
      }
    } else if (one_of(name, {"text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal",
                             "textup", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathbb",
                             "mathcal", "mathscr", "mathfrak", "mbox", "hbox", "emph", "operatorname",
                             "boldsymbol", "bm", "boxed", "fbox", "underline", "mathnormal"})) {
      out += ' ';
      out += convert(read_arg(s, i));
      out += ' ';
    } else if (one_of(name, {"overline", "bar", "vec", "hat", "widehat", "tilde", "widetilde", "dot",
                             "overrightarrow", "overleftrightarrow"})) {
      out += std::string(name) + "(" + convert(read_arg(s, i)) + ")";
    } else if (one_of(name, {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg",
                             "Bigg", "biggl", "biggr", "Biggl", "Biggr", "middle", "displaystyle",
                             "textstyle", "scriptstyle", "limits", "nolimits", "mathop", "not"})) {
      if (i < s.size() && s[i] == '.') ++i;  // "\left." is an invisible delimiter
    } else if (one_of(name, {"quad", "qquad", "enspace", "thinspace", "space", "medspace",
                             "thickspace", "negthinspace", "negmedspace", "nobreak", "allowbreak"})) {
      out += ' ';
    } else if (one_of(name, {"hspace", "vspace", "phantom", "hphantom", "vphantom", "label", "tag"})) {
      read_arg(s, i);
      out += ' ';
    } else if (one_of(name, {"circ", "degree", "degrees"})) {
      pop_script(out);
    } else if (name == "begin") {
      const std::string_view env = trim(read_arg(s, i));
      if (one_of(env, {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "array", "vmatrix",
                       "Vmatrix"})) {
        matrix(s, i, env, out);
      }
    } else if (name == "end") {
      read_arg(s, i);
    } else if (one_of(name, {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
                             "sinh", "cosh", "tanh", "log", "ln", "exp", "lg", "max", "min", "gcd",
                             "lcm", "det", "deg"})) {
      out += name;
    } else {
      for (const Symbol& symbol : kSymbols) {
        if (symbol.name == name) {
          out += symbol.text;
          return;
        }
      }
      for (const Greek& greek : kGreek) {
        if (greek.name == name) {
          out += greek.utf8;
          return;
        }
      }
      out += '\\';
      out += name;
    }
  }
};

constexpr std::array<std::string_view, 80> kUnits{
    "unit", "units", "square", "sq", "cubic", "cm", "centimeter", "centimeters", "centimetre",
    "centimetres", "mm", "millimeter", "millimeters", "km", "kilometer", "kilometers", "meter",
    "meters", "metre", "metres", "inch", "inches", "ft", "foot", "feet", "yard", "yards", "yd",
    "mile", "miles", "mph", "kph", "hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins",
    "second", "seconds", "sec", "secs", "day", "days", "week", "weeks", "month", "months", "year",
    "years", "degree", "degrees", "deg", "cent", "cents", "dollar", "dollars", "pound", "pounds",
    "lb", "lbs", "ounce", "ounces", "oz", "gram", "grams", "kg", "liter", "liters", "litre",
    "litres", "ml", "gallon", "gallons", "per", "percent", "radians"};

bool is_unit(std::string_view word) {
  const std::string w = lower(word);
  return std::find(kUnits.begin(), kUnits.end(), w) != kUnits.end();
}

bool is_plain_number(std::string_view text) {
  text = trim(text);
  if (text.empty()) return false;
  bool digit = false;
  for (char c : text) {
    if (is_digit(c)) {
      digit = true;
    } else if (c != '.' && c != ',' && c != '-' && c != '/') {
      return false;
    }
  }
  return digit;
}

// "15 cm^2", "5.4 cents", "8 sqrt(3) square inches" -> the number. Only trailing unit words
// after a space, a digit or ')' go, and only while a digit remains ("\text{east}" is an answer).
std::string drop_units(std::string text) {
  for (;;) {
    std::string_view t = trim(text);
    std::size_t end = t.size();
    // An optional power after the unit: ^2 ^3 ^(2) ² ³.
    std::string_view tail = t;
    for (std::string_view power : {"^(2)", "^(3)", "^2", "^3", "\xC2\xB2", "\xC2\xB3"}) {
      if (tail.ends_with(power)) {
        end -= power.size();
        break;
      }
    }
    std::size_t e = end;
    while (e > 0 && t[e - 1] == ' ') --e;
    if (e > 0 && t[e - 1] == '.') --e;  // "sq." "in."
    std::size_t b = e;
    while (b > 0 && is_alpha(t[b - 1])) --b;
    if (b == e) break;
    if (b > 0 && !(t[b - 1] == ' ' || is_digit(t[b - 1]) || t[b - 1] == ')')) break;
    const std::string_view rest = t.substr(0, b);
    // Any word after a plain number is what it counts ("5 apples", "12 students").
    const bool counted_noun = e - b >= 3 && b > 0 && t[b - 1] == ' ' && end == t.size() && is_plain_number(rest);
    if (!is_unit(t.substr(b, e - b)) && !counted_noun) break;
    if (std::none_of(rest.begin(), rest.end(), [](char ch) { return is_digit(ch); }) &&
        rest.find(kPi) == std::string_view::npos) {
      break;
    }
    text = std::string(rest);
  }
  return std::string(trim(text));
}

// "1,000" and "12,345,678.5" at bracket depth 0 are numbers; inside ( ) or [ ] a comma separates
// coordinates, and "1, 000" (a space) is a list.
std::string join_thousands(std::string_view text) {
  std::string out;
  int depth = 0;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    const bool starts_number = is_digit(c) && (i == 0 || !(is_alnum(text[i - 1]) || text[i - 1] == '.' ||
                                                           text[i - 1] == ','));
    if (depth == 0 && starts_number) {
      std::size_t j = i;
      while (j < text.size() && is_digit(text[j])) ++j;
      if (j - i <= 3) {
        std::size_t k = j;
        int groups = 0;
        while (k + 4 <= text.size() && text[k] == ',' && is_digit(text[k + 1]) && is_digit(text[k + 2]) &&
               is_digit(text[k + 3]) && (k + 4 == text.size() || !is_digit(text[k + 4]))) {
          k += 4;
          ++groups;
        }
        const bool list_follows = k + 1 < text.size() && text[k] == ',' && is_digit(text[k + 1]);
        if (groups > 0 && !list_follows) {
          for (std::size_t m = i; m < k; ++m) {
            if (text[m] != ',') out += text[m];
          }
          i = k;
          continue;
        }
      }
      out.append(text.substr(i, j - i));
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

std::string remove_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!is_space(c)) out += c;
  }
  return out;
}

// "2 or 3", "x=2 \text{ and } x=3": a list written in words.
std::string words_as_commas(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (is_alpha(text[i]) && (i == 0 || !is_alpha(text[i - 1]))) {
      std::size_t j = i;
      while (j < text.size() && is_alpha(text[j])) ++j;
      const std::string word = lower(text.substr(i, j - i));
      const bool spaced = i > 0 && j < text.size() && is_space(text[i - 1]) && is_space(text[j]);
      if (spaced && (word == "or" || word == "and")) {
        out += ',';
      } else {
        out.append(text.substr(i, j - i));
      }
      i = j;
      continue;
    }
    out += text[i++];
  }
  return out;
}

// Bare words a model may type instead of LaTeX: "pi", "inf", "infinity", "sqrt".
std::string plain_words(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (is_alpha(text[i]) && (i == 0 || !is_alpha(text[i - 1]))) {
      std::size_t j = i;
      while (j < text.size() && is_alpha(text[j])) ++j;
      const std::string word = lower(text.substr(i, j - i));
      if (word == "pi") {
        out += kPi;
      } else if (word == "inf" || word == "infinity" || word == "infty") {
        out += kInfinity;
      } else {
        out.append(text.substr(i, j - i));
      }
      i = j;
      continue;
    }
    out += text[i++];
  }
  return out;
}

// "0.50" -> "0.5", "2.0" -> "2", ".5" -> "0.5", "007" -> "7"; numbers in a base ("0.0110_2")
// and in scientific notation's exponent keep their digits.
std::string canonical_numbers(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const bool digit_start = is_digit(text[i]) || (text[i] == '.' && i + 1 < text.size() && is_digit(text[i + 1]));
    const bool fresh = i == 0 || !(is_alnum(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == '_');
    if (!(digit_start && fresh)) {
      out += text[i++];
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && is_digit(text[j])) ++j;
    std::string_view integer = text.substr(i, j - i);
    std::string_view fraction;
    bool has_point = false;
    if (j < text.size() && text[j] == '.' && !(j + 1 < text.size() && text[j + 1] == '.')) {
      has_point = true;
      std::size_t k = j + 1;
      while (k < text.size() && is_digit(text[k])) ++k;
      fraction = text.substr(j + 1, k - j - 1);
      j = k;
    }
    if (j < text.size() && text[j] == '_') {  // a numeral in another base: leave it alone
      out.append(text.substr(i, j - i));
      i = j;
      continue;
    }
    while (integer.size() > 1 && integer.front() == '0') integer.remove_prefix(1);
    if (has_point) {
      while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
    }
    out += integer.empty() ? std::string_view("0") : integer;
    if (!fraction.empty()) {
      out += '.';
      out += fraction;
    }
    i = j;
  }
  return out;
}

bool is_atom(std::string_view t) {
  if (t.empty()) return false;
  if (t == kPi || t == kInfinity) return true;
  if (t.size() == 1) return is_alnum(t[0]);
  if (t.size() == 2 && static_cast<unsigned char>(t[0]) >= 0xC0) return true;  // a Greek letter
  bool point = false;
  for (char c : t) {
    if (c == '.') {
      if (point) return false;
      point = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  return true;
}

// "(2)" -> "2", "x^(2)" -> "x^2", "(1)/(2)" -> "1/2": parentheses around one number or letter
// carry nothing, unless they follow a name ("sqrt(2)", "f(x)") where they are an argument.
std::string drop_atom_parens(std::string text) {
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '(') continue;
      const std::size_t close = text.find_first_of("()", i + 1);
      if (close == std::string::npos || text[close] != ')') continue;
      if (!is_atom(std::string_view(text).substr(i + 1, close - i - 1))) continue;
      if (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == ')')) continue;
      text.erase(close, 1);
      text.erase(i, 1);
      changed = true;
    }
  }
  return text;
}

std::string strip_trailing_punctuation(std::string text) {
  while (!text.empty() && (text.back() == '.' || text.back() == ';' || text.back() == ',') &&
         !text.ends_with("...")) {
    text.pop_back();
  }
  while (!text.empty() && text.front() == '+') text.erase(0, 1);
  return text;
}

}  // namespace

std::string latex_to_plain(std::string_view latex) { return LatexConverter{}.convert(latex); }

std::string strip_variable_prefix(std::string_view normalized) {
  std::size_t k = 0;
  if (normalized.starts_with("(")) {
    // "(x,y)=(1,2)": a tuple of names in front of a tuple of values.
    std::size_t i = 1;
    while (i + 1 < normalized.size() && is_alpha(normalized[i]) && (normalized[i + 1] == ',' || normalized[i + 1] == ')')) {
      i += 2;
      if (normalized[i - 1] == ')') break;
    }
    if (i > 1 && normalized[i - 1] == ')' && i < normalized.size() && normalized[i] == '=' &&
        normalized.find('=', i + 1) == std::string_view::npos && i + 1 < normalized.size()) {
      return std::string(normalized.substr(i + 1));
    }
    return std::string(normalized);
  }
  if (normalized.size() >= 5 && is_alpha(normalized[0]) && normalized[1] == '(' && is_alpha(normalized[2]) &&
      normalized[3] == ')' && normalized[4] == '=') {
    k = 4;  // "f(x)=2x+1"
  } else if (!normalized.empty() && is_alpha(normalized[0])) {
    k = 1;
  } else if (normalized.size() >= 2 && static_cast<unsigned char>(normalized[0]) >= 0xC0 &&
             normalized.substr(0, 2) != kPi) {
    k = 2;
  } else {
    return std::string(normalized);
  }
  if (k < normalized.size() && normalized[k] == '_') {  // x_1=, a_n=
    ++k;
    while (k < normalized.size() && is_alnum(normalized[k])) ++k;
  }
  std::string_view rest = normalized.substr(k);
  if (rest.starts_with("=")) {
    rest.remove_prefix(1);
  } else if (rest.starts_with("\xE2\x88\x88")) {  // ∈
    rest.remove_prefix(3);
  } else {
    return std::string(normalized);
  }
  if (rest.empty() || rest.find('=') != std::string_view::npos) return std::string(normalized);
  return std::string(rest);
}

bool has_percent(std::string_view raw) {
  return raw.find('%') != std::string_view::npos || find_ci(raw, "percent") != std::string_view::npos;
}

}  // namespace detail

std::string normalize_math(std::string_view answer) {
  using namespace detail;
  std::string text = latex_to_plain(trim(answer));
  text = drop_units(std::move(text));
  text.erase(std::remove(text.begin(), text.end(), '%'), text.end());
  text = words_as_commas(text);
  text = join_thousands(text);
  text = remove_spaces(text);
  text = plain_words(text);
  text = strip_trailing_punctuation(std::move(text));
  text = canonical_numbers(text);
  text = drop_atom_parens(std::move(text));
  text = strip_variable_prefix(text);
  // A word answer ("\text{East}", "Friday") is compared without case; short letter strings
  // ("AB", "R") are names in math and keep theirs.
  if (text.size() >= 3 && std::all_of(text.begin(), text.end(), [](char c) { return is_alpha(c); })) {
    text = lower(text);
  }
  return text;
}

}  // namespace maspo::eval
