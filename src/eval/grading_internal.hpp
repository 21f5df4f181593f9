// Internals shared by bbh.cpp, code_extract.cpp, grader.cpp and vote_key.cpp.
#pragma once

#include <string>
#include <string_view>

namespace maspo::eval::detail {

// The BBH-normalized form of an answer: trimmed, trailing period and wrapping markdown dropped,
// whitespace collapsed, case-folded; "(A)" -> "(a)"; a bracket-only (Dyck) sequence without spaces.
std::string bbh_key(std::string_view answer);

// Python source with comment lines, trailing comments and blank lines removed (strings kept).
std::string strip_python_comments(std::string_view code);

}  // namespace maspo::eval::detail
