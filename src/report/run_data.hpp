// Everything a run report shows, read once from RUN_DIR: the run store's config, status, results
// and record tables, best_prompts.json, and the final evaluations' items.jsonl / summary.json.
// Any part may be absent (an empty run, a run killed or stopped at a budget); `absent` lists what
// is, in words, for the report's overview.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace maspo::report {

using json = nlohmann::json;

struct EvalSide {
  std::string name;                 // "seed" | "optimized"
  std::string dir_name;             // "eval-seed", "eval-optimized", or "eval" (a bench cell's)
  bool present = false;             // RUN_DIR/<dir_name>/ exists
  json summary;                     // summary.json, null when absent or unreadable
  std::vector<json> items;          // items.jsonl, one object per readable line
  int unreadable_lines = 0;         // torn or malformed lines (a crash mid-write)
};

struct RunData {
  std::filesystem::path dir;
  json config = json::object();
  std::string method = "maspo";     // config.method, "maspo" when absent (baselines set it)
  bool layered = true;              // MASPO's rounds x layers; a baseline counts iterations
  std::string status;
  json final_eval;                  // result("final_eval") or null
  json session_usage;               // result("last_session_usage") or null
  json proposals, judgements, scores, beams, metrics, prompts, usage;   // arrays of rows
  json best_prompts;                // best_prompts.json, null when absent
  std::vector<EvalSide> evals;      // always two: seed, optimized (a bench cell: eval/ is the optimized side)
  std::vector<std::string> agents;  // in the order the search visited them
  std::vector<std::string> absent;  // "no final evaluation (final_eval)", ...
};

// Throws maspo::InputError when RUN_DIR holds no readable run store.
RunData load_run(const std::filesystem::path& run_dir);

// Rows of `table` (a RunData member) whose "agent" is `agent`.
std::vector<json> rows_of(const json& table, const std::string& agent);

// Where a row (score, proposal, metric) sits in the search: "r2 l3" / "r2 refresh" for MASPO,
// "iteration 3" for a baseline (its round is the iteration).
std::string position_label(const RunData& run, const json& row);

// The seed and the best prompt of an agent, "" when the run does not say.
std::string seed_prompt(const RunData& run, const std::string& agent);
std::string best_prompt(const RunData& run, const std::string& agent);

}  // namespace maspo::report
