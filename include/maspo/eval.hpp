// maspo/eval.hpp — task metrics: answer extraction, math equivalence, choice letters, BBH exact
// match, and code graded in the sandbox.
//
// Extraction order (documented for users in docs/grading.md):
//   1. the last <answer>…</answer> (HTML entities unescaped first);
//   2. else the last \boxed{…} / \fbox{…}, nested braces balanced;
//   3. else the fallback: the text after the last "answer is" / "Answer:" marker on its line,
//      else the last non-empty line; choice tasks then look for a standalone letter in it.
// Nothing here ever uses substring matching to decide correctness.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maspo/data.hpp"
#include "maspo/sandbox.hpp"

namespace maspo::eval {

struct Extraction {
  std::string answer;   // the extracted text, trimmed; empty when nothing was found
  std::string method;   // "answer_tag" | "boxed" | "fallback" | "none"
};
Extraction extract_answer(std::string_view output);

// The content of the last balanced \boxed{...} (or \fbox{...}) in `text`, if any.
std::optional<std::string> last_boxed(std::string_view text);

// ---- math -----------------------------------------------------------------------------------
// Canonical text form of a math answer: LaTeX wrappers and spacing removed, \frac/\dfrac/\tfrac
// -> (a)/(b), \sqrt -> sqrt(), \text{} / units / degrees dropped, \left \right dropped,
// thousands separators removed from numbers, trailing ".0" / "." removed, ...
std::string normalize_math(std::string_view answer);

struct MathOptions {
  bool unordered = false;        // compare comma-separated lists as multisets
  double relative_tolerance = 1e-6;
};
// True when `predicted` and `gold` denote the same answer: equal after normalization, or equal as
// numbers (decimals vs fractions, percent, scientific), element-wise for tuples / intervals (with
// matching bracket kinds) and lists (as multisets when unordered).
bool math_equal(std::string_view predicted, std::string_view gold, const MathOptions& options = {});

// ---- multiple choice ------------------------------------------------------------------------
// The single letter A..last (default 'E') the answer names: "C", "(C)", "C)", "C. 42", "Option C",
// "\text{(C)}". nullopt when it names none or several distinct letters.
std::optional<char> extract_choice(std::string_view answer, char last = 'E');

// ---- BBH ------------------------------------------------------------------------------------
// Exact match after BBH normalization: trim, strip a trailing period, case-fold, "(A)" == "A" for
// option tasks, "True"/"true", dyck sequences compared token by token with spaces collapsed.
bool bbh_equal(std::string_view predicted, std::string_view gold);

// ---- code -----------------------------------------------------------------------------------
// The code to test from a model output: the last ```python fenced block containing "def ", else
// any other fenced block with "def ", else <code> blocks, else a `def` found in bare text up to
// the first non-indented, non-blank line that is not code. Empty when there is none.
std::string extract_code(std::string_view output);

// The complete program run in the sandbox for a code example: imports, the (prompt +) solution,
// the tests. HumanEval completions that hold only a body are joined to the prompt's signature.
std::string build_test_program(const data::Example& example, std::string_view code);

// ---- grading --------------------------------------------------------------------------------
struct Grade {
  bool correct = false;
  std::string extracted;     // extracted answer, or the extracted code
  std::string method;        // how it was extracted
  std::string status;        // "correct" | "wrong" | "no_answer" | code: "pass" | "fail" | "error" | "timeout"
  std::string detail;        // why (e.g. the sandbox's stderr tail), empty when correct
};

class Grader {
 public:
  // `sandbox` is needed only for code tasks; grade() of a code example without one throws
  // sandbox::Unavailable with the reason the caller recorded.
  explicit Grader(std::shared_ptr<const sandbox::Sandbox> sandbox = nullptr,
                  std::string sandbox_unavailable_reason = {});
  Grade grade(const data::Example& example, std::string_view final_output) const;

 private:
  std::shared_ptr<const sandbox::Sandbox> sandbox_;
  std::string reason_;
};

// Key used by a majority vote over agent outputs: the normalized extracted answer (math), the
// choice letter (choice tasks), the code with comments and blank lines stripped (code).
std::string vote_key(std::string_view output, data::TaskType task);

// ---- statistics -----------------------------------------------------------------------------
struct Interval {
  double low = 0.0;
  double high = 0.0;
};
// 95% Wilson score interval for k successes out of n (n = 0 gives [0, 1]).
Interval wilson_interval(int successes, int n, double z = 1.959963984540054);

// 95% percentile-bootstrap interval of the mean of `outcomes` (1 correct, 0 wrong): `resamples`
// resamples with replacement, drawn from a seeded generator so a table is reproducible. For
// means over seeds or datasets too, where Wilson's closed form does not apply. Empty: [0, 1].
Interval bootstrap_interval(const std::vector<double>& outcomes, int resamples = 2000, std::uint64_t seed = 0);

// Exact two-sided McNemar test for paired binary outcomes: `b` pairs where only the first
// method is right, `c` where only the second is. p = min(1, 2 * P[X <= min(b, c)]),
// X ~ Binomial(b + c, 1/2); 1 when b + c = 0.
double mcnemar_exact_p(int b, int c);

}  // namespace maspo::eval
