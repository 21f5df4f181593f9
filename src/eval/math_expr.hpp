// A small arithmetic evaluator for normalized math answers (the output of normalize_math):
// numbers (decimal, scientific), + - * / ^ !, parentheses, implicit multiplication ("2π", "3x",
// "(a+1)(b+2)"), π, ∞, sqrt and the usual functions, and single-letter variables. Written by hand
// because no small library parses this LaTeX-flavoured notation, and all we need is a value.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace maspo::eval::detail {

class Expr {
 public:
  // nullopt when the text is not an expression this grammar reads (lists, intervals, '=', '_' ...).
  static std::optional<Expr> parse(std::string_view text);

  // Variables are single letters ("x", "i") or Greek letters ("θ"); π and e-notation are not.
  const std::set<std::string>& variables() const { return variables_; }
  // True when the text contains a run of three or more letters that is not a function name: a
  // word ("east"), which must not be compared as a product of variables.
  bool has_word() const { return has_word_; }

  double evaluate(const std::map<std::string, double>& values = {}) const;

  struct Node;

 private:
  std::vector<Node> nodes_;
  int root_ = -1;
  std::set<std::string> variables_;
  bool has_word_ = false;
  friend class ExprParser;
};

struct Expr::Node {
  enum class Kind { number, variable, add, sub, mul, div, pow, neg, factorial, call } kind;
  double value = 0.0;
  std::string name;   // variable or function
  int left = -1;
  int right = -1;
};

}  // namespace maspo::eval::detail
