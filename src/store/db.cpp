// See db.hpp. The habits are the LLM cache's (src/llm/cache.cpp): extended result codes, a busy
// timeout plus an outer retry deadline, persistent prepared statements, errors naming the file.
#include "store/db.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "maspo/util.hpp"

namespace maspo::store {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBusyTimeoutMs = 10'000;
// busy_timeout waits inside SQLite; this outer bound covers the cases where SQLite answers
// SQLITE_BUSY without calling the busy handler (WAL recovery by another process, for one).
constexpr auto kRetryDeadline = std::chrono::milliseconds(3 * kBusyTimeoutMs);

// Durability. In WAL mode a commit appends the transaction to run.sqlite-wal; with
// synchronous=NORMAL that write is not fsync'ed, which survives a crash or kill -9 of the process
// (the data is in the OS page cache, and the next open replays the WAL) but not a power loss or a
// kernel crash, which can roll back the last commits. FULL fsyncs the WAL at every commit, which
// also survives those. A commit here is one optimizer step (a beam layer: hundreds of LLM calls),
// so one fsync per step costs nothing measurable, and a run is expensive to redo: FULL.
constexpr std::string_view kPragmas = R"sql(
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = OFF;
)sql";

bool is_busy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

void backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 << std::min(attempt, 6), 50)));
}

}  // namespace

void Db::open() {
  // NOMUTEX: RunStore holds its own mutex around every call.
  int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) fail("cannot open", rc);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // SQLite falls back to read-only when the file is write-protected; a run must be written to.
  if (sqlite3_db_readonly(db_, "main") == 1) {
    throw InputError(where(file_.string(), 0, "", "the file is read-only: maspo needs write access to RUN_DIR and run.sqlite"));
  }
  auto journal = column("PRAGMA journal_mode = WAL");
  if (journal.empty() || journal.front() != "wal") {
    throw std::runtime_error(where(file_.string(), 0, "", "cannot switch the database to WAL mode (journal mode is `" +
                                                              (journal.empty() ? std::string() : journal.front()) +
                                                              "`; is it on a network filesystem?)"));
  }
  exec(kPragmas);
}

void Db::close() noexcept {
  for (auto* s : statements_) sqlite3_finalize(s);
  statements_.clear();
  // The last connection to close checkpoints the WAL into run.sqlite and removes run.sqlite-wal.
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Db::exec(std::string_view sql) {
  const char* tail = sql.data();
  const char* end = sql.data() + sql.size();
  while (tail < end) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &s, &tail);
    if (rc != SQLITE_OK) fail("cannot run", rc, sql);
    if (s == nullptr) continue;  // whitespace or a comment
    try {
      while (step(s) == SQLITE_ROW) {
      }
    } catch (...) {
      sqlite3_finalize(s);
      throw;
    }
    sqlite3_finalize(s);
  }
}

std::vector<std::string> Db::column(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) fail("cannot run", rc, sql);
  std::vector<std::string> out;
  try {
    while (step(s) == SQLITE_ROW) out.push_back(column_text(s, 0));
  } catch (...) {
    sqlite3_finalize(s);
    throw;
  }
  sqlite3_finalize(s);
  return out;
}

sqlite3_stmt* Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) fail("cannot prepare", rc, sql);
  statements_.push_back(s);
  return s;
}

int Db::step(sqlite3_stmt* statement) {
  auto deadline = Clock::now() + kRetryDeadline;
  for (int attempt = 0;; ++attempt) {
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return rc;
    // Inside a transaction, a busy statement cannot be retried safely (SQLite may have rolled the
    // transaction back), and our steps hold the write lock from BEGIN IMMEDIATE anyway.
    bool retry = is_busy(rc) && !in_transaction() && Clock::now() < deadline;
    sqlite3_reset(statement);
    // A full disk is a failed write even when a read statement hit it (WAL index growth).
    const bool read = sqlite3_stmt_readonly(statement) != 0 && (rc & 0xff) != SQLITE_FULL;
    if (!retry) fail(read ? "cannot read" : "cannot write", rc, sqlite3_sql(statement));
    backoff(attempt);
  }
}

void Db::rollback() noexcept {
  if (!in_transaction()) return;
  // ROLLBACK fails only if a statement is still running; none is, since every one is reset.
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Db::fail(std::string_view what, int rc, std::string_view sql) const {
  const std::string file = file_.string();
  const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const int system_errno = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      throw InputError(where(file, 0, "", "this file is not a SQLite database, so not a maspo run (is RUN_DIR right?)"));
    case SQLITE_CORRUPT:
      throw InputError(where(file, 0, "", "the run's database is damaged (" + detail +
                                              "); restore a copy of RUN_DIR, or start a new run with another --out"));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw InputError(where(file, 0, "", "cannot write to the run (" + detail +
                                              "): maspo needs write access to RUN_DIR and run.sqlite"));
    case SQLITE_CANTOPEN:
      throw InputError(where(file, 0, "", "cannot open the run's database (" + detail +
                                              "): check that RUN_DIR exists and is writable"));
    case SQLITE_FULL:
      throw std::runtime_error(where(file, 0, "", std::string(what) + ": the disk is full (" + detail +
                                                      "); free some space and `maspo resume` the run: every committed "
                                                      "step is kept"));
    default: break;
  }
  // A write that hits ENOSPC partway through comes back as an I/O error; the errno says why.
  if ((rc & 0xff) == SQLITE_IOERR && (system_errno == ENOSPC || system_errno == EDQUOT || system_errno == EFBIG)) {
    std::string why = system_errno == ENOSPC ? "the disk is full"
                      : system_errno == EDQUOT ? "the disk quota is exhausted"
                                               : "the file size limit is reached";
    throw std::runtime_error(where(file, 0, "", std::string(what) + ": " + why + " (" + detail +
                                                    "); free some space and `maspo resume` the run: every committed "
                                                    "step is kept"));
  }
  if (is_busy(rc)) {
    throw std::runtime_error(where(file, 0, "", "the run is locked by another process (" + detail +
                                                    "): is a second `maspo resume` of this RUN_DIR running?"));
  }
  std::string statement = sql.empty() ? "" : " (`" + std::string(sql.substr(0, 60)) + (sql.size() > 60 ? "...`)" : "`)");
  throw std::runtime_error(where(file, 0, "", std::string(what) + statement + ": " + detail));
}

std::string column_text(sqlite3_stmt* statement, int i) {
  const auto* p = sqlite3_column_text(statement, i);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(statement, i)))
                      : std::string();
}

}  // namespace maspo::store
