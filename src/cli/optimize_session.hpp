// What `maspo optimize` and `maspo resume` share: the inputs of a run (kept in the run store, so a
// resume rebuilds exactly the same system, pool and settings) and the session that runs MASPO to
// the end and then evaluates the seed and the optimized prompts on the test split.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "maspo/llm.hpp"

namespace maspo::cli {

struct OptimizeInputs {
  std::string system;         // file path or built-in spec, as given
  std::string system_text;    // the file's text at the start ("" for a built-in)
  std::string context;        // built-ins: raw | summary ("" = default)
  std::string data;           // NAME[:FORMAT]=PATH of the test split
  std::string pool;           // NAME[:FORMAT]=PATH of a separate optimization split ("" = hold out)
  std::string on_bad_line = "fail";
  std::string prompts_path;   // --prompts, if any (its content is in seed_prompts)
  nlohmann::json seed_prompts = nlohmann::json::object();
  std::string config_path;    // re-read on resume: keys stay in the environment, never in the store
  nlohmann::json settings;    // opt::Settings
  int eval_limit = 0;         // final evaluation: items of the test split (0 = all)
  bool final_eval = true;
  int concurrency = 16;
  bool unsafe_no_sandbox = false;
  // The budgets in force when the run started (config + --budget), so a plain `maspo resume`
  // keeps the same caps; `maspo resume --budget` overrides them. Per process: see docs/method.md.
  std::map<std::string, llm::Budget> budgets;
  // `--method`: maspo (default) or a prompt-optimizing baseline (docs/bench.md), with its options.
  std::string method = "maspo";
  nlohmann::json baselines = nlohmann::json::object();
};
nlohmann::json to_json(const OptimizeInputs& in);
OptimizeInputs optimize_inputs_from_json(const nlohmann::json& j);   // throws InputError

nlohmann::json budgets_to_json(const std::map<std::string, llm::Budget>& budgets);
std::map<std::string, llm::Budget> budgets_from_json(const nlohmann::json& j);

// "ROLE:KIND=N" (KIND calls | tokens | dollars) into `budgets`. Throws InputError.
void parse_budget_flag(const std::string& text, std::map<std::string, llm::Budget>& budgets);

// Runs (fresh: no checkpoint yet) or resumes the run in `run_dir`, then the final evaluation.
int run_optimize_session(const std::string& run_dir, const OptimizeInputs& in,
                         const std::map<std::string, llm::Budget>& budgets, const GlobalOptions& global,
                         bool dry_run, bool fresh);

}  // namespace maspo::cli
