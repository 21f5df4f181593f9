// Running a child program from a test: spawn with a modified environment, wait with a deadline,
// read a captured output file.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace maspo::testing {

// Variables to set (a value) or remove (nullopt) in the child's environment.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

inline std::vector<std::string> child_environment(const EnvChanges& changes) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (changes.count(entry.substr(0, entry.find('='))) == 0) env.push_back(entry);
  }
  for (const auto& [name, value] : changes) {
    if (value) env.push_back(name + "=" + *value);
  }
  return env;
}

// posix_spawn of argv[0] (a path); the child's pid, or -1 when it could not be started.
inline pid_t spawn(std::vector<std::string> argv, const EnvChanges& env_changes, posix_spawn_file_actions_t* actions) {
  auto env = child_environment(env_changes);
  std::vector<char*> c_argv, c_env;
  for (auto& s : argv) c_argv.push_back(s.data());
  c_argv.push_back(nullptr);
  for (auto& s : env) c_env.push_back(s.data());
  c_env.push_back(nullptr);
  pid_t pid = -1;
  return posix_spawn(&pid, c_argv[0], actions, nullptr, c_argv.data(), c_env.data()) == 0 ? pid : -1;
}

// spawn() with stdout and stderr sent to the files `out` and `err` (created or truncated).
inline pid_t spawn_captured(std::vector<std::string> argv, const EnvChanges& env_changes, const std::filesystem::path& out,
                            const std::filesystem::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const pid_t pid = spawn(std::move(argv), env_changes, &actions);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// The exit code, 128+signal when killed by one, or -1 when it had to be killed after `timeout`.
inline int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// A captured output file's content; empty when it does not exist (the child never wrote it).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace maspo::testing
