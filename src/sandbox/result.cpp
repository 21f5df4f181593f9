#include <signal.h>

#include <algorithm>

#include "sandbox/runners.hpp"

namespace maspo::sandbox::detail {

std::vector<std::string> program_env(std::string_view home) {
  return {"PATH=/usr/bin:/bin",
          "HOME=" + std::string(home),
          "LANG=C.UTF-8",
          "PYTHONDONTWRITEBYTECODE=1",
          "PYTHONHASHSEED=0"};
}

bool ends_with_assertion_error(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  const auto newline = text.rfind('\n');
  const std::string_view last = newline == std::string_view::npos ? text : text.substr(newline + 1);
  constexpr std::string_view kName = "AssertionError";
  return last.substr(0, kName.size()) == kName &&
         (last.size() == kName.size() || last[kName.size()] == ':');
}

Status classify(const ChildOutcome& outcome, const Limits& limits) {
  if (outcome.timed_out || outcome.signal == SIGXCPU) return Status::timeout;
  // A program that catches or ignores SIGXCPU runs on to the hard CPU limit and gets SIGKILL
  // there. Out of a box, wait4 tells its CPU time. Through bwrap it does not (bwrap's init reaps
  // the program and bwrap itself does not wait for its init), but a program cannot use more CPU
  // than wall-clock time without several threads: a SIGKILL we did not send, after at least
  // the soft CPU limit of wall time, is taken for the CPU limit.
  const auto cpu_limit = child_limits(limits).cpu_s;
  if (outcome.signal == SIGKILL && cpu_limit > 0 &&
      std::max(outcome.cpu_s, outcome.wall_s) >= cpu_limit) {
    return Status::timeout;
  }
  if (outcome.signal == 0 && outcome.exit_code == 0) return Status::pass;
  if (outcome.signal == 0 && ends_with_assertion_error(outcome.err.tail())) return Status::fail;
  return Status::error;
}

Result make_result(ChildOutcome outcome, const Limits& limits, bool sandboxed) {
  Result result;
  result.sandboxed = sandboxed;
  result.wall_s = outcome.wall_s;
  if (!outcome.spawn_error.empty()) {
    result.status = Status::error;
    result.stderr_text = outcome.spawn_error;
    return result;
  }
  result.status = classify(outcome, limits);
  result.exit_code = outcome.signal != 0 ? -1 : outcome.exit_code;
  result.signal = outcome.signal;
  result.stdout_text = outcome.out.head();
  result.stderr_text = outcome.err.head();
  result.output_truncated = outcome.out.truncated() || outcome.err.truncated();
  return result;
}

}  // namespace maspo::sandbox::detail
