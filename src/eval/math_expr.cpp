#include "eval/math_expr.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "eval/text_util.hpp"

namespace maspo::eval::detail {
namespace {

constexpr std::array<std::string_view, 17> kFunctions{
    "arcsin", "arccos", "arctan", "sqrt", "sinh", "cosh", "tanh", "sin", "cos",
    "tan",    "cot",    "sec",    "csc",  "exp",  "log",  "ln",   "lg"};

// UTF-8 sequences normalize_math produces or passes through.
constexpr std::string_view kPi = "\xCF\x80";        // π
constexpr std::string_view kInfinity = "\xE2\x88\x9E";  // ∞

double call_function(std::string_view fn, double x) {
  if (fn == "sqrt") return std::sqrt(x);
  if (fn == "sin") return std::sin(x);
  if (fn == "cos") return std::cos(x);
  if (fn == "tan") return std::tan(x);
  if (fn == "cot") return 1.0 / std::tan(x);
  if (fn == "sec") return 1.0 / std::cos(x);
  if (fn == "csc") return 1.0 / std::sin(x);
  if (fn == "arcsin") return std::asin(x);
  if (fn == "arccos") return std::acos(x);
  if (fn == "arctan") return std::atan(x);
  if (fn == "sinh") return std::sinh(x);
  if (fn == "cosh") return std::cosh(x);
  if (fn == "tanh") return std::tanh(x);
  if (fn == "exp") return std::exp(x);
  if (fn == "ln" || fn == "log") return std::log(x);  // same base on both sides is all that matters
  if (fn == "lg") return std::log10(x);
  return std::numeric_limits<double>::quiet_NaN();
}

// A Greek letter (2-byte UTF-8 in U+0391..U+03C9) other than π is a variable name.
bool is_greek(std::string_view text, std::size_t i) {
  if (i + 1 >= text.size()) return false;
  const auto b0 = static_cast<unsigned char>(text[i]);
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  if (text.substr(i, 2) == kPi) return false;
  return (b0 == 0xCE && b1 >= 0x91) || (b0 == 0xCF && b1 <= 0x89);
}

}  // namespace

// Recursive descent over the text. Implicit multiplication binds like '*' (left to right), so
// "1/2x" is (1/2)·x — the reading normalize_math's output of "\frac{1}{2}x" needs.
class ExprParser {
 public:
  ExprParser(std::string_view text, Expr& expr) : text_(text), expr_(expr) {}

  bool run() {
    const int root = parse_sum();
    if (root < 0 || pos_ != text_.size()) return false;
    expr_.root_ = root;
    return true;
  }

 private:
  int depth_ = 0;
  using Kind = Expr::Node::Kind;

