// Internals shared by latex_normalize.cpp, math_equal.cpp and choice.cpp.
#pragma once

#include <string>
#include <string_view>

namespace maspo::eval::detail {

// LaTeX -> plain text, before any clean-up: \frac{a}{b} -> (a)/(b), \sqrt{x} -> sqrt(x), \pi -> π,
// \text{..} unwrapped, spacing commands -> ' ', matrices -> mat(a,b;c,d), set braces \{ \} -> { }.
std::string latex_to_plain(std::string_view latex);

// "x=5" -> "5", "f(x)=2x" -> "2x", "x∈[1,2]" -> "[1,2]": a single-variable name in front of the
// only '=' of an already normalized answer says nothing about its value.
std::string strip_variable_prefix(std::string_view normalized);

// The answer is written as a percentage ("50\%", "50 percent").
bool has_percent(std::string_view raw);

}  // namespace maspo::eval::detail
