// The reply cache: SQLite in WAL mode, one read connection and one writer thread with its own
// connection. See cache.hpp for the contract.
//
// Why a writer thread: a commit waits for the disk (and, with a second process writing, for its
// lock), and put() is called from the thread that delivers a model reply. The writer batches
// everything queued since its last commit into one transaction, so the cost of a commit is shared.
// Entries stay in `pending` until their transaction is committed, so get() never misses a reply
// that was already handed to put().
//
// First writer wins: put() drops a key that is queued here or already committed (it looks in the
// database while holding `mu`; the writer takes a key out of `pending` under `mu` only after its
// commit is visible, so a key absent from `pending` but put before is always found in the file),
// and get() prefers the committed reply over a queued one (another process may have committed
// first; our queued copy then loses at INSERT OR IGNORE).
#include "llm/cache.hpp"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "maspo/util.hpp"

namespace maspo::llm {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 10'000;
// busy_timeout already waits inside SQLite; this outer bound covers the cases where SQLite returns
// SQLITE_BUSY without calling the busy handler (WAL recovery by another process, a read
// transaction racing a WAL restart).
constexpr auto kRetryDeadline = std::chrono::milliseconds(3 * kBusyTimeoutMs);
// Bounds how long one batch holds the database's write lock, so another process is not starved.
constexpr std::size_t kMaxBatch = 512;

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS replies (
  key               TEXT PRIMARY KEY NOT NULL,
  request           TEXT NOT NULL,
  text              TEXT NOT NULL,
  finish_reason     TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_s         REAL NOT NULL,
  model             TEXT NOT NULL,
  created_at        INTEGER NOT NULL
))sql";

constexpr const char* kSelect =
    "SELECT text, finish_reason, prompt_tokens, completion_tokens, latency_s, model FROM replies WHERE key = ?1";
constexpr const char* kInsert =
    "INSERT OR IGNORE INTO replies (key, request, text, finish_reason, prompt_tokens, completion_tokens, "
    "latency_s, model, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

bool is_busy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  void open(const std::string& path, int flags) {
    path_ = path;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) fail("cannot open", rc, ErrorKind::config);
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  }

  void close() {
    for (auto* s : statements_) sqlite3_finalize(s);
    statements_.clear();
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  // Runs every statement of `sql`, retrying while another connection holds a lock. Returns the
  // first column of the last row, if any (for PRAGMAs that answer).
  std::string exec(const std::string& sql, ErrorKind kind = ErrorKind::internal) {
    auto deadline = Clock::now() + kRetryDeadline;
    for (int attempt = 0;; ++attempt) {
      std::string last;
      int rc = exec_once(sql, last);
      if (rc == SQLITE_OK) return last;
      if (!is_busy(rc) || Clock::now() > deadline) fail("`" + sql.substr(0, 40) + "` failed", rc, kind);
      backoff(attempt);
    }
  }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) fail("cannot prepare a statement", rc);
    statements_.push_back(s);
    return s;
  }

  // Steps a statement until it yields a row or is done, retrying while the database is locked.
  // Bindings survive sqlite3_reset, so a retry re-runs the same query.
  int step(sqlite3_stmt* s) {
    auto deadline = Clock::now() + kRetryDeadline;
    for (int attempt = 0;; ++attempt) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_ROW || rc == SQLITE_DONE) return rc;
      sqlite3_reset(s);
      if (!is_busy(rc) || Clock::now() > deadline) fail("query failed", rc);
      backoff(attempt);
    }
  }

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Errors name the file: with several caches and run stores around, "file is not a database"
  // alone does not say which one.
  [[noreturn]] void fail(const std::string& what, int rc, ErrorKind kind = ErrorKind::internal) const {
    if ((rc & 0xff) == SQLITE_NOTADB) refuse("this file is not a SQLite database (is the cache path right?)");
    std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    refuse(what + ": " + detail, kind);
  }
  [[noreturn]] void refuse(const std::string& why, ErrorKind kind = ErrorKind::config) const {
    throw Error(kind, "LLM cache " + path_ + ": " + why);
  }

 private:
  int exec_once(const std::string& sql, std::string& last) {
    const char* tail = sql.c_str();
    while (tail != nullptr && *tail != '\0') {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v2(db_, tail, -1, &s, &tail);
      if (rc != SQLITE_OK) return rc;
      if (s == nullptr) continue;  // whitespace or a comment
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(s, 0);
        last = t != nullptr ? reinterpret_cast<const char*>(t) : "";
      }
      sqlite3_finalize(s);
      if (rc != SQLITE_DONE) return rc;
    }
    return SQLITE_OK;
  }

  static void backoff(int attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 << std::min(attempt, 6), 50)));
  }

  sqlite3* db_ = nullptr;
  std::string path_;
  std::vector<sqlite3_stmt*> statements_;
};

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_text(s, i);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, i)))
                      : std::string();
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string resolve_path(const std::string& configured) {
  if (!configured.empty()) return configured;
  return (cache_dir() / "llm-cache.sqlite").string();
}

