#include "cli/run_setup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "maspo/sandbox.hpp"
#include "maspo/util.hpp"

namespace maspo::cli {

namespace {

// parse_data_spec names the flag as --data in its errors; say which flag it really was.
data::DataSpec parse_data_flag(const std::string& spec, const std::string& flag) {
  try {
    return data::parse_data_spec(spec);
  } catch (const InputError& e) {
    std::string message = e.what();
    if (message.rfind("--data", 0) == 0) message.replace(0, 6, flag);
    else message = flag + ": " + message;
    throw InputError(message);
  }
}

}  // namespace

data::Dataset load_data_flag(const std::string& spec, const std::string& on_bad_line, const std::string& flag) {
  const data::DataSpec parsed = parse_data_flag(spec, flag);
  data::LoadOptions options;
  options.format = parsed.format;
  options.on_bad_line = on_bad_line == "skip" ? data::OnBadLine::skip : data::OnBadLine::fail;
  return data::load_dataset(parsed.name, parsed.path, options);
}

std::string absolute_data_spec(const std::string& spec, const std::string& flag) {
  const data::DataSpec parsed = parse_data_flag(spec, flag);
  std::string out = parsed.name;
  if (!parsed.format.empty()) out += ":" + parsed.format;
  std::error_code ec;
  auto path = std::filesystem::weakly_canonical(std::filesystem::absolute(parsed.path), ec);   // no "dir/../"
  if (ec) path = std::filesystem::absolute(parsed.path);
  return out + "=" + path.string();
}

mas::System load_system_flag(const std::string& path_or_spec, const std::string& context, data::TaskType task) {
  bool is_file = std::filesystem::exists(path_or_spec);
  if (!is_file && mas::is_builtin_spec(path_or_spec)) {
    mas::ContextMode mode = context == "raw" ? mas::ContextMode::raw : mas::ContextMode::summary;
    return mas::builtin_system(path_or_spec, task, mode);
  }
  if (!context.empty()) {
    throw InputError("--context applies to built-in systems only; set `context:` in " + path_or_spec);
  }
  if (!is_file) {
    throw InputError("system: no file '" + path_or_spec +
                     "' and not a built-in (expected a YAML file or one of sequential[:N], hierarchical, debate, "
                     "vote, llm_aggregate)");
  }
  return mas::load_system(path_or_spec, task);
}

eval::Grader make_grader(data::TaskType task, bool unsafe_no_sandbox) {
  if (task != data::TaskType::code) return eval::Grader();
  sandbox::Options options;
  options.allow_unsandboxed = unsafe_no_sandbox;
  try {
    auto box = std::make_shared<const sandbox::Sandbox>(options);
    if (!box->sandboxed()) {
      spdlog::warn("code runs WITHOUT a sandbox (--unsafe-no-sandbox): {}", box->unavailable_reason());
    }
    return eval::Grader(box);
  } catch (const sandbox::Unavailable& e) {
    throw InputError(std::string("code grading needs the sandbox, which cannot run here: ") + e.what() +
                     " (pass --unsafe-no-sandbox to run generated code without it, at your own risk)");
  }
}

std::map<std::string, llm::RoleConfig> agent_roles(const mas::System& system, const llm::ClientOptions& config) {
  std::map<std::string, llm::RoleConfig> roles;
  for (const auto& agent : system.agents()) {
    if (agent.kind != mas::AgentKind::llm) continue;
    auto it = config.roles.find(agent.model_role);
    if (it == config.roles.end()) {
      throw InputError(system.source() + ": agent `" + agent.id + "` uses model role `" + agent.model_role +
                       "`, which the config does not define");
    }
    roles.insert(*it);
  }
  return roles;
}

void report_skipped_lines(const data::Dataset& dataset) {
  for (const auto& skipped : dataset.skipped) {
    std::cerr << "maspo: skipped " << dataset.path.string() << ":" << skipped.line << ": " << skipped.message << "\n";
  }
}

llm::CacheMode parse_cache_mode(const std::string& name) {
  if (name == "replay") return llm::CacheMode::replay;
  if (name == "off") return llm::CacheMode::off;
  if (name == "read_write") return llm::CacheMode::read_write;
  throw InputError("--cache: expected read_write, replay or off, got '" + name + "'");
}

DirLock::DirLock(const std::string& dir, const std::string& file, const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // The directory's own error ("Read-only file system", "Permission denied", "No space left") is
  // the one to show: the lock file's would only say that the directory is missing.
  if (ec) throw InputError(dir + ": cannot create the " + what + " directory: " + ec.message());
  const std::string path = (std::filesystem::path(dir) / file).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(path + ": cannot create the " + what + "'s lock file: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw InputError(dir + ": another maspo process is working on this " + what + "; wait for it to end");
  }
}

DirLock::~DirLock() { ::close(fd_); }

}  // namespace maspo::cli
