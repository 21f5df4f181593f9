// Creating a run and opening one: refusing what is not a usable run with a message that says what
// RUN_DIR holds and what to do, before anything is written to it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <system_error>
#include <vector>

#include "maspo/util.hpp"
#include "maspo/version.hpp"
#include "store/impl.hpp"
#include "store/rows.hpp"
#include "store/schema.hpp"

namespace maspo::store {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const fs::path& path, const std::string& why) { throw InputError(where(path.string(), 0, "", why)); }

[[noreturn]] void refuse_existing(const fs::path& run_dir) {
  refuse(run_dir, "RUN_DIR already holds a run (run.sqlite); use `maspo resume " + run_dir.string() + "` or another --out");
}

// SQLite would replay a run.sqlite-wal left beside the file into a new database of the same name.
void remove_side_files(const fs::path& file) {
  std::error_code ec;
  fs::remove(fs::path(file.string() + "-wal"), ec);
  fs::remove(fs::path(file.string() + "-shm"), ec);
}

// Makes RUN_DIR/run.sqlite with O_EXCL, so that of two `maspo optimize --out` racing for one
// directory, exactly one gets it.
void create_empty_file(const fs::path& run_dir, const fs::path& file) {
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) refuse(run_dir, "cannot create the run directory: " + ec.message());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) refuse_existing(run_dir);
    refuse(file, std::string("cannot create the run's database: ") + std::strerror(err) + " (is RUN_DIR writable?)");
  }
  ::close(fd);
  remove_side_files(file);
}

// A create() killed before its first COMMIT leaves run.sqlite with no tables (an empty file, or
// only the header WAL mode writes; uncommitted WAL frames are ignored by SQLite). Such a file holds
// nothing to keep, and starting over must not be refused as "already holds a run".
bool unstarted_database(const fs::path& file) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) return false;
  if (size == 0) return true;
  sqlite3* db = nullptr;
  bool empty = false;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      empty = sqlite3_column_int64(st, 0) == 0;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return empty;
}

