// RunStore's state, shared by the files that implement it: lifecycle.cpp (create, open, checks)
// and run_store.cpp (steps, records, reads).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "maspo/store.hpp"
#include "store/db.hpp"

namespace maspo::store {

inline constexpr const char* kDatabaseName = "run.sqlite";

// The state behind RunStore (whose Impl is private, hence a struct of its own that the helper
// functions of both files can name).
struct StoreState {
  explicit StoreState(std::filesystem::path run_dir) : dir(std::move(run_dir)), db(dir / kDatabaseName) {}
  ~StoreState() { db.rollback(); }  // an uncommitted step is dropped, as a crash would drop it
  StoreState(const StoreState&) = delete;
  StoreState& operator=(const StoreState&) = delete;

  // Statements used on every step, prepared once the schema is known to be there.
  void prepare_statements();

  const std::filesystem::path dir;
  Db db;
  json config;  // read once at open; never changes

  // One connection, so every use of it (records from many threads, reads) takes this lock.
  mutable std::mutex mu;
  std::optional<std::int64_t> step;  // the open step
  std::string step_error;            // not empty: the open step failed, was rolled back, and why

  std::vector<sqlite3_stmt*> inserts;          // per record_tables() entry
  mutable std::vector<sqlite3_stmt*> selects;  // per record_tables() entry, prepared on first rows()
  sqlite3_stmt* insert_checkpoint = nullptr;
  sqlite3_stmt* select_latest = nullptr;
  sqlite3_stmt* select_max_step = nullptr;
  sqlite3_stmt* select_meta = nullptr;
  sqlite3_stmt* upsert_meta = nullptr;
  sqlite3_stmt* select_result = nullptr;
  sqlite3_stmt* upsert_result = nullptr;
};

struct RunStore::Impl : StoreState {
  using StoreState::StoreState;
};

// UTC, ISO 8601, to the second: "2026-03-01T12:00:00Z".
std::string utc_now();

}  // namespace maspo::store
