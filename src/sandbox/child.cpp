#include "sandbox/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "sandbox/fd.hpp"

namespace maspo::sandbox::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Close-on-exec pipes, so a fork made by another thread at the same moment never inherits them
// (an inherited write end would hold our reader open until that other child exits).
bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
  return true;
}

// What the child reports through the error pipe when it cannot exec.
enum class Stage : int { fds, rlimit, drop_root, parent_gone, chdir, exec };
struct ChildError {
  Stage stage;
  int error;
};

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::fds: return "setting up its file descriptors";
    case Stage::rlimit: return "setting its resource limits";
    case Stage::drop_root: return "dropping root privileges";
    case Stage::parent_gone: return "starting (the parent went away)";
    case Stage::chdir: return "entering its work directory";
    case Stage::exec: return "exec";
  }
  return "starting";
}

// Everything the child touches after fork, prepared before it: in a multithreaded process the
// child may only make async-signal-safe calls (no malloc, no locks) until exec.
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  const char* cwd;
  int stdin_fd, stdout_fd, stderr_fd, program_fd, error_fd;
  int max_fd;  // fallback bound for closing inherited fds where close_range is missing
  struct Limit {
    int resource;
    rlimit value;
  };
  Limit limits[8];
  int limit_count;
  bool drop_root;
  pid_t parent;
};

[[noreturn]] void fail_in_child(int error_fd, Stage stage) noexcept {
  const ChildError report{stage, errno};
  [[maybe_unused]] const auto n = ::write(error_fd, &report, sizeof report);
  ::_exit(127);
}

[[noreturn]] void exec_child(const ChildPlan& plan) noexcept {
  // Exec keeps ignored signals and the signal mask, and the parent may ignore SIGPIPE or block
  // signals in this thread; the program gets the defaults.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Lift every source above the target numbers first, so that no dup2 below clobbers a source
  // that happened to be 0..4 (a parent with its stdin closed hands out fd 0 to pipe2).
  int error_fd = plan.error_fd;
  const int sources[] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd, plan.program_fd,
                         plan.error_fd};
  int lifted[5];
  for (int i = 0; i < 5; ++i) {
    lifted[i] = sources[i] < 0 ? -1 : ::fcntl(sources[i], F_DUPFD_CLOEXEC, 10);
    if (sources[i] >= 0 && lifted[i] < 0) fail_in_child(error_fd, Stage::fds);
  }
  for (int target = 0; target < 3; ++target) {
    if (::dup2(lifted[target], target) < 0) fail_in_child(error_fd, Stage::fds);
  }
  if (lifted[3] >= 0) {
    if (::dup2(lifted[3], 3) < 0) fail_in_child(error_fd, Stage::fds);
  } else {
    ::close(3);
  }
  if (::dup3(lifted[4], 4, O_CLOEXEC) < 0) fail_in_child(error_fd, Stage::fds);
  error_fd = 4;
  // Nothing else of the parent's crosses into the program: a leaked socket or database handle
  // would be a way out of the box.
  if (::syscall(SYS_close_range, 5U, ~0U, 0U) != 0) {
    for (int fd = 5; fd <= plan.max_fd; ++fd) ::close(fd);
  }

  for (int i = 0; i < plan.limit_count; ++i) {
    if (::setrlimit(plan.limits[i].resource, &plan.limits[i].value) != 0) {
      fail_in_child(error_fd, Stage::rlimit);
    }
  }
  ::setpgid(0, 0);  // our own group, so that the parent can kill the whole tree at once

  if (plan.drop_root && ::geteuid() == 0) {
    // Raw system calls: glibc's set*id wrappers synchronise every thread of the process, which
    // is not something to do between fork and exec.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, kNobody, kNobody, kNobody) != 0 ||
        ::syscall(SYS_setresuid, kNobody, kNobody, kNobody) != 0) {
      fail_in_child(error_fd, Stage::drop_root);
    }
  }
  // Set after the uid change, which clears it: if we die, the child dies (and with bwrap's
  // --die-with-parent, the whole box). Tied to the calling thread, which waits for the child.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != plan.parent) fail_in_child(error_fd, Stage::parent_gone);
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);  // no setuid binary gains anything from here on

  if (::chdir(plan.cwd) != 0) fail_in_child(error_fd, Stage::chdir);
  ::execve(plan.argv[0], plan.argv, plan.envp);
  fail_in_child(error_fd, Stage::exec);
}

std::vector<char*> c_array(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void add_limit(ChildPlan& plan, int resource, rlim_t soft, rlim_t hard) {
  plan.limits[plan.limit_count++] = {resource, rlimit{soft, hard}};
}

void fill_limits(ChildPlan& plan, const ChildLimits& limits) {
  plan.limit_count = 0;
  add_limit(plan, RLIMIT_CORE, 0, 0);
  if (limits.cpu_s > 0) {
    // SIGXCPU at the soft limit, SIGKILL one second later for a program that catches SIGXCPU.
    const auto soft = static_cast<rlim_t>(limits.cpu_s);
    add_limit(plan, RLIMIT_CPU, soft, soft + 1);
  }
  if (limits.memory_bytes > 0) {
    const auto bytes = static_cast<rlim_t>(limits.memory_bytes);
    add_limit(plan, RLIMIT_AS, bytes, bytes);
  }
  if (limits.processes > 0) {
    const auto n = static_cast<rlim_t>(limits.processes);
    add_limit(plan, RLIMIT_NPROC, n, n);
  }
  if (limits.file_bytes > 0) {
    const auto bytes = static_cast<rlim_t>(limits.file_bytes);
    add_limit(plan, RLIMIT_FSIZE, bytes, bytes);
  }
  if (limits.open_files > 0) {
    const auto n = static_cast<rlim_t>(limits.open_files);
    add_limit(plan, RLIMIT_NOFILE, n, n);
  }
}

int max_open_fd() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1 << 16;
  return static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 1 << 20));
}

