// sandbox/box.cpp — the bubblewrap command line: what the box holds, and what it does not.
//
// Inside: /usr and the /bin, /lib* entries of the host read-only, a fresh /proc (own pid
// namespace) and a minimal /dev, size-capped private tmpfs at /tmp, /dev/shm and /work (the
// program's cwd and HOME), and nothing else — no /etc, no /home, no /root, no repository, no
// network but a loopback of its own. The root and /dev are read-only, so the capped tmpfs are
// the only writable places: tmpfs lives in memory and is not charged to RLIMIT_AS.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "sandbox/fd.hpp"
#include "sandbox/runners.hpp"

namespace maspo::sandbox::detail {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWorkDir = "/work";
constexpr const char* kProgramPath = "/work/main.py";

// RLIMIT_NPROC is set by this launcher, inside the box, and not by us before exec'ing bwrap:
// the kernel charges processes to a (user namespace, uid) pair and checks every level up to the
// host. Set before bwrap, the limit would count every process of the host uid — all boxes
// running at once for a root parent dropped to 65534, the whole desktop session for a normal
// user — and concurrent runs would fail to start. Set inside the fresh user namespace, it counts
// this box's processes only. It exec's the interpreter again, so the program runs exactly as
// `python3 /work/main.py`; the cost is one `python3 -I -S` start (bench/README.md, bench_sandbox, gives the whole box's cost per item).
constexpr const char* kLauncher =
    "import os,sys,resource as r;n=int(sys.argv[1]);r.setrlimit(r.RLIMIT_NPROC,(n,n));"
    "os.execv(sys.argv[2],sys.argv[2:])";

// /bin, /lib, /lib64... as the host has them: symlinks into /usr on a merged-/usr system,
// directories on an older one. Read once; the host's root does not change under us.
struct RootEntry {
  std::string path;
  std::string symlink_target;  // empty: a directory, bound read-only
};

const std::vector<RootEntry>& system_entries() {
  static const std::vector<RootEntry> entries = [] {
    std::vector<RootEntry> out;
    for (const char* path : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
      std::error_code ec;
      const auto status = fs::symlink_status(path, ec);
      if (ec) continue;
      if (fs::is_symlink(status)) {
        auto target = fs::read_symlink(path, ec);
        if (!ec) out.push_back({path, target.string()});
      } else if (fs::is_directory(status)) {
        out.push_back({path, ""});
      }
    }
    return out;
  }();
  return entries;
}

bool is_within(const fs::path& path, const fs::path& dir) {
  const auto rel = path.lexically_normal().lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

// An interpreter outside /usr (say /opt/conda/bin/python3) needs its installation prefix in the
// box, read-only. Never "/" and never inside a home directory: the box shows no home at all, and
// a python there makes the probe fail with a message saying so.
std::optional<fs::path> python_prefix(const fs::path& python) {
  std::error_code ec;
  const auto real = fs::canonical(python, ec);
  if (ec || is_within(real, "/usr")) return std::nullopt;
  for (const auto& entry : system_entries()) {
    if (entry.symlink_target.empty() && is_within(real, entry.path)) return std::nullopt;
  }
  const auto prefix = real.parent_path().parent_path();
  if (prefix.empty() || prefix == "/") return std::nullopt;
  std::vector<fs::path> homes = {"/root", "/home"};
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') homes.push_back(home);
  for (const auto& home : homes) {
    if (is_within(prefix, home) || is_within(home, prefix) || prefix == home) return std::nullopt;
  }
  return prefix;
}

void add_tmpfs(std::vector<std::string>& argv, const char* path, std::int64_t size) {
  if (size > 0) {
    argv.insert(argv.end(), {"--size", std::to_string(size)});  // applies to the next mount
  }
  argv.insert(argv.end(), {"--tmpfs", path});
}

std::vector<std::string> box_argv(const Options& options) {
  const std::string python = options.python.string();
  std::vector<std::string> argv = {
      options.bwrap.string(),
      // Every namespace; --unshare-user again because --unshare-all only *tries* it, and a box
      // silently without its user namespace is not the box we mean.
      "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
      "--die-with-parent",  // the box dies with bwrap, bwrap with us (PR_SET_PDEATHSIG)
      "--new-session",      // no TIOCSTI into a terminal we might have
      "--uid", std::to_string(kNobody), "--gid", std::to_string(kNobody),
      "--hostname", "sandbox",
      "--ro-bind", "/usr", "/usr"};
  for (const auto& entry : system_entries()) {
    if (entry.symlink_target.empty()) {
      argv.insert(argv.end(), {"--ro-bind", entry.path, entry.path});
    } else {
      argv.insert(argv.end(), {"--symlink", entry.symlink_target, entry.path});
    }
  }
  if (const auto prefix = python_prefix(options.python)) {
    argv.insert(argv.end(), {"--ro-bind", prefix->string(), prefix->string()});
  }
  argv.insert(argv.end(), {"--proc", "/proc", "--dev", "/dev"});
  const std::int64_t tmpfs_bytes = options.limits.file_bytes;
  add_tmpfs(argv, "/dev/shm", tmpfs_bytes);  // multiprocessing needs it
  add_tmpfs(argv, "/tmp", tmpfs_bytes);
  add_tmpfs(argv, kWorkDir, tmpfs_bytes);
  // The program arrives as fd 3 (a memfd) and bwrap copies it into /work/main.py: a real file,
  // so tracebacks quote its source lines (with `python3 -` they would say <stdin> and quote
  // nothing), and no pipe to feed while we also read the program's output.
  argv.insert(argv.end(), {"--file", "3", kProgramPath, "--remount-ro", "/dev", "--remount-ro",
                           "/", "--chdir", kWorkDir});
  if (options.limits.processes > 0) {
    argv.insert(argv.end(), {python, "-I", "-S", "-c", kLauncher,
                             std::to_string(options.limits.processes), python, kProgramPath});
  } else {
    argv.insert(argv.end(), {python, kProgramPath});
  }
  return argv;
}

Fd program_memfd(std::string_view program) {
  Fd fd(::memfd_create("maspo-program", MFD_CLOEXEC));
  if (!fd.valid()) return fd;
  while (!program.empty()) {
    const ssize_t n = ::write(fd.get(), program.data(), program.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fd();
    program.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return Fd();  // bwrap reads from the current offset
  return fd;
}

}  // namespace

Result run_in_box(const Options& options, std::string_view program) {
  const Fd memfd = program_memfd(program);
  if (!memfd.valid()) {
    Result result;
    result.stderr_text = fmt::format("cannot hand the program to the box: {}", std::strerror(errno));
    return result;
  }
  ChildSpec spec;
  spec.argv = box_argv(options);
  spec.env = program_env(kWorkDir);  // bwrap passes its environment on, and it sees no other
  spec.program_fd = memfd.get();
  spec.drop_root = true;
  spec.limits = child_limits(options.limits);
  spec.limits.processes = 0;  // set inside the box, see kLauncher
  spec.wall_s = options.limits.wall_s;
  spec.output_bytes = options.limits.output_bytes;

  auto outcome = run_child(spec);
  // bwrap exits with 128 + N when the program died of signal N. (A program calling
  // sys.exit(128 + N) reads the same; nothing tells them apart from out here.)
  if (outcome.spawn_error.empty() && outcome.signal == 0 && outcome.exit_code > 128 &&
      outcome.exit_code < 128 + NSIG) {
    outcome.signal = outcome.exit_code - 128;
    outcome.exit_code = -1;
  }
  return make_result(std::move(outcome), options.limits, true);
}

}  // namespace maspo::sandbox::detail
