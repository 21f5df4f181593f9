// RunStore: the step model (one transaction per optimizer step), the records, and the reads.
//
// A step is BEGIN IMMEDIATE ... records ... INSERT checkpoint, COMMIT. A process killed anywhere
// in between leaves its frames in run.sqlite-wal without a commit record, and the next open
// ignores them: the database is at the last committed step, whose checkpoint is there. If a write
// fails mid-step (disk full), the whole step is rolled back at once and every later call of that
// step reports the same error, so no step is ever committed with records missing.
#include <stdexcept>

#include "store/impl.hpp"
#include "store/rows.hpp"
#include "store/schema.hpp"

namespace maspo::store {

namespace {

std::string table_list() {
  std::string out;
  for (const auto& table : record_tables()) out += (out.empty() ? "" : ", ") + std::string(table.name);
  return out;
}

std::size_t table_index(std::string_view name) {
  const auto& tables = record_tables();
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (tables[i].name == name) return i;
  }
  throw std::logic_error("run store: no record table `" + std::string(name) + "`");
}

// SQLITE_TRANSIENT: SQLite copies the text, so a temporary (bind_text(st, 1, "status")) may die
// before the step; the copies are a few bytes per statement.
void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Indexes into record_tables(), resolved once.
struct Tables {
  std::size_t proposals = table_index("proposals"), judgements = table_index("judgements"),
              scores = table_index("scores"), beams = table_index("beams"), metrics = table_index("metrics"),
              prompts = table_index("prompts"), usage = table_index("usage");
};
const Tables& tables() {
  static const Tables t;
  return t;
}

// The open step, for a call that needs one; `what` names the call in the error.
std::int64_t require_step(const StoreState& s, const char* what) {
  if (!s.step) throw std::logic_error(std::string("run store: ") + what + " outside a step (call begin_step first)");
  if (!s.step_error.empty()) throw std::runtime_error(s.step_error);
  return *s.step;
}

// Rolls back the open step after a failed write; the step stays open (in error) until
// commit_step or rollback_step, so that the other threads of the step fail too.
void abandon_step(StoreState& s, const std::string& why) {
  s.db.rollback();
  s.step_error = why + " (step " + std::to_string(*s.step) + " was rolled back; the last committed step is intact)";
}

// Runs `write` inside the open step; on failure the step is abandoned and the error rethrown.
template <class Write>
void write_in_step(StoreState& s, const char* what, Write&& write) {
  require_step(s, what);
  try {
    write(*s.step);
  } catch (const std::exception& e) {
    abandon_step(s, e.what());
    throw;
  }
}

// Runs `write` in the open step when there is a healthy one (so it commits or rolls back with
// it), else in a transaction of its own.
template <class Write>
void write_anytime(StoreState& s, Write&& write) {
  if (s.step && s.step_error.empty()) {
    write_in_step(s, "write", write);
    return;
  }
  s.db.exec("BEGIN IMMEDIATE");
  try {
    write(std::optional<std::int64_t>());
    s.db.exec("COMMIT");
  } catch (...) {
    s.db.rollback();
    throw;
  }
}

void insert(StoreState& s, std::size_t table, const Values& values) {
  std::lock_guard lock(s.mu);
  write_in_step(s, "record", [&](std::int64_t step) {
    sqlite3_stmt* statement = s.inserts[table];
    ResetOnExit reset(statement);
    bind_row(statement, record_tables()[table], step, values);
    s.db.step(statement);
  });
}

}  // namespace

const std::filesystem::path& RunStore::dir() const { return impl_->dir; }

json RunStore::config() const { return impl_->config; }

void RunStore::begin_step(std::int64_t step) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (s.step) {
    throw std::logic_error("run store: begin_step(" + std::to_string(step) + ") while step " + std::to_string(*s.step) +
                           " is open (commit or roll it back first)");
  }
  s.db.exec("BEGIN IMMEDIATE");
  try {
    ResetOnExit reset(s.select_max_step);
    s.db.step(s.select_max_step);
    if (sqlite3_column_type(s.select_max_step, 0) != SQLITE_NULL) {
      auto last = sqlite3_column_int64(s.select_max_step, 0);
      if (step <= last) {
        throw std::logic_error("run store: begin_step(" + std::to_string(step) + "): step " + std::to_string(last) +
                               " is already committed; steps must increase");
      }
    }
  } catch (...) {
    s.db.rollback();
    throw;
  }
  s.step = step;
  s.step_error.clear();
}

void RunStore::record(const ProposalRecord& r) { insert(*impl_, tables().proposals, values_of(r)); }
void RunStore::record(const JudgementRecord& r) { insert(*impl_, tables().judgements, values_of(r)); }
void RunStore::record(const ScoreRecord& r) { insert(*impl_, tables().scores, values_of(r)); }
void RunStore::record(const BeamRecord& r) { insert(*impl_, tables().beams, values_of(r)); }
void RunStore::record(const MetricRecord& r) { insert(*impl_, tables().metrics, values_of(r)); }