  int add(Kind kind, int left = -1, int right = -1, double value = 0.0, std::string name = {}) {
    expr_.nodes_.push_back({kind, value, std::move(name), left, right});
    return static_cast<int>(expr_.nodes_.size()) - 1;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  int parse_sum() {
    int left = parse_product();
    while (left >= 0 && (peek() == '+' || peek() == '-')) {
      const Kind kind = peek() == '+' ? Kind::add : Kind::sub;
      ++pos_;
      const int right = parse_product();
      if (right < 0) return -1;
      left = add(kind, left, right);
    }
    return left;
  }

  bool starts_atom() const {
    if (at_end()) return false;
    const char c = peek();
    return is_digit(c) || c == '.' || is_alpha(c) || c == '(' ||
           text_.substr(pos_).starts_with(kPi) || text_.substr(pos_).starts_with(kInfinity) ||
           is_greek(text_, pos_);
  }

  int parse_product() {
    int left = parse_unary();
    while (left >= 0) {
      Kind kind;
      if (peek() == '*') {
        kind = Kind::mul;
        ++pos_;
      } else if (peek() == '/') {
        kind = Kind::div;
        ++pos_;
      } else if (starts_atom()) {
        kind = Kind::mul;  // implicit: "2x", "3sqrt(2)", "(a)(b)"
      } else {
        break;
      }
      const int right = parse_unary();
      if (right < 0) return -1;
      left = add(kind, left, right);
    }
    return left;
  }

  int parse_unary() {
    // Every nesting ("((...", "2^2^...", "--...") passes here: a degenerate input deeper than
    // this is not an expression we compare, and must not overflow the stack.
    constexpr int kMaxDepth = 200;
    if (depth_ >= kMaxDepth) return -1;
    ++depth_;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    if (peek() == '-') {
      ++pos_;
      const int operand = parse_unary();
      return operand < 0 ? -1 : add(Kind::neg, operand);
    }
    if (peek() == '+') {
      ++pos_;
      return parse_unary();
    }
    return parse_power();
  }

  int parse_power() {
    int base = parse_postfix();
    if (base < 0) return -1;
    if (peek() == '^') {
      ++pos_;
      const int exponent = parse_unary();  // right-associative; "2^-3" allowed
      if (exponent < 0) return -1;
      base = add(Kind::pow, base, exponent);
    }
    return base;
  }

  int parse_postfix() {
    int atom = parse_atom();
    while (atom >= 0 && peek() == '!') {
      ++pos_;
      atom = add(Kind::factorial, atom);
    }
    return atom;
  }

  int parse_number() {
    const std::size_t start = pos_;
    while (!at_end() && is_digit(peek())) ++pos_;
    if (peek() == '.') {
      ++pos_;
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    if (pos_ == start + 1 && text_[start] == '.') return -1;
    // Scientific notation only in the unambiguous form digits e[+-]digits ("1.5e-3").
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      std::size_t k = pos_ + 1;
      if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
      if (k < text_.size() && is_digit(text_[k])) {
        while (k < text_.size() && is_digit(text_[k])) ++k;
        pos_ = k;
      }
    }
    const std::string number(text_.substr(start, pos_ - start));
    return add(Kind::number, -1, -1, std::strtod(number.c_str(), nullptr));
  }

  int parse_atom() {
    if (at_end()) return -1;
    const char c = peek();
    if (is_digit(c) || c == '.') return parse_number();
    if (c == '(') {
      ++pos_;
      const int inner = parse_sum();
      if (inner < 0 || peek() != ')') return -1;
      ++pos_;
      return inner;
    }
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with(kPi)) {
      pos_ += kPi.size();
      return add(Kind::number, -1, -1, std::numbers::pi);
    }
    if (rest.starts_with(kInfinity)) {
      pos_ += kInfinity.size();
      return add(Kind::number, -1, -1, std::numeric_limits<double>::infinity());
    }
    if (is_greek(text_, pos_)) {
      std::string name(text_.substr(pos_, 2));
      pos_ += 2;
      expr_.variables_.insert(name);
      return add(Kind::variable, -1, -1, 0.0, std::move(name));
    }
    if (!is_alpha(c)) return -1;
    for (std::string_view fn : kFunctions) {
      if (rest.starts_with(fn)) {
        pos_ += fn.size();
        // "sin(x)^2" squares the call; a bare argument takes its power: "sqrt2^2" = sqrt(2^2).
        const int argument = peek() == '(' ? parse_atom() : parse_power();
        return argument < 0 ? -1 : add(Kind::call, argument, -1, 0.0, std::string(fn));
      }
    }
    std::size_t run = 0;
    while (run < rest.size() && is_alpha(rest[run])) ++run;
    if (run >= 3) expr_.has_word_ = true;
    std::string name(1, c);
    ++pos_;
    expr_.variables_.insert(name);
    return add(Kind::variable, -1, -1, 0.0, std::move(name));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Expr& expr_;
};

std::optional<Expr> Expr::parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Expr expr;
  ExprParser parser(text, expr);
  if (!parser.run()) return std::nullopt;
  return expr;
}

double Expr::evaluate(const std::map<std::string, double>& values) const {
  // Iterative post-order would be faster; answers are tiny, recursion depth is their nesting.
  struct Eval {
    const std::vector<Node>& nodes;
    const std::map<std::string, double>& values;
    double operator()(int index) const {
      const Node& node = nodes[static_cast<std::size_t>(index)];
      switch (node.kind) {
        case Node::Kind::number: return node.value;
        case Node::Kind::variable: {
          const auto it = values.find(node.name);
          return it == values.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
        }
        case Node::Kind::add: return (*this)(node.left) + (*this)(node.right);
        case Node::Kind::sub: return (*this)(node.left) - (*this)(node.right);
        case Node::Kind::mul: return (*this)(node.left) * (*this)(node.right);
        case Node::Kind::div: return (*this)(node.left) / (*this)(node.right);
        case Node::Kind::pow: return std::pow((*this)(node.left), (*this)(node.right));
        case Node::Kind::neg: return -(*this)(node.left);
        case Node::Kind::factorial: {
          const double x = (*this)(node.left);
          if (x < 0 || x > 170 || x != std::floor(x)) return std::numeric_limits<double>::quiet_NaN();
          return std::tgamma(x + 1.0);
        }
        case Node::Kind::call: return call_function(node.name, (*this)(node.left));
      }
      return std::numeric_limits<double>::quiet_NaN();
    }
  };
  if (root_ < 0) return std::numeric_limits<double>::quiet_NaN();
  return Eval{nodes_, values}(root_);
}

}  // namespace maspo::eval::detail
