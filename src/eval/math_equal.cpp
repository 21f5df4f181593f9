// math_equal: normalized-text equality first, then structure (lists, tuples, intervals, sets,
// unions, matrices) compared element by element, then values (numbers with a relative tolerance,
// expressions with variables at sample points, equations up to a constant factor).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/math_expr.hpp"
#include "eval/math_internal.hpp"
#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

using detail::Expr;

constexpr std::string_view kPlusMinus = "\xC2\xB1";   // ±
constexpr std::string_view kMinusPlus = "\xE2\x88\x93";   // ∓
constexpr std::string_view kUnion = "\xE2\x88\xAA";   // ∪

struct Item {
  enum class Kind { scalar, sequence, matrix, union_of } kind = Kind::scalar;
  std::string text;                      // scalar: the normalized text
  char open = 0;                         // sequence: '(' '[' '{' (a set) or 0 (a bare list)
  char close = 0;
  std::vector<Item> items;               // sequence / union elements
  std::vector<std::vector<Item>> rows;   // matrix
};

bool is_open(char c) { return c == '(' || c == '[' || c == '{'; }
bool is_close(char c) { return c == ')' || c == ']' || c == '}'; }

// Splits at `separator` outside any bracket. Interval brackets may be mixed ("(3,4]"), so the
// depth counts any opener against any closer.
std::vector<std::string_view> split_top(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_open(text[i])) ++depth;
    else if (is_close(text[i])) --depth;
    else if (depth == 0 && text.substr(i, separator.size()) == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + separator.size();
      i += separator.size() - 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Index of the bracket closing the one at text[0], npos if unbalanced.
std::size_t closing_of_first(std::string_view text) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_open(text[i])) ++depth;
    else if (is_close(text[i]) && --depth == 0) return i;
  }
  return std::string_view::npos;
}

Item parse_item(std::string_view text);

Item parse_sequence(std::string_view inner, char open, char close) {
  Item item;
  item.kind = Item::Kind::sequence;
  item.open = open;
  item.close = close;
  for (std::string_view part : split_top(inner, ",")) item.items.push_back(parse_item(part));
  return item;
}

Item parse_item(std::string_view text) {
  Item item;
  if (text.starts_with("mat(") && closing_of_first(text.substr(3)) == text.size() - 4) {
    item.kind = Item::Kind::matrix;
    for (std::string_view row : split_top(text.substr(4, text.size() - 5), ";")) {
      std::vector<Item> cells;
      for (std::string_view cell : split_top(row, ",")) cells.push_back(parse_item(cell));
      item.rows.push_back(std::move(cells));
    }
    return item;
  }
  if (auto pieces = split_top(text, kUnion); pieces.size() > 1) {
    item.kind = Item::Kind::union_of;
    for (std::string_view piece : pieces) item.items.push_back(parse_item(piece));
    return item;
  }
  if (auto parts = split_top(text, ","); parts.size() > 1) return parse_sequence(text, 0, 0);
  if (text.size() >= 2 && is_open(text.front()) && closing_of_first(text) == text.size() - 1) {
    const std::string_view inner = text.substr(1, text.size() - 2);
    if (text.front() == '{') return parse_sequence(inner, '{', '}');  // a set, even of one element
    if (split_top(inner, ",").size() > 1) return parse_sequence(inner, text.front(), text.back());
  }
  item.text = detail::strip_variable_prefix(text);
  return item;
}

// ---- values -----------------------------------------------------------------------------------

bool close_enough(double a, double b, double tolerance) {
  if (std::isnan(a) || std::isnan(b)) return false;
  if (std::isinf(a) || std::isinf(b)) return a == b;
  const double diff = std::fabs(a - b);
  return diff <= tolerance * std::max(std::fabs(a), std::fabs(b)) || diff <= 1e-12;
}

// Deterministic sample points for variables: a fixed generator keyed by the variable name, so both
// sides see the same value for "x". Non-integers avoid accidental agreement at 0, 1, 2.
double sample_value(const std::string& name, int point) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  h ^= static_cast<std::uint64_t>(point + 1) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 29;
  const double unit = static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
  // Half the points near zero (both signs), half larger and positive, so that an expression
  // defined only for x >= 3 ("sqrt(x-3)") still gets several points.
  return point % 2 == 0 ? -2.7 + 6.1 * unit : 0.5 + 19.5 * unit;
}

constexpr int kPoints = 16;

bool symbolic_candidate(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return detail::is_digit(c) || c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '(';
  });
}

