// sandbox/runners.hpp — the two ways to run a program: in a bubblewrap box, or (the explicit,
// unsafe opt-out) directly on the host with rlimits and the timeout only.
#pragma once

#include <string_view>

#include "maspo/sandbox.hpp"
#include "sandbox/child.hpp"

namespace maspo::sandbox::detail {

Result run_in_box(const Options& options, std::string_view program);
Result run_on_host(const Options& options, std::string_view program);

// The environment the program sees, whole: nothing of the parent's (API keys above all).
std::vector<std::string> program_env(std::string_view home);

// Status and Result from what the child did.
Status classify(const ChildOutcome& outcome, const Limits& limits);
Result make_result(ChildOutcome outcome, const Limits& limits, bool sandboxed);

// The exception that ended a Python program is the last line of its traceback; an assert that
// failed prints "AssertionError" or "AssertionError: message" there.
bool ends_with_assertion_error(std::string_view stderr_tail);

}  // namespace maspo::sandbox::detail