// The child has ended (a zombie, not yet reaped)? Leaving it unreaped keeps its pid, and so its
// process group id, from being reused while we still signal that group.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

void reap(pid_t pid, ChildOutcome& outcome) {
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  outcome.cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Reads both pipes until the child has exited and both are at end of file, or the deadline.
// The pipes are drained even past the capture cap, so a program printing without end never
// blocks on a full pipe and still ends at its deadline.
void supervise(pid_t pid, Fd& out, Fd& err, Clock::time_point deadline, ChildOutcome& outcome) {
  // A pidfd wakes poll() the moment the child exits even while a descendant still holds the
  // pipes open; without one (kernels before 5.3) we look every 10 ms.
  Fd pidfd(open_pidfd(pid));
  std::vector<char> buffer(64 << 10);
  bool exited = false;
  for (;;) {
    if (!exited && has_exited(pid)) {
      // Whatever it left behind in its process group goes too (outside a box: background
      // children; inside one, the pid namespace already dies with bwrap).
      ::kill(-pid, SIGKILL);
      reap(pid, outcome);
      exited = true;
    }
    if (exited && !out.valid() && !err.valid()) return;

    const auto now = Clock::now();
    if (now >= deadline) {
      if (!exited) {
        outcome.timed_out = true;
        ::kill(-pid, SIGKILL);
        reap(pid, outcome);
      }
      return;
    }
    pollfd fds[3];
    nfds_t count = 0;
    if (out.valid()) fds[count++] = {out.get(), POLLIN, 0};
    if (err.valid()) fds[count++] = {err.get(), POLLIN, 0};
    if (!exited && pidfd.valid()) fds[count++] = {pidfd.get(), POLLIN, 0};
    auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    if (!exited && !pidfd.valid()) wait_ms = std::min<decltype(wait_ms)>(wait_ms, 10);
    if (::poll(fds, count, static_cast<int>(wait_ms)) < 0) continue;  // EINTR: look again

    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0 || fds[i].fd == pidfd.get()) continue;
      Fd& pipe = fds[i].fd == out.get() ? out : err;
      OutputCapture& capture = fds[i].fd == out.get() ? outcome.out : outcome.err;
      const ssize_t n = ::read(pipe.get(), buffer.data(), buffer.size());
      if (n > 0) {
        capture.append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        pipe.reset();
      }
    }
  }
}

}  // namespace

ChildLimits child_limits(const Limits& limits) {
  ChildLimits out;
  out.cpu_s = limits.cpu_s > 0 ? std::max(1, static_cast<int>(std::ceil(limits.cpu_s))) : 0;
  out.memory_bytes = limits.memory_bytes;
  out.processes = limits.processes;
  out.file_bytes = limits.file_bytes;
  return out;
}

ChildOutcome run_child(const ChildSpec& spec) {
  ChildOutcome outcome(static_cast<std::size_t>(std::max<std::int64_t>(0, spec.output_bytes)));
  const auto start = Clock::now();
  // Clamped so that an absurd limit cannot overflow the clock arithmetic.
  const double wall_s = std::clamp(spec.wall_s, 0.0, 1e6);
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wall_s));
  auto finish = [&](std::string error) {
    outcome.spawn_error = std::move(error);
    outcome.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    return std::move(outcome);
  };
  if (spec.argv.empty()) return finish("nothing to run");

  Fd out_read, out_write, err_read, err_write, report_read, report_write;
  if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write) ||
      !make_pipe(report_read, report_write)) {
    return finish(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  // Only our ends are non-blocking; the program's ends stay ordinary blocking pipes.
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull.valid()) return finish(fmt::format("cannot open /dev/null: {}", std::strerror(errno)));

  const auto argv = c_array(spec.argv);
  const auto envp = c_array(spec.env);
  ChildPlan plan{};
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd = spec.cwd.c_str();
  plan.stdin_fd = devnull.get();
  plan.stdout_fd = out_write.get();
  plan.stderr_fd = err_write.get();
  plan.program_fd = spec.program_fd;
  plan.error_fd = report_write.get();
  plan.max_fd = max_open_fd();
  fill_limits(plan, spec.limits);
  plan.drop_root = spec.drop_root;
  plan.parent = ::getpid();

  // All signals blocked across fork, so none of the parent's handlers runs in the child before
  // it resets them; the child unblocks after.
  sigset_t all, previous;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(plan);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return finish(fmt::format("cannot fork: {}", std::strerror(fork_errno)));

  ::setpgid(pid, pid);  // the child does it too: whichever comes first, kill(-pid) is safe
  out_write.reset();
  err_write.reset();
  report_write.reset();
  devnull.reset();

  // The report pipe closes on a successful exec and carries a ChildError otherwise.
  ChildError report{};
  ssize_t got = 0;
  while ((got = ::read(report_read.get(), &report, sizeof report)) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof report)) {
    reap(pid, outcome);
    return finish(fmt::format("cannot run {}: {} failed: {}", spec.argv.front(),
                              stage_name(report.stage), std::strerror(report.error)));
  }

  supervise(pid, out_read, err_read, deadline, outcome);
  outcome.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return outcome;
}

}  // namespace maspo::sandbox::detail