void put_meta(StoreState& s, const std::string& key, const std::string& value) {
  ResetOnExit reset(s.upsert_meta);
  sqlite3_bind_text(s.upsert_meta, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(s.upsert_meta, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  s.db.step(s.upsert_meta);
}

std::optional<std::string> get_meta(StoreState& s, const std::string& key) {
  ResetOnExit reset(s.select_meta);
  sqlite3_bind_text(s.select_meta, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  if (s.db.step(s.select_meta) != SQLITE_ROW) return std::nullopt;
  return column_text(s.select_meta, 0);
}

// quick_check's answer, in one line: its first problem, and how many more it found (of the 20 it
// was asked for). A damaged file can have thousands; the first says enough.
std::string first_problem(const std::vector<std::string>& rows) {
  std::vector<std::string> problems;
  for (const auto& row : rows) {
    std::size_t start = 0;
    while (start <= row.size()) {
      auto end = row.find('\n', start);
      if (end == std::string::npos) end = row.size();
      auto line = row.substr(start, end - start);
      if (!line.empty() && line.rfind("*** in database", 0) != 0) problems.push_back(line);
      start = end + 1;
    }
  }
  if (problems.empty()) return "no answer";
  if (problems.size() == 1) return problems.front();
  return problems.front() + ", and " + std::to_string(problems.size() - 1) + (problems.size() >= 20 ? "+" : "") +
         " more problems";
}

// What open() checks, cheapest first: the file is intact, it is a run store, of a version this
// build reads, with every table.
void check_run(StoreState& s) {
  const fs::path& file = s.db.file();
  // quick_check reads every page (O(N), not integrity_check's O(N log N)): a few hundred ms for a
  // large run, once per open, to refuse a damaged file up front rather than midway through a resume.
  auto check = s.db.column("PRAGMA quick_check(20)");
  if (check.empty() || check.front() != "ok") {
    refuse(file, "the run's database is damaged (quick_check: " + first_problem(check) +
                     "); restore a copy of RUN_DIR, or start a new run with another --out");
  }
  auto tables = s.db.column("SELECT name FROM sqlite_master WHERE type = 'table'");
  auto has = [&](std::string_view name) { return std::find(tables.begin(), tables.end(), name) != tables.end(); };
  if (tables.empty()) {
    refuse(file, "the database is empty: the run that created it stopped before it started; start it again with "
                 "`maspo optimize ... --out` on the same directory");
  }
  if (!has("meta")) refuse(file, "this SQLite database is not a maspo run (it has no `meta` table); is RUN_DIR right?");
  auto version_text = s.db.column("SELECT value FROM meta WHERE key = 'schema_version'");
  int version = 0;
  try {
    version = version_text.empty() ? 0 : std::stoi(version_text.front());
  } catch (const std::exception&) {
    version = 0;
  }
  if (version < 1) refuse(file, "this SQLite database is not a maspo run (no valid schema_version in `meta`)");
  if (version > kSchemaVersion) {
    refuse(file, "the run was written by a newer maspo (run store schema version " + std::to_string(version) +
                     ", this build reads up to " + std::to_string(kSchemaVersion) + "); use that maspo");
  }
  for (std::string_view name : {"checkpoints", "results"}) {
    if (!has(name)) refuse(file, "the run's database is damaged (table `" + std::string(name) + "` is missing)");
  }
  for (const auto& table : record_tables()) {
    if (!has(table.name)) refuse(file, "the run's database is damaged (table `" + std::string(table.name) + "` is missing)");
  }
}

}  // namespace

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

void StoreState::prepare_statements() {
  for (const auto& table : record_tables()) inserts.push_back(db.prepare(insert_sql(table)));
  selects.assign(record_tables().size(), nullptr);
  insert_checkpoint = db.prepare("INSERT INTO checkpoints (step, state, created_at) VALUES (?1, ?2, ?3)");
  select_latest = db.prepare("SELECT step, state FROM checkpoints ORDER BY step DESC LIMIT 1");
  select_max_step = db.prepare("SELECT max(step) FROM checkpoints");
  select_meta = db.prepare("SELECT value FROM meta WHERE key = ?1");
  upsert_meta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
  select_result = db.prepare("SELECT value FROM results WHERE key = ?1");
  upsert_result = db.prepare("INSERT OR REPLACE INTO results (key, value, step) VALUES (?1, ?2, ?3)");
}

RunStore::RunStore() = default;
RunStore::~RunStore() = default;

bool RunStore::started(const fs::path& run_dir) {
  const fs::path file = run_dir / kDatabaseName;
  std::error_code ec;
  return fs::exists(fs::symlink_status(file, ec)) && !unstarted_database(file);
}

std::unique_ptr<RunStore> RunStore::create(const fs::path& run_dir, const json& config) {
  const fs::path file = run_dir / kDatabaseName;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(file, ec))) {
    if (fs::is_symlink(fs::symlink_status(file, ec)) || !unstarted_database(file)) refuse_existing(run_dir);
    fs::remove(file, ec);
    remove_side_files(file);
  }
  create_empty_file(run_dir, file);

  std::unique_ptr<RunStore> store(new RunStore());
  try {
    store->impl_ = std::make_unique<Impl>(run_dir);
    Impl& s = *store->impl_;
    s.db.open();
    s.db.exec("BEGIN IMMEDIATE");
    s.db.exec(schema_sql());
    s.prepare_statements();
    put_meta(s, "schema_version", std::to_string(kSchemaVersion));
    put_meta(s, "config", dump_json(config));
    put_meta(s, "created_at", utc_now());
    put_meta(s, "status", "created");
    put_meta(s, "maspo_version", MASPO_VERSION);
    s.db.exec("COMMIT");
    s.config = config;
  } catch (...) {
    // Leave no half-made run behind: a retry with the same --out must not be refused.
    store.reset();
    std::error_code ignored;
    fs::remove(file, ignored);
    remove_side_files(file);
    throw;
  }
  return store;
}

std::unique_ptr<RunStore> RunStore::open(const fs::path& run_dir) {
  const fs::path file = run_dir / kDatabaseName;
  std::error_code ec;
  if (!fs::exists(run_dir, ec)) refuse(run_dir, "no such directory, so no run to open");
  if (!fs::is_directory(run_dir, ec)) refuse(run_dir, "not a directory (RUN_DIR is the directory given to --out)");
  if (!fs::exists(file, ec)) refuse(run_dir, "this directory holds no run (there is no run.sqlite in it)");
  // A run is written as it goes, and SQLite's WAL creates run.sqlite-wal beside the file: say so
  // now rather than fail on the first write with "attempt to write a readonly database".
  if (::access(run_dir.c_str(), W_OK) != 0 || ::access(file.c_str(), R_OK | W_OK) != 0) {
    refuse(file, std::string("cannot write to the run (") + std::strerror(errno) +
                     "): maspo needs write access to RUN_DIR and run.sqlite; check their permissions");
  }

  std::unique_ptr<RunStore> store(new RunStore());
  store->impl_ = std::make_unique<Impl>(run_dir);
  Impl& s = *store->impl_;
  s.db.open();
  check_run(s);
  s.prepare_statements();
  auto config_text = get_meta(s, "config");
  s.config = json::parse(config_text.value_or(""), nullptr, false);
  if (s.config.is_discarded()) refuse(file, "the run's database is damaged (its config in `meta` is not valid JSON)");
  return store;
}

}  // namespace maspo::store