// Checks (and, when writable, creates) the schema. Run inside BEGIN IMMEDIATE on a writable
// connection, so two processes opening a fresh file do not both create it.
void check_schema(Connection& db, bool writable) {
  int version = std::stoi(db.exec("PRAGMA user_version", ErrorKind::config));
  if (version > kSchemaVersion) {
    db.refuse("the file was written by a newer maspo (cache schema version " + std::to_string(version) +
              ", this build reads up to " + std::to_string(kSchemaVersion) + ")");
  }
  if (version == kSchemaVersion) return;
  int objects = std::stoi(db.exec("SELECT count(*) FROM sqlite_master", ErrorKind::config));
  if (objects > 0) {
    db.refuse("this SQLite file is not a maspo LLM cache (it has tables but no cache schema version)");
  }
  if (!writable) db.refuse("the file holds no LLM cache yet (nothing to replay)");
  db.exec(kCreateTable, ErrorKind::config);
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion), ErrorKind::config);
}

struct Entry {
  std::string request;  // canonical JSON text
  Reply reply;
};

}  // namespace

struct Cache::Impl {
  CacheMode mode = CacheMode::off;
  std::string path;

  // Reads: one connection, serialized; its SELECT is prepared once and reused.
  std::mutex read_mu;
  Connection reader;
  sqlite3_stmt* select = nullptr;
  sqlite3_stmt* count = nullptr;

  // Writes: queued here, committed by `writer` on its own connection.
  std::mutex mu;
  std::condition_variable wake;       // writer: work queued or stopping
  std::condition_variable committed;  // flush(): a batch is done
  std::unordered_map<std::string, std::shared_ptr<const Entry>> pending;  // queued or being committed
  std::deque<std::string> queue;                                          // keys in put() order
  std::uint64_t queued_seq = 0;   // puts accepted
  std::uint64_t done_seq = 0;     // puts committed (or dropped by a failed commit)
  bool stopping = false;
  std::string write_error;        // first commit failure since the last flush()
  Connection writer_db;
  sqlite3_stmt* insert = nullptr;
  std::thread writer;
  std::function<void(WriterStage)> writer_hook;   // tests only

  void open() {
    if (mode == CacheMode::off) return;
    bool writable = mode == CacheMode::read_write;
    if (writable) {
      auto parent = std::filesystem::path(path).parent_path();
      std::error_code ec;
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
      if (ec) throw Error(ErrorKind::config, "LLM cache " + path + ": cannot create its directory: " + ec.message());
      open_writer();
    } else if (!std::filesystem::exists(path)) {
      throw Error(ErrorKind::config, "LLM cache " + path + ": replay mode needs an existing cache file, and there is none");
    }
    reader.open(path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
    if (!writable) check_schema(reader, false);
    select = reader.prepare(kSelect);
    count = reader.prepare("SELECT count(*) FROM replies");
    if (writable) writer = std::thread([this] { write_loop(); });
  }

  void open_writer() {
    writer_db.open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    // The first statement to read the file: a non-SQLite file fails here, naming the path.
    std::string journal = writer_db.exec("PRAGMA journal_mode = WAL", ErrorKind::config);
    if (journal != "wal") {
      writer_db.refuse("cannot switch to WAL mode (journal mode is `" + journal + "`)");
    }
    writer_db.exec("PRAGMA synchronous = NORMAL", ErrorKind::config);
    writer_db.exec("BEGIN IMMEDIATE", ErrorKind::config);
    try {
      check_schema(writer_db, true);
      writer_db.exec("COMMIT", ErrorKind::config);
    } catch (...) {
      if (writer_db.in_transaction()) rollback();
      throw;
    }
    insert = writer_db.prepare(kInsert);
  }

  void rollback() noexcept {
    try {
      writer_db.exec("ROLLBACK");
    } catch (const std::exception&) {
      // The connection is closed next; SQLite rolls back whatever is left then.
    }
  }

  void write_loop() {
    for (;;) {
      std::vector<std::pair<std::string, std::shared_ptr<const Entry>>> batch;
      std::function<void(WriterStage)> hook;
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [&] { return !queue.empty() || stopping; });
        if (queue.empty()) return;
        while (!queue.empty() && batch.size() < kMaxBatch) {
          auto it = pending.find(queue.front());
          batch.emplace_back(queue.front(), it->second);
          queue.pop_front();
        }
        hook = writer_hook;
      }
      if (hook) hook(WriterStage::before_commit);
      std::string error = commit(batch);
      if (hook) hook(WriterStage::after_commit);
      std::lock_guard lock(mu);
      for (const auto& [key, _] : batch) pending.erase(key);
      done_seq += batch.size();
      if (!error.empty() && write_error.empty()) write_error = error;
      committed.notify_all();
    }
  }

  // One transaction for the whole batch; the batch is retried whole if the lock cannot be had.
  std::string commit(const std::vector<std::pair<std::string, std::shared_ptr<const Entry>>>& batch) noexcept {
    try {
      auto created = static_cast<sqlite3_int64>(std::time(nullptr));
      writer_db.exec("BEGIN IMMEDIATE");
      for (const auto& [key, entry] : batch) {
        const Reply& r = entry->reply;
        sqlite3_reset(insert);
        bind_text(insert, 1, key);
        bind_text(insert, 2, entry->request);
        bind_text(insert, 3, r.text);
        bind_text(insert, 4, r.finish_reason);
        sqlite3_bind_int64(insert, 5, r.usage.prompt_tokens);
        sqlite3_bind_int64(insert, 6, r.usage.completion_tokens);
        sqlite3_bind_double(insert, 7, r.latency_s);
        bind_text(insert, 8, r.model);
        sqlite3_bind_int64(insert, 9, created);
        writer_db.step(insert);
      }
      sqlite3_reset(insert);
      sqlite3_clear_bindings(insert);  // the bound strings belong to `batch`
      writer_db.exec("COMMIT");
      return {};
    } catch (const std::exception& e) {
      sqlite3_reset(insert);
      sqlite3_clear_bindings(insert);
      if (writer_db.in_transaction()) rollback();
      spdlog::warn("{} ({} cached replies not stored)", e.what(), batch.size());
      return e.what();
    }
  }

  std::optional<Reply> read(const std::string& key) {
    std::lock_guard lock(read_mu);
    sqlite3_reset(select);
    bind_text(select, 1, key);
    std::optional<Reply> out;
    try {
      if (reader.step(select) == SQLITE_ROW) {
        Reply r;
        r.text = column_text(select, 0);
        r.finish_reason = column_text(select, 1);
        r.usage.prompt_tokens = sqlite3_column_int64(select, 2);
        r.usage.completion_tokens = sqlite3_column_int64(select, 3);
        r.latency_s = sqlite3_column_double(select, 4);
        r.model = column_text(select, 5);
        r.cached = true;
        out = std::move(r);
      }
    } catch (...) {
      sqlite3_reset(select);
      throw;
    }
    // Ends the read transaction now, so this connection does not pin an old WAL snapshot.
    sqlite3_reset(select);
    return out;
  }

  // Whether the file holds `key`. A read that fails (the file is locked past every retry) counts as
  // absent: the reply is then queued, INSERT OR IGNORE still keeps the first one, and get()
  // prefers the file's.
  bool stored(const std::string& key) noexcept {
    try {
      return read(key).has_value();
    } catch (const std::exception&) {
      return false;
    }
  }

  void stop() noexcept {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    wake.notify_all();
    if (writer.joinable()) writer.join();
  }
};

