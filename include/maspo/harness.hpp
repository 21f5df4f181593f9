// maspo/harness.hpp — evaluate a system on a dataset: run every example through the executor,
// grade the final output, append one JSON line per item, summarize with a confidence interval.
//
// Output directory:
//   items.jsonl    one line per finished item (id, extracted answer, gold, correct, status, error,
//                  tokens, latency, the trace), appended and flushed as each item finishes
//   summary.json   accuracy with a 95% Wilson interval, tokens/cost per role, wall time, skipped
//                  dataset lines, sandbox state; rewritten at the end (and on a clean stop)
//   run.json       what was run (system, dataset, prompts hash, limit, seed): a resume with
//                  different inputs is refused instead of mixing results
// An interrupted run resumes: items already in items.jsonl are not run again (a torn last line
// from a crash is dropped and that item redone).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"

namespace maspo::harness {

using json = nlohmann::json;

struct ItemResult {
  std::string id;
  std::string extracted;
  std::string gold;
  bool correct = false;
  std::string status;      // grader status ("correct" | "wrong" | "no_answer" | code: "pass" | "fail" |
                           // "code_error" | "timeout"), or "error" when the system failed on this
                           // item (a failed model call): only those are run again on resume
  std::string error;       // agent error or grading detail
  llm::Usage usage;
  double latency_s = 0.0;
  mas::Trace trace;
};
json to_json(const ItemResult& item);

struct Progress {
  int done = 0;            // finished items, resumed ones included
  int total = 0;
  int correct = 0;
  std::int64_t tokens = 0;
  double dollars = 0.0;
  double elapsed_s = 0.0;
  double eta_s = -1.0;     // -1 while unknown
};

struct RunOptions {
  std::filesystem::path out_dir;
  int limit = 0;                      // first N of a seeded shuffle; 0 = all
  std::uint64_t seed = 0;
  int max_questions_in_flight = 16;
  std::function<void(const Progress&)> on_progress;   // called after each item (serialized)
};

struct Summary {
  std::string system;
  std::string dataset;
  int selected = 0;                    // items the run covers (after --limit)
  int total = 0;                       // items scored (selected minus those a budget stop left)
  int correct = 0;
  int errors = 0;                      // items whose system run failed
  double accuracy = 0.0;
  eval::Interval ci95;
  int resumed = 0;                     // items taken from an earlier run
  bool stopped_by_budget = false;      // the run stopped cleanly at a budget; resume to finish
  std::string stopped_by_failure;      // non-empty: the model service failed past every retry; the
                                       // items it hit are not recorded; resume to finish
  double wall_s = 0.0;
  std::vector<llm::UsageLine> usage;   // this process's calls, per role and model
  std::vector<data::SkippedLine> skipped_lines;
  std::int64_t prompt_tokens = 0;      // over every scored item, resumed ones included
  std::int64_t completion_tokens = 0;
};
json to_json(const Summary& summary);

// Runs (or resumes) the evaluation. Throws maspo::InputError when out_dir holds a run of different
// inputs. A failing model call fails that item; an llm::BudgetExceeded stops the run cleanly.
Summary evaluate(llm::Client& client, std::shared_ptr<const mas::System> system,
                 const mas::PromptMap& prompts, const data::Dataset& dataset,
                 const eval::Grader& grader, const RunOptions& options);

// ---- bench tables (`maspo bench`) --------------------------------------------------------------
// One cell of a bench: a method on a system and a dataset with one seed, once it has run.
struct CellOutcome {
  std::string method, system, dataset;
  std::uint64_t seed = 0;
  std::string status = "pending";     // "done" | "pending" | "failed"
  std::string error;
  std::vector<std::pair<std::string, bool>> items;   // (item id, correct) of the scored items
  json optimization = json::object(); // {calls: {role: n}, tokens, dollars, wall_s, stopped_by_budget}
  json evaluation = json::object();   // {calls: {role: n}, tokens, dollars, wall_s}
  std::string dir;                    // relative to the bench directory
};

// The results document (docs/bench.md, "results.json"): every cell with its accuracy and 95%
// bootstrap interval; one row per (system, method) with per-dataset accuracy over all seeds'
// items, the average over datasets (null until every dataset has a result), an exact McNemar test
// against `maspo` on the items both answered (paired by seed and item id), and the cost.
json bench_results(const std::string& bench, const std::string& file, const std::vector<std::string>& methods,
                   const std::vector<std::string>& systems, const std::vector<std::string>& datasets,
                   const std::vector<std::uint64_t>& seeds, const std::vector<CellOutcome>& cells);
std::string bench_markdown(const json& results);   // accuracy table, then the cost table
std::string bench_csv(const json& results);        // one line per (system, method, dataset)

}  // namespace maspo::harness
