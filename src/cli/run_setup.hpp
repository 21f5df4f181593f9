// What `maspo run`, `maspo optimize` and `maspo resume` share when they turn flags into the
// runtime's values: the dataset, the system, the grader (with its sandbox) and the cache mode.
// Each throws maspo::InputError naming the flag and what was expected.
#pragma once

#include <map>
#include <string>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"

namespace maspo::cli {

// `--data NAME[:FORMAT]=PATH`; on_bad_line "fail" | "skip". `flag` names the flag in errors.
data::Dataset load_data_flag(const std::string& spec, const std::string& on_bad_line, const std::string& flag);

// The same spec with PATH made absolute (what a stored run keeps). Throws InputError.
std::string absolute_data_spec(const std::string& spec, const std::string& flag);

// A YAML file, or a built-in spec with `context` ("raw" | "summary" | "" = summary). A file
// that names no task takes `task` (the dataset's).
mas::System load_system_flag(const std::string& path_or_spec, const std::string& context, data::TaskType task);

// A grader; for code tasks it owns a sandbox. Where the box cannot be made, code grading is
// refused with the reason unless `unsafe_no_sandbox`.
eval::Grader make_grader(data::TaskType task, bool unsafe_no_sandbox);

// The config's roles that the system's agents use (others may name a model this machine cannot
// load). Throws InputError naming the agent when it uses a role the config does not define.
std::map<std::string, llm::RoleConfig> agent_roles(const mas::System& system, const llm::ClientOptions& config);

// One line on stderr per dataset line skipped by --on-bad-line skip (never dropped silently).
void report_skipped_lines(const data::Dataset& dataset);

llm::CacheMode parse_cache_mode(const std::string& name);   // read_write | replay | off

// An exclusive flock on DIR/FILE for the life of the object: one process per run or bench
// directory. Released by the kernel when the process dies, so a crash never leaves a stale lock.
// Throws InputError when another process holds it (`what` names the kind: "run", "bench").
class DirLock {
 public:
  DirLock(const std::string& dir, const std::string& file, const std::string& what);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace maspo::cli
