// sandbox/child.hpp — start one process with rlimits and a clean environment, collect its
// stdout/stderr under a wall-clock deadline, and kill its whole tree when the time is up.
//
// This is the part shared by the boxed and the unboxed runs; what is executed (bwrap, or python
// directly) is the caller's business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "maspo/sandbox.hpp"
#include "sandbox/capture.hpp"

namespace maspo::sandbox::detail {

// The uid/gid a root parent drops to before exec (see ChildSpec::drop_root).
inline constexpr unsigned kNobody = 65534;

struct ChildLimits {
  int cpu_s = 0;                  // RLIMIT_CPU soft; the hard limit is one second more
  std::int64_t memory_bytes = 0;  // RLIMIT_AS
  int processes = 0;              // RLIMIT_NPROC; 0 = left as inherited
  std::int64_t file_bytes = 0;    // RLIMIT_FSIZE
  int open_files = 64;            // RLIMIT_NOFILE
};                                // RLIMIT_CORE is always 0; a value <= 0 above leaves that limit

// The rlimits for `limits`, CPU seconds rounded up (RLIMIT_CPU counts whole seconds).
ChildLimits child_limits(const Limits& limits);

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is the file executed (a path, no PATH search)
  std::vector<std::string> env;   // the whole environment, "NAME=value"
  std::string cwd = "/";
  int program_fd = -1;            // when >= 0, becomes fd 3 of the child (bwrap --file 3)
  // When we run as root: become uid/gid 65534 before exec, so that nothing below runs as the
  // host's root (for which the kernel never enforces RLIMIT_NPROC) and bwrap builds an
  // unprivileged user namespace.
  bool drop_root = false;
  ChildLimits limits;
  double wall_s = 10.0;
  std::int64_t output_bytes = 64 << 10;
};

struct ChildOutcome {
  explicit ChildOutcome(std::size_t cap) : out(cap), err(cap) {}

  std::string spawn_error;  // non-empty: the child never ran (fork or exec failed)
  int exit_code = -1;       // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;   // we killed it at the wall-clock deadline
  OutputCapture out;
  OutputCapture err;
  double wall_s = 0.0;
  double cpu_s = 0.0;       // user + system time of the child and the descendants it reaped
                            // (0 through bwrap, which does not reap its init)
};

// Runs `spec` to completion or to its deadline. Thread-safe: many may run at once.
ChildOutcome run_child(const ChildSpec& spec);

}  // namespace maspo::sandbox::detail
