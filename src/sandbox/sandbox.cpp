// sandbox/sandbox.cpp — Sandbox: probe once whether the box works here, then run programs in it.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "maspo/sandbox.hpp"
#include "sandbox/runners.hpp"

namespace maspo::sandbox {
namespace {

// What the probe printed, on one line and short enough for an error message.
std::string brief(const Result& probe) {
  std::string text = probe.stderr_text.empty() ? probe.stdout_text : probe.stderr_text;
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > 400) text = text.substr(0, 400) + "...";
  if (text.empty()) {
    text = probe.signal != 0 ? fmt::format("killed by signal {}", probe.signal)
                             : fmt::format("exit code {}", probe.exit_code);
  }
  return text;
}

// Probes run `pass`; give them time even on a loaded machine with a tight wall limit.
Options probe_options(const Options& options) {
  Options probe = options;
  probe.limits.wall_s = std::max(probe.limits.wall_s, 10.0);
  probe.limits.cpu_s = std::max(probe.limits.cpu_s, 5.0);
  return probe;
}

// "" when a box can be made here and Python runs in it; otherwise why not, and what to do.
std::string box_problem(const Options& options) {
  if (::access(options.bwrap.c_str(), X_OK) != 0) {
    return fmt::format(
        "bubblewrap not found at {} ({}): install it (Debian/Ubuntu: apt-get install bubblewrap) "
        "or point the sandbox's bwrap option at it",
        options.bwrap.string(), std::strerror(errno));
  }
  const auto probe = detail::run_in_box(probe_options(options), "pass");
  if (probe.status == Status::pass) return "";
  return fmt::format(
      "bubblewrap at {} cannot run {} in a sandbox here: {}. If it cannot create namespaces, "
      "unprivileged user namespaces are disabled: allow them (sysctl "
      "kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; in a container, a "
      "seccomp/AppArmor profile that permits them)",
      options.bwrap.string(), options.python.string(), brief(probe));
}

}  // namespace

Sandbox::Sandbox(Options options) : options_(std::move(options)) {
  // No interpreter means nothing can run, box or no box: refuse even with allow_unsandboxed
  // rather than grade every program as an error.
  if (::access(options_.python.c_str(), X_OK) != 0) {
    throw Unavailable(fmt::format(
        "no Python interpreter at {} ({}): point the sandbox's python option at a system "
        "python3, e.g. /usr/bin/python3",
        options_.python.string(), std::strerror(errno)));
  }
  reason_ = box_problem(options_);
  if (reason_.empty()) return;
  if (!options_.allow_unsandboxed) {
    throw Unavailable(reason_ +
                      "; or, knowingly, allow running generated code without a sandbox "
                      "(allow_unsandboxed: unsafe)");
  }
  sandboxed_ = false;
  const auto probe = detail::run_on_host(probe_options(options_), "pass");
  if (probe.status != Status::pass) {
    throw Unavailable(fmt::format("{} does not run even without a sandbox: {}",
                                  options_.python.string(), brief(probe)));
  }
}

Result Sandbox::run_python(std::string_view program) const {
  return sandboxed_ ? detail::run_in_box(options_, program)
                    : detail::run_on_host(options_, program);
}

}  // namespace maspo::sandbox
