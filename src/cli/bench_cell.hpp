// One cell of `maspo bench`: a method on a system and a dataset with one seed. Its directory,
// BENCH_DIR/cells/<system>/<dataset>/<method>/seed-<n>/, holds everything it needs to resume:
//   cache.sqlite         the cell's own LLM cache (methods never share calls, so none is cheaper
//                        for running after another; a resumed cell replays its calls from it)
//   run.sqlite           the optimizer's run store (methods that optimize prompts)
//   optimization.json    written when the optimization ended (finished or at the bench budget)
//   best_prompts.json    the prompts evaluated
//   eval/                the harness's items.jsonl + summary.json (resumable item by item)
//   cell.json            written last: the cell is done and never rerun
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "maspo/baselines.hpp"
#include "maspo/config.hpp"
#include "maspo/data.hpp"
#include "maspo/harness.hpp"
#include "maspo/mas.hpp"

namespace maspo::cli {

// Everything a bench reads, loaded and checked once before any cell runs.
struct BenchInputs {
  Config config;
  BenchSpec spec;
  std::map<std::string, data::Dataset> tests;   // by dataset name
  std::map<std::string, data::Dataset> pools;   // by dataset name, when the bench names a pool
  // (system as listed, dataset name) -> the system, its task from the dataset
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const mas::System>> systems;
};

struct CellKey {
  opt::Method method = opt::Method::maspo;
  std::string system;
  std::string dataset;
  std::uint64_t seed = 0;
};

// How a system appears in tables: a built-in spec as written, a file by its file name.
std::string system_label(const std::string& system);
// The folder of its cells: the label with characters unsafe in a path replaced.
std::string system_folder(const std::string& system);

// "cells/<system>/<dataset>/<method>/seed-<n>", the system made a safe folder name.
std::filesystem::path cell_path(const CellKey& key);

// The finished cell's outcome from its cell.json, or nullopt when it has not finished.
std::optional<harness::CellOutcome> load_cell(const std::filesystem::path& bench_dir, const CellKey& key);

// Thrown when a budget of the config (not the bench's own optimization budget) stopped a cell.
struct BenchBudgetStop {
  std::string message;
};

// Runs (or resumes) a cell to the end and writes its cell.json. `label` prefixes progress lines.
harness::CellOutcome run_cell(const BenchInputs& in, const std::filesystem::path& bench_dir, const CellKey& key,
                              const std::string& label);

}  // namespace maspo::cli
