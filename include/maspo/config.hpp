// maspo/config.hpp — one YAML file -> one `maspo::Config` value.
//
// The file has top-level sections (`models`, `cache`, `budget`, and later ones for the optimizer
// and the runtime). Every key is checked: an unknown key, a wrong type, a bad enum value or a
// missing required key is an `InputError` whose message names the file, the 1-based line, the
// dotted key path and what was expected. docs/config.md is the reference for every key.
//
// Where the config comes from: `--config FILE`, else `$MASPO_CONFIG`, else built-in defaults, in
// which every role runs on the embedded model. A file that leaves a role out gets that default too.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "maspo/baselines.hpp"
#include "maspo/llm.hpp"
#include "maspo/opt.hpp"

namespace maspo {

// The roles a config may name under `models` and `budget`.
inline constexpr std::array<std::string_view, 3> kRoles = {"agents", "optimizer", "judge"};

struct Config {
  std::string source;        // the file it was read from; empty: the built-in defaults
  llm::ClientOptions llm;    // every role of kRoles is present in llm.roles
  opt::Settings optimizer;   // `optimizer:` (paper defaults when absent)
  // Later sections add a field here and one parse function in src/config/ (see sections.hpp).
};

// The default role: the embedded llama.cpp backend on the bundled model (empty model_path).
llm::RoleConfig default_role_config();

// Every role on the default, cache read_write at the default path, no budgets.
Config default_config();

// Reads and checks one file. Relative paths inside it (rules, model_path, cache.path) are taken
// relative to the file's directory. Throws InputError.
Config load_config_file(const std::filesystem::path& path);

// Parses YAML text as if it were the file `file_name` in directory `base_dir`. Throws InputError.
Config parse_config(std::string_view yaml, const std::string& file_name, const std::filesystem::path& base_dir);

// `flag_path` if not empty, else $MASPO_CONFIG if set and not empty, else default_config().
Config load_config(const std::string& flag_path);

// ---- bench files (`maspo bench BENCH.yaml`, docs/bench.md) -----------------------------------
// Methods x systems x datasets x seeds, each cell optimized (when the method optimizes) under the
// same budgets and evaluated on the same test items.
struct BenchDataset {
  std::string name;
  std::string data;   // NAME[:FORMAT]=ABSOLUTE_PATH, as `--data` takes it
  std::string pool;   // the same for a separate optimization split; "" = held out of `data`
};

struct BenchSpec {
  std::string source;                        // the file, for messages
  std::string name;                          // `name:`, else the file's stem
  std::string config;                        // `config:` (absolute), "" = the command's --config
  std::vector<opt::Method> methods;
  std::vector<std::string> systems;          // built-in specs or absolute paths of system files
  std::string context;                       // built-ins: raw | summary ("" = summary)
  std::vector<BenchDataset> datasets;
  std::vector<std::uint64_t> seeds = {0};
  int eval_limit = 0;                        // test items per cell (0 = the whole test split)
  opt::Settings settings;                    // `settings:` — MASPO's, paper defaults otherwise
  opt::BaselineOptions baselines;            // `baselines:`
  std::map<std::string, llm::Budget> budgets;   // `budget:` per role: every method's optimization
  int concurrency = 16;
  std::string on_bad_line = "fail";
};

// Reads a bench file. Relative paths are taken from the file's directory; `${MASPO_DATASETS}` in
// a path is the environment variable, else ../shared/datasets when it exists. Throws InputError naming file, line and key.
BenchSpec load_bench_spec(const std::filesystem::path& path);
BenchSpec parse_bench_spec(std::string_view yaml, const std::string& file_name, const std::filesystem::path& base_dir);

}  // namespace maspo
