// Just enough Python lexing to find which function a list of asserts calls (MBPP gives no
// entry point). Not a parser: it skips string literals and comments and looks for `name(`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace maspo::data::detail {

// Names called in `code` as plain functions (`f(` but not `obj.f(`, not keywords), in order of
// first appearance, each once.
std::vector<std::string> called_functions(std::string_view code);

// Names of the top-level `def`s in `code`, in order.
std::vector<std::string> top_level_functions(std::string_view code);

// The function the tests exercise: the first top-level def of `solution` the tests call; else the
// first name the tests call that is not a Python builtin; empty when there is none.
std::string tested_function(std::string_view solution, std::string_view tests);

}  // namespace maspo::data::detail