// Same function of the same variables: equal at every sample point where both are defined.
bool same_function(const Expr& a, const Expr& b, double tolerance, bool up_to_factor) {
  if (a.variables() != b.variables()) return false;
  int compared = 0;
  std::optional<double> factor;
  for (int point = 0; point < kPoints; ++point) {
    std::map<std::string, double> values;
    for (const std::string& name : a.variables()) values[name] = sample_value(name, point);
    const double va = a.evaluate(values);
    const double vb = b.evaluate(values);
    if (!std::isfinite(va) && !std::isfinite(vb)) continue;  // outside both domains
    if (!std::isfinite(va) || !std::isfinite(vb)) return false;
    if (up_to_factor) {
      if (std::fabs(vb) < 1e-12) {
        if (std::fabs(va) > 1e-9) return false;
        continue;
      }
      const double ratio = va / vb;
      if (!factor) factor = ratio;
      if (std::fabs(*factor) < 1e-12 || !close_enough(ratio, *factor, std::max(tolerance, 1e-9))) return false;
    } else if (!close_enough(va, vb, std::max(tolerance, 1e-9)) && std::fabs(va - vb) > 1e-9) {
      return false;
    }
    ++compared;
  }
  return compared >= 3;
}

bool equation_equal(std::string_view a, std::string_view b, double tolerance) {
  const auto sides_a = split_top(a, "=");
  const auto sides_b = split_top(b, "=");
  if (sides_a.size() != 2 || sides_b.size() != 2) return false;
  // lhs - rhs as one expression; "2x=y+1" and "y=2x-1" are the same line.
  const auto ea = Expr::parse("(" + std::string(sides_a[0]) + ")-(" + std::string(sides_a[1]) + ")");
  const auto eb = Expr::parse("(" + std::string(sides_b[0]) + ")-(" + std::string(sides_b[1]) + ")");
  if (!ea || !eb || ea->has_word() || eb->has_word() || ea->variables().empty()) return false;
  return same_function(*ea, *eb, tolerance, /*up_to_factor=*/true);
}

struct Context {
  const MathOptions& options;
  bool percent_a = false;
  bool percent_b = false;
};

bool scalar_equal(const std::string& a, const std::string& b, const Context& context) {
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  const double tolerance = context.options.relative_tolerance;
  const auto ea = Expr::parse(a);
  const auto eb = Expr::parse(b);
  if (ea && eb && !ea->has_word() && !eb->has_word()) {
    if (ea->variables().empty() && eb->variables().empty()) {
      const double va = ea->evaluate();
      const double vb = eb->evaluate();
      if (close_enough(va, vb, tolerance)) return true;
      // "50\%" is 50 and also 0.5: the gold may be written either way.
      if (context.percent_a && close_enough(va / 100.0, vb, tolerance)) return true;
      if (context.percent_b && close_enough(va, vb / 100.0, tolerance)) return true;
      return false;
    }
    if (!ea->variables().empty() && symbolic_candidate(a) && symbolic_candidate(b)) {
      return same_function(*ea, *eb, tolerance, /*up_to_factor=*/false);
    }
    return false;
  }
  if (a.find('=') != std::string::npos && b.find('=') != std::string::npos) {
    return equation_equal(a, b, tolerance);
  }
  return false;
}

bool item_equal(const Item& a, const Item& b, const Context& context);

// "1±sqrt(19)" stands for two answers.
std::vector<Item> expand_plus_minus(const std::vector<Item>& items, bool& expanded) {
  std::vector<Item> out;
  for (const Item& item : items) {
    if (item.kind != Item::Kind::scalar) {
      out.push_back(item);
      continue;
    }
    std::string_view sign = kPlusMinus;
    std::size_t at = item.text.find(kPlusMinus);
    if (at == std::string::npos) {
      sign = kMinusPlus;
      at = item.text.find(kMinusPlus);
    }
    if (at == std::string::npos) {
      out.push_back(item);
      continue;
    }
    expanded = true;
    for (char replacement : {'+', '-'}) {
      Item copy = item;
      copy.text = item.text.substr(0, at) + replacement + item.text.substr(at + sign.size());
      std::vector<Item> one{copy};
      bool nested = false;
      for (Item& piece : expand_plus_minus(one, nested)) out.push_back(std::move(piece));
    }
  }
  return out;
}