void RunStore::record_prompt(const std::string& agent, int round, int layer, const std::string& prompt, double score) {
  insert(*impl_, tables().prompts, prompt_values(agent, round, layer, prompt, score));
}

void RunStore::record_usage(const std::vector<llm::UsageLine>& usage) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  write_in_step(s, "record_usage", [&](std::int64_t step) {
    sqlite3_stmt* statement = s.inserts[tables().usage];
    for (const auto& line : usage) {
      ResetOnExit reset(statement);
      bind_row(statement, record_tables()[tables().usage], step, usage_values(line));
      s.db.step(statement);
    }
  });
}

void RunStore::commit_step(const json& state) {
  Impl& s = *impl_;
  std::string text = dump_json(state);
  std::lock_guard lock(s.mu);
  if (!s.step) throw std::logic_error("run store: commit_step outside a step (call begin_step first)");
  // Whatever happens below, the step is over: committed, or rolled back and reported.
  struct Close {
    StoreState& s;
    ~Close() {
      s.step.reset();
      s.step_error.clear();
    }
  } close{s};
  if (!s.step_error.empty()) throw std::runtime_error(s.step_error);
  try {
    {
      ResetOnExit reset(s.insert_checkpoint);
      std::string now = utc_now();
      sqlite3_bind_int64(s.insert_checkpoint, 1, *s.step);
      bind_text(s.insert_checkpoint, 2, text);
      bind_text(s.insert_checkpoint, 3, now);
      s.db.step(s.insert_checkpoint);
    }
    s.db.exec("COMMIT");
  } catch (...) {
    s.db.rollback();
    throw;
  }
}

void RunStore::rollback_step() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  // No open step is fine: a caller's error path may roll back a step that already failed.
  s.db.rollback();
  s.step.reset();
  s.step_error.clear();
}

std::optional<Checkpoint> RunStore::latest_checkpoint() const {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  ResetOnExit reset(s.select_latest);
  if (s.db.step(s.select_latest) != SQLITE_ROW) return std::nullopt;
  Checkpoint c;
  c.step = sqlite3_column_int64(s.select_latest, 0);
  c.state = json::parse(column_text(s.select_latest, 1), nullptr, false);
  if (c.state.is_discarded()) {
    throw std::runtime_error(s.db.file().string() + ": the state of checkpoint " + std::to_string(c.step) +
                             " is not valid JSON (was the database edited by hand?)");
  }
  return c;
}

void RunStore::set_status(const std::string& status) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  write_anytime(s, [&](std::optional<std::int64_t>) {
    ResetOnExit reset(s.upsert_meta);
    bind_text(s.upsert_meta, 1, "status");
    bind_text(s.upsert_meta, 2, status);
    s.db.step(s.upsert_meta);
  });
}

std::string RunStore::status() const {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  ResetOnExit reset(s.select_meta);
  const std::string key = "status";
  bind_text(s.select_meta, 1, key);
  return s.db.step(s.select_meta) == SQLITE_ROW ? column_text(s.select_meta, 0) : std::string();
}

void RunStore::put_result(const std::string& key, const json& value) {
  Impl& s = *impl_;
  std::string text = dump_json(value);
  std::lock_guard lock(s.mu);
  write_anytime(s, [&](std::optional<std::int64_t> step) {
    ResetOnExit reset(s.upsert_result);
    bind_text(s.upsert_result, 1, key);
    bind_text(s.upsert_result, 2, text);
    if (step) {
      sqlite3_bind_int64(s.upsert_result, 3, *step);
    } else {
      sqlite3_bind_null(s.upsert_result, 3);
    }
    s.db.step(s.upsert_result);
  });
}

std::optional<json> RunStore::result(const std::string& key) const {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  ResetOnExit reset(s.select_result);
  bind_text(s.select_result, 1, key);
  if (s.db.step(s.select_result) != SQLITE_ROW) return std::nullopt;
  auto text = column_text(s.select_result, 0);
  auto value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(text) : value;
}

json RunStore::rows(const std::string& table) const {
  const RecordTable* spec = find_record_table(table);
  if (spec == nullptr) {
    throw std::invalid_argument("run store: unknown table `" + table + "` (expected one of: " + table_list() + ")");
  }
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  auto index = static_cast<std::size_t>(spec - record_tables().data());
  if (s.selects[index] == nullptr) {
    std::string columns = "seq, step";
    for (const auto& column : spec->columns) columns += ", " + quoted(column.name);
    s.selects[index] = s.db.prepare("SELECT " + columns + " FROM " + quoted(spec->name) + " ORDER BY seq");
  }
  sqlite3_stmt* select = s.selects[index];
  ResetOnExit reset(select);
  json out = json::array();
  while (s.db.step(select) == SQLITE_ROW) out.push_back(read_row(select, *spec));
  return out;
}

}  // namespace maspo::store