Cache::Cache(const CacheConfig& config) : impl_(std::make_unique<Impl>()) {
  impl_->mode = config.mode;
  impl_->path = resolve_path(config.path);
  impl_->open();
}

Cache::~Cache() {
  impl_->stop();
  std::lock_guard lock(impl_->mu);
  if (!impl_->write_error.empty()) spdlog::warn("LLM cache {}: some replies were not stored", impl_->path);
}

CacheMode Cache::mode() const { return impl_->mode; }

const std::string& Cache::path() const { return impl_->path; }

std::optional<Reply> Cache::get(const std::string& key) {
  if (impl_->mode == CacheMode::off) return std::nullopt;
  // `pending` first, then the file: a key that leaves `pending` in between is committed by then.
  std::shared_ptr<const Entry> queued;
  {
    std::lock_guard lock(impl_->mu);
    if (auto it = impl_->pending.find(key); it != impl_->pending.end()) queued = it->second;
  }
  if (auto committed = impl_->read(key)) return committed;
  if (!queued) return std::nullopt;
  Reply r = queued->reply;
  r.cached = true;
  return r;
}

void Cache::put(const std::string& key, const json& canonical_request, const Reply& reply) {
  if (impl_->mode != CacheMode::read_write) return;
  auto entry = std::make_shared<Entry>(Entry{canonical_request.dump(), reply});
  entry->reply.cached = false;
  std::lock_guard lock(impl_->mu);
  // First writer wins inside the process too: a reply for a key that is queued, or committed
  // (by us or another process), is dropped, as the database's INSERT OR IGNORE would drop it.
  // Looked up under `mu`, so the writer cannot move the key from `pending` to the file meanwhile.
  if (impl_->pending.count(key) > 0 || impl_->stored(key)) return;
  impl_->pending.emplace(key, std::move(entry));
  impl_->queue.push_back(key);
  ++impl_->queued_seq;
  impl_->wake.notify_one();
}

void Cache::flush() {
  if (impl_->mode != CacheMode::read_write) return;
  std::unique_lock lock(impl_->mu);
  auto target = impl_->queued_seq;
  impl_->committed.wait(lock, [&] { return impl_->done_seq >= target; });
  if (!impl_->write_error.empty()) {
    auto message = std::exchange(impl_->write_error, {});
    throw Error(ErrorKind::internal, message);
  }
}

void Cache::set_writer_hook_for_testing(std::function<void(WriterStage)> hook) {
  std::lock_guard lock(impl_->mu);
  impl_->writer_hook = std::move(hook);
}

std::int64_t Cache::size() {
  if (impl_->mode == CacheMode::off) return 0;
  std::lock_guard lock(impl_->read_mu);
  sqlite3_stmt* s = impl_->count;
  std::int64_t n = impl_->reader.step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  return n;
}

}  // namespace maspo::llm
