// Driving the real `maspo` binary and the standalone fake OpenAI server from a test: run maspo
// with a private cache dir and captured output; start the server and learn its port.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "support/subprocess.hpp"

namespace maspo::testing {

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "exit " << r.code << "\n--- stdout ---\n" << r.out << "\n--- stderr ---\n" << r.err;
}

// Runs MASPO_BIN with `args`; stdout/stderr captured in `dir`. The child gets no inherited
// $MASPO_CONFIG and a cache under `dir` unless `env` says otherwise.
inline Result run_maspo(const std::filesystem::path& dir, const std::vector<std::string>& args, EnvChanges env = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  env.try_emplace("MASPO_CONFIG", std::nullopt);
  env.try_emplace("MASPO_CACHE_DIR", (dir / "cache").string());
  auto out = dir / "stdout.txt";
  auto err = dir / "stderr.txt";
  std::vector<std::string> argv = {MASPO_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = spawn_captured(argv, env, out, err);
  Result r;
  if (pid < 0) return r;
  r.code = wait_exit(pid, timeout);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A server as a child process that prints "PORT <n>" on stdout once it listens on 127.0.0.1;
// SIGTERM when it goes.
class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    pid_ = spawn(argv, {}, &actions);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    port_ = read_port(fds[0]);
    close(fds[0]);
  }
  ~ServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    wait_exit(pid_, std::chrono::seconds(5));
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  int port() const { return port_; }

 private:
  // Reads "PORT <n>\n" within 10 s; 0 if it never comes.
  static int read_port(int fd) {
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline && text.size() < 256) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[64];
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    if (text.rfind("PORT ", 0) != 0) return 0;
    return std::atoi(text.c_str() + 5);
  }
  pid_t pid_ = -1;
  int port_ = 0;
};

#ifdef FAKE_SERVER_BIN
// The standalone fake server (tests/support/fake_openai_server_main.cpp) as a child process.
class FakeServerProcess : public ServerProcess {
 public:
  explicit FakeServerProcess(std::vector<std::string> flags) : ServerProcess(with_binary(std::move(flags))) {}

 private:
  static std::vector<std::string> with_binary(std::vector<std::string> flags) {
    flags.insert(flags.begin(), FAKE_SERVER_BIN);
    return flags;
  }
};
#endif

}  // namespace maspo::testing
