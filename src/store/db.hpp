// One SQLite connection to a run store, with the error handling every caller needs: retries while
// another process holds the lock, and failures turned into messages that name the file and say
// what the user can do (a damaged file, a read-only directory, a full disk).
//
// Not thread-safe: RunStore serializes every call behind its own mutex.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace maspo::store {

class Db {
 public:
  explicit Db(std::filesystem::path file) : file_(std::move(file)) {}
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { close(); }

  // Opens the file (never creates it: create() makes the file itself, to refuse an existing run
  // atomically) and sets the connection's pragmas. The first statement reads the file, so a file
  // that is not SQLite fails here, by name.
  void open();
  void close() noexcept;

  // Runs every statement of `sql`, retrying while the database is locked.
  void exec(std::string_view sql);
  // The first column of every row `sql` returns, as text (PRAGMAs, counts).
  std::vector<std::string> column(std::string_view sql);

  // Prepared once, finalized by close().
  sqlite3_stmt* prepare(std::string_view sql);
  // SQLITE_ROW or SQLITE_DONE; throws on anything else once a locked database stays locked.
  // Bindings survive the sqlite3_reset a retry needs.
  int step(sqlite3_stmt* statement);

  bool in_transaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }
  // ROLLBACK when a transaction is open; never throws (close() rolls back whatever is left).
  void rollback() noexcept;

  const std::filesystem::path& file() const { return file_; }

  // Throws for the SQLite result code `rc`: maspo::InputError for what the user must fix (not a
  // database, damaged, read-only, cannot open), std::runtime_error otherwise (disk full, I/O),
  // each naming the file. `what` says what was being done; `sql`, when given, is quoted for the
  // errors that are maspo's own bugs rather than the user's.
  [[noreturn]] void fail(std::string_view what, int rc, std::string_view sql = {}) const;

 private:
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

// Text of column `i` of the current row ("" for NULL).
std::string column_text(sqlite3_stmt* statement, int i);

// Resets a statement when leaving a scope, so that no read transaction stays open (which would pin
// an old WAL snapshot) and no binding points at a string that is gone.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* statement_;
};

}  // namespace maspo::store
