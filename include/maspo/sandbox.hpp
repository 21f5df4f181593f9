// maspo/sandbox.hpp — run untrusted (model-generated) Python in a box.
//
// Every piece of generated code runs here and nowhere else. The box is bubblewrap: new user, pid,
// network, ipc and uts namespaces (no network at all), the system directories read-only, a private
// tmpfs as the only writable place (the work dir), no home directory, an empty environment; plus
// rlimits on CPU time, address space, processes and file size, and a wall-clock timeout after
// which the whole process tree is killed. Output is captured up to a cap.
//
// Where the box cannot be created (no bwrap, user namespaces disabled), `Sandbox` refuses to run
// and says why — unless the caller explicitly asked for `allow_unsandboxed`, which then runs the
// code with the rlimits and timeout only, and says so in every result.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <stdexcept>

namespace maspo::sandbox {

struct Limits {
  double wall_s = 10.0;                    // wall-clock timeout for the whole run
  double cpu_s = 10.0;                     // RLIMIT_CPU
  std::int64_t memory_bytes = 1LL << 30;   // RLIMIT_AS
  int processes = 32;                      // RLIMIT_NPROC (enforced for a non-root sandbox uid)
  std::int64_t file_bytes = 16LL << 20;    // RLIMIT_FSIZE
  std::int64_t output_bytes = 64 << 10;    // stdout / stderr kept (each); the rest is discarded
};

struct Options {
  std::filesystem::path python = "/usr/bin/python3";  // system interpreter (outside $HOME)
  std::filesystem::path bwrap = "/usr/bin/bwrap";
  Limits limits;
  bool allow_unsandboxed = false;           // the explicit, unsafe opt-out
};

enum class Status {
  pass,      // exited 0
  fail,      // an assertion failed (AssertionError)
  error,     // any other non-zero exit: syntax error, exception, killed by a limit other than time
  timeout,   // wall clock or CPU limit reached
};
std::string_view to_string(Status status);

struct Result {
  Status status = Status::error;
  int exit_code = -1;          // -1 when killed by a signal
  int signal = 0;
  std::string stdout_text;     // capped at limits.output_bytes
  std::string stderr_text;     // capped at limits.output_bytes
  bool output_truncated = false;
  double wall_s = 0.0;
  bool sandboxed = true;       // false only with allow_unsandboxed on a machine with no box
};

// The box cannot be made and no opt-out was given. what() says why and how to fix it.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Sandbox {
 public:
  // Probes once that the box works here (runs `python -c pass` inside it). Throws Unavailable
  // when it does not and options.allow_unsandboxed is false.
  explicit Sandbox(Options options = {});

  // Runs `program` (a whole Python source file) in a fresh box. Thread-safe; many may run at once.
  Result run_python(std::string_view program) const;

  bool sandboxed() const { return sandboxed_; }
  // Why the box is unavailable ("" when it works).
  const std::string& unavailable_reason() const { return reason_; }
  const Options& options() const { return options_; }

 private:
  Options options_;
  bool sandboxed_ = true;
  std::string reason_;
};

}  // namespace maspo::sandbox