bool sequence_equal(const std::vector<Item>& a, const std::vector<Item>& b, bool unordered, const Context& context) {
  if (a.size() != b.size()) return false;
  if (!unordered) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!item_equal(a[i], b[i], context)) return false;
    }
    return true;
  }
  // Multiset: each element of `a` takes one distinct equal element of `b`. Greedy suffices
  // because equality between answers is (numerically) transitive.
  std::vector<bool> used(b.size(), false);
  for (const Item& x : a) {
    bool found = false;
    for (std::size_t j = 0; j < b.size() && !found; ++j) {
      if (!used[j] && item_equal(x, b[j], context)) {
        used[j] = true;
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

std::vector<Item> flatten(const Item& matrix) {
  std::vector<Item> cells;
  for (const auto& row : matrix.rows) cells.insert(cells.end(), row.begin(), row.end());
  return cells;
}

bool is_vector(const Item& matrix) {
  return matrix.rows.size() == 1 || std::all_of(matrix.rows.begin(), matrix.rows.end(),
                                                [](const auto& row) { return row.size() == 1; });
}

bool item_equal(const Item& a, const Item& b, const Context& context) {
  using Kind = Item::Kind;
  if (a.kind == Kind::matrix && b.kind == Kind::matrix) {
    if (a.rows.size() != b.rows.size()) return false;
    for (std::size_t r = 0; r < a.rows.size(); ++r) {
      if (!sequence_equal(a.rows[r], b.rows[r], false, context)) return false;
    }
    return true;
  }
  // A column or row vector written as a tuple: "(1,-2,-1)" for a pmatrix of three rows.
  if (a.kind == Kind::matrix && b.kind == Kind::sequence && b.open == '(' && is_vector(a)) {
    return sequence_equal(flatten(a), b.items, false, context);
  }
  if (b.kind == Kind::matrix && a.kind == Kind::sequence && a.open == '(' && is_vector(b)) {
    return sequence_equal(a.items, flatten(b), false, context);
  }
  if (a.kind == Kind::union_of && b.kind == Kind::union_of) {
    return sequence_equal(a.items, b.items, true, context);
  }
  const bool a_list = a.kind == Kind::sequence && (a.open == 0 || a.open == '{');
  const bool b_list = b.kind == Kind::sequence && (b.open == 0 || b.open == '{');
  const bool a_plain = a_list || a.kind == Kind::scalar;
  const bool b_plain = b_list || b.kind == Kind::scalar;
  if (a_plain && b_plain && (a_list || b_list || a.text.find(kPlusMinus) != std::string::npos ||
                             b.text.find(kPlusMinus) != std::string::npos ||
                             a.text.find(kMinusPlus) != std::string::npos ||
                             b.text.find(kMinusPlus) != std::string::npos)) {
    // Lists (and "a±b", which is a list of two): a set or a ± is unordered by nature.
    bool expanded = false;
    const std::vector<Item> xs = expand_plus_minus(a_list ? a.items : std::vector<Item>{a}, expanded);
    const std::vector<Item> ys = expand_plus_minus(b_list ? b.items : std::vector<Item>{b}, expanded);
    if (xs.size() == 1 && ys.size() == 1 && !expanded) return item_equal(xs[0], ys[0], context);
    const bool unordered = context.options.unordered || expanded || a.open == '{' || b.open == '{';
    return sequence_equal(xs, ys, unordered, context);
  }
  if (a.kind == Kind::sequence && b.kind == Kind::sequence) {
    // Tuples and intervals: the bracket kinds are part of the answer ("(3,4]" is not "[3,4]").
    if (a.open != b.open || a.close != b.close) return false;
    return sequence_equal(a.items, b.items, false, context);
  }
  if (a.kind == Kind::scalar && b.kind == Kind::scalar) return scalar_equal(a.text, b.text, context);
  return false;
}

// "(C)" / "\text{(C)}": written as an option label, normalized to the bare letter.
std::optional<char> option_letter(std::string_view raw, const std::string& normalized) {
  if (normalized.size() == 1 && detail::is_upper(normalized[0]) && raw.find('(') != std::string_view::npos) {
    return normalized[0];
  }
  return std::nullopt;
}

}  // namespace

bool math_equal(std::string_view predicted, std::string_view gold, const MathOptions& options) {
  const std::string a = normalize_math(predicted);
  const std::string b = normalize_math(gold);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  // An option-letter answer ("\text{(C)}" in AGIEval): the other side names the option its way.
  if (const auto letter = option_letter(gold, b)) return extract_choice(predicted, 'Z') == letter;
  if (const auto letter = option_letter(predicted, a)) return extract_choice(gold, 'Z') == letter;
  Context context{options, detail::has_percent(predicted), detail::has_percent(gold)};
  return item_equal(parse_item(a), parse_item(b), context);
}

}  // namespace maspo::eval
