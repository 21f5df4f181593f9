// maspo/store.hpp — the run store: one SQLite database (WAL) per optimization run, RUN_DIR/run.sqlite.
//
// It holds the run's config and seed, every proposal, judgement and score, the beams per layer,
// the history of the global prompt map, metrics (misalignment rates, refresh agreement, judge
// position wins), usage per role, and the optimizer's checkpoints.
//
// Writes of one optimizer step (one beam layer, one refresh) are grouped: `begin_step` opens a
// transaction, the records follow, `commit_step` writes the checkpoint and commits. A kill at any
// instant leaves the database at the last committed step (SQLite rolls the rest back), and the
// step is redone on resume — its LLM calls come back from the cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/llm.hpp"

namespace maspo::store {

using json = nlohmann::json;

struct ProposalRecord {
  std::string id;            // unique in the run ("r1-a2-l3-p0-c1")
  std::string agent;
  int round = 0, layer = 0;
  std::string parent_prompt;
  std::string reply;         // the optimizer's raw reply
  std::string prompt;        // sanitized prompt ("" when rejected)
  std::string status;        // "accepted" | "rejected: <why>" | "duplicate"
};

struct JudgementRecord {
  std::string proposal_id;   // candidate being judged ("" for refresh: see `context`)
  std::string agent;
  int round = 0, layer = 0;
  std::string question_id;
  std::string kind;          // "intermediate-local" | "intermediate-lookahead:<agent>" | "final" | "terminal"
  std::string order;         // "candidate=A" | "candidate=B" | "both"
  json replies;              // array of raw judge replies
  double verdict = 0.0;      // candidate score: 1, 0, 0.5
  bool parsed = true;
  std::string context;       // "layer" | "refresh"
};

struct ScoreRecord {
  std::string proposal_id;
  std::string agent;
  int round = 0, layer = 0;
  double reward = 0.0;       // s(child) or refresh R
  double cumulative = 0.0;   // J
  double local = 0.0, lookahead = 0.0, global = 0.0;   // component win rates (NaN-free: 0 when absent)
  int batch_size = 0;
  std::string context;       // "layer" | "refresh"
};

struct BeamRecord {
  std::string agent;
  int round = 0, layer = 0;
  json nodes;                // [{prompt, score, path}]
};

struct MetricRecord {
  std::string name;          // "misalignment_rate" | "refresh_top1_agreement" | "judge_position" | ...
  std::string agent;
  int round = 0, layer = 0;
  double value = 0.0;
  json detail = json::object();
};

struct Checkpoint {
  std::int64_t step = 0;
  json state;
};

class RunStore {
 public:
  // Creates RUN_DIR and a new database; throws InputError when RUN_DIR already holds a run.
  static std::unique_ptr<RunStore> create(const std::filesystem::path& run_dir, const json& config);
  // Opens an existing run; throws InputError when RUN_DIR holds none (or a damaged one).
  static std::unique_ptr<RunStore> open(const std::filesystem::path& run_dir);
  // Whether RUN_DIR holds a run that create() committed: false when there is no database, or only
  // the empty one a create() killed before its first commit leaves (create() starts over there).
  static bool started(const std::filesystem::path& run_dir);
  ~RunStore();

  const std::filesystem::path& dir() const;
  json config() const;

  // A step: everything between begin and commit is one transaction. Thread-safe record_* calls.
  void begin_step(std::int64_t step);
  void record(const ProposalRecord& r);
  void record(const JudgementRecord& r);
  void record(const ScoreRecord& r);
  void record(const BeamRecord& r);
  void record(const MetricRecord& r);
  void record_prompt(const std::string& agent, int round, int layer, const std::string& prompt, double score);
  void record_usage(const std::vector<llm::UsageLine>& usage);   // cumulative snapshot, per step
  void commit_step(const json& state);     // checkpoint + commit
  void rollback_step();                    // drop the open step (e.g. a budget stop mid-step)

  std::optional<Checkpoint> latest_checkpoint() const;
  void set_status(const std::string& status);   // "running" | "stopped: budget" | "finished" | ...
  std::string status() const;
  void put_result(const std::string& key, const json& value);   // final prompts, evaluations
  std::optional<json> result(const std::string& key) const;

  // Read-back for reports and tests: all rows of a table as JSON objects, in insertion order.
  // table: proposals | judgements | scores | beams | metrics | prompts | usage.
  json rows(const std::string& table) const;

 private:
  RunStore();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maspo::store
