// The SQLite reply cache: fields survive a round trip, first writer wins, pending writes are
// visible, modes behave, bad files are refused by name, and two processes and many threads can
// share one file without losing or mixing entries.
#include "llm/cache.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "maspo/util.hpp"
#include "support/temp_dir.hpp"

namespace maspo::llm {
namespace {

namespace fs = std::filesystem;

struct TempDir : maspo::testing::TempDir {
  TempDir() : maspo::testing::TempDir("maspo-cache-test") {}
};

// A plain SQLite connection, to look at the file as another program would.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
    sqlite3_busy_timeout(db_, 10'000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + msg);
    }
  }
  // Every row, every column as text.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::vector<std::vector<std::string>> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const auto* t = sqlite3_column_text(s, i);
        row.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "NULL");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    return out;
  }
  std::string scalar(const std::string& sql) { return rows(sql).at(0).at(0); }

 private:
  sqlite3* db_ = nullptr;
};

CacheConfig rw(const std::string& path) { return {CacheMode::read_write, path}; }

Reply make_reply(const std::string& text, std::int64_t prompt = 3, std::int64_t completion = 5) {
  Reply r;
  r.text = text;
  r.finish_reason = "stop";
  r.usage = {prompt, completion};
  r.latency_s = 0.5;
  r.model = "m";
  return r;
}

json canon(const std::string& tag) { return {{"v", 1}, {"tag", tag}}; }

std::string file_bytes(const std::string& path) { return read_file(path); }

void expect_error_naming(const std::function<void()>& f, const std::string& path, const std::string& also = "") {
  try {
    f();
    ADD_FAILURE() << "expected llm::Error naming " << path;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    if (!also.empty()) {
      EXPECT_NE(std::string(e.what()).find(also), std::string::npos) << e.what();
    }
  }
}

TEST(Cache, RoundTripPreservesEveryFieldAndMarksCached) {
  TempDir dir;
  Reply in;
  in.text = std::string("line one\nÜnïcödé \"quoted\"\0after-nul", 37);
  in.finish_reason = "length";
  in.usage = {123, 456};
  in.latency_s = 1.25;
  in.model = "qwen3-8b";
  in.cached = false;
  {
    Cache c(rw(dir.file("c.sqlite")));
    c.put("k1", canon("one"), in);
    c.flush();
    auto out = c.get("k1");
    ASSERT_TRUE(out);
    EXPECT_EQ(out->text, in.text);
    EXPECT_EQ(out->text.size(), 37u);  // the byte after the NUL survived
    EXPECT_EQ(out->finish_reason, "length");
    EXPECT_EQ(out->usage, (Usage{123, 456}));
    EXPECT_DOUBLE_EQ(out->latency_s, 1.25);
    EXPECT_EQ(out->model, "qwen3-8b");
    EXPECT_TRUE(out->cached);
    EXPECT_FALSE(c.get("k2"));
  }
  RawDb raw(dir.file("c.sqlite"));
  EXPECT_EQ(raw.scalar("SELECT request FROM replies WHERE key = 'k1'"), canon("one").dump());
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), "1");
  auto created = std::stoll(raw.scalar("SELECT created_at FROM replies WHERE key = 'k1'"));
  EXPECT_NEAR(static_cast<double>(created), static_cast<double>(std::time(nullptr)), 60.0);
}

TEST(Cache, FirstWriterWinsInOneInstanceAndAcrossInstances) {
  TempDir dir;
  Cache a(rw(dir.file("c.sqlite")));
  a.put("k", canon("x"), make_reply("first"));
  a.put("k", canon("x"), make_reply("second"));
  EXPECT_EQ(a.get("k")->text, "first");
  a.flush();
  EXPECT_EQ(a.get("k")->text, "first");

  Cache b(rw(dir.file("c.sqlite")));
  b.put("k", canon("x"), make_reply("third"));
  b.flush();
  EXPECT_EQ(b.get("k")->text, "first");
  EXPECT_EQ(a.get("k")->text, "first");
  EXPECT_EQ(b.size(), 1);
}

// Holds the cache's writer thread at one stage of one batch until the test opens it: the race
// windows below are forced, not waited for.
class WriterGate {
 public:
  WriterGate(Cache& cache, Cache::WriterStage stage) : cache_(cache) {
    cache.set_writer_hook_for_testing([this, stage](Cache::WriterStage at) {
      if (at != stage) return;
      std::unique_lock lock(mu_);
      if (used_) return;  // only the first batch is held
      used_ = held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      held_ = false;
    });
  }
  // Blocks until the writer is held (no deadline: a writer that never gets here hangs the test,
  // which ctest's timeout reports).
  void wait_until_held() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return held_; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // The tests open the gate and flush before it goes, so no hook call is in flight here.
  ~WriterGate() {
    open();
    cache_.set_writer_hook_for_testing({});
  }

 private:
  Cache& cache_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool used_ = false, held_ = false, open_ = false;
};

// The window that failed under load: the first reply committed but still queued, then taken off
// the queue; a later put of the same key must not be served.
TEST(Cache, FirstWriterWinsAcrossTheCommitWindowInOneInstance) {
  TempDir dir;
  Cache a(rw(dir.file("c.sqlite")));
  WriterGate gate(a, Cache::WriterStage::after_commit);
  a.put("k", canon("x"), make_reply("first"));
  gate.wait_until_held();  // committed, not yet off the queue
  a.put("k", canon("x"), make_reply("second"));
  EXPECT_EQ(a.get("k")->text, "first");
  gate.open();
  a.flush();  // off the queue now: only the file has it
  a.put("k", canon("x"), make_reply("third"));
  EXPECT_EQ(a.get("k")->text, "first");
  a.flush();
  EXPECT_EQ(a.get("k")->text, "first");
  EXPECT_EQ(a.size(), 1);
}

// Another process commits first while our own reply for the key is queued: from that moment
// every get() returns the committed reply, before and after our copy loses at INSERT OR IGNORE.
TEST(Cache, FirstWriterWinsAcrossInstancesWhileTheLoserIsStillQueued) {
  TempDir dir;
  Cache a(rw(dir.file("c.sqlite")));
  Cache b(rw(dir.file("c.sqlite")));
  WriterGate gate(b, Cache::WriterStage::before_commit);
  b.put("k", canon("x"), make_reply("late"));
  gate.wait_until_held();  // b's reply is queued, its transaction not begun
  EXPECT_EQ(b.get("k")->text, "late");  // nothing committed yet: the queued reply is served
  a.put("k", canon("x"), make_reply("early"));
  a.flush();
  EXPECT_EQ(b.get("k")->text, "early");
  EXPECT_EQ(a.get("k")->text, "early");
  gate.open();
  b.flush();
  EXPECT_EQ(b.get("k")->text, "early");
  EXPECT_EQ(b.size(), 1);
  // And a put after another process's commit is dropped at once.
  Cache c(rw(dir.file("c.sqlite")));
  c.put("k", canon("x"), make_reply("later"));
  EXPECT_EQ(c.get("k")->text, "early");
}

TEST(Cache, GetSeesQueuedWritesBeforeTheyAreCommitted) {
  TempDir dir;
  Cache c(rw(dir.file("c.sqlite")));
  // Another connection holds the write lock, so the writer thread cannot commit yet.
  RawDb other(dir.file("c.sqlite"));
  other.exec("BEGIN IMMEDIATE");
  c.put("k", canon("x"), make_reply("queued"));
  auto hit = c.get("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->text, "queued");
  EXPECT_TRUE(hit->cached);
  EXPECT_EQ(c.size(), 0);  // nothing committed yet
  other.exec("COMMIT");
  c.flush();
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.get("k")->text, "queued");
}

TEST(Cache, DestructorFlushesAndEntriesPersistAcrossReopen) {
  TempDir dir;
  {
    Cache c(rw(dir.file("c.sqlite")));
    for (int i = 0; i < 50; ++i) c.put("k" + std::to_string(i), canon("x"), make_reply("v" + std::to_string(i), i));
  }
  Cache c(rw(dir.file("c.sqlite")));
  EXPECT_EQ(c.size(), 50);
  for (int i = 0; i < 50; ++i) {
    auto r = c.get("k" + std::to_string(i));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->text, "v" + std::to_string(i));
    EXPECT_EQ(r->usage.prompt_tokens, i);
  }
}

TEST(Cache, ReplayModeReadsButNeverWrites) {
  TempDir dir;
  auto path = dir.file("c.sqlite");
  {
    Cache c(rw(path));
    c.put("old", canon("x"), make_reply("recorded"));
  }
  auto before = file_bytes(path);
  {
    Cache c({CacheMode::replay, path});
    EXPECT_EQ(c.mode(), CacheMode::replay);
    EXPECT_EQ(c.get("old")->text, "recorded");
    c.put("new", canon("y"), make_reply("not stored"));
    EXPECT_FALSE(c.get("new"));
    c.flush();
    EXPECT_FALSE(c.get("new"));
  }
  EXPECT_EQ(file_bytes(path), before);
  Cache c(rw(path));
  EXPECT_EQ(c.size(), 1);
  EXPECT_FALSE(c.get("new"));
}

TEST(Cache, ReplayModeWithoutACacheFileIsAnErrorNamingThePath) {
  TempDir dir;
  auto path = dir.file("missing.sqlite");
  expect_error_naming([&] { Cache c({CacheMode::replay, path}); }, path);
  EXPECT_FALSE(fs::exists(path));
}

TEST(Cache, OffModeOpensNoFile) {
  TempDir dir;
  auto path = dir.file("sub/c.sqlite");
  Cache c({CacheMode::off, path});
  c.put("k", canon("x"), make_reply("v"));
  c.flush();
  EXPECT_FALSE(c.get("k"));
  EXPECT_EQ(c.size(), 0);
  EXPECT_FALSE(fs::exists(dir.path() / "sub"));
}

TEST(Cache, EmptyPathMeansTheCacheDirAndParentsAreCreated) {
  TempDir dir;
  auto base = dir.path() / "a" / "b";
  ::setenv("MASPO_CACHE_DIR", base.c_str(), 1);
  {
    Cache c(rw(""));
    EXPECT_EQ(c.path(), (base / "llm-cache.sqlite").string());
    c.put("k", canon("x"), make_reply("v"));
  }
  ::unsetenv("MASPO_CACHE_DIR");
  EXPECT_TRUE(fs::exists(base / "llm-cache.sqlite"));
}

TEST(Cache, GarbageFileIsRefusedByNameAndLeftAlone) {
  TempDir dir;
  for (std::size_t size : {std::size_t{20}, std::size_t{5000}}) {
    auto path = dir.file("garbage-" + std::to_string(size) + ".sqlite");
    std::string garbage;
    for (std::size_t i = 0; i < size; ++i) garbage.push_back(static_cast<char>('a' + i % 26));
    write_file_atomic(path, garbage);
    expect_error_naming([&] { Cache c(rw(path)); }, path, "not a SQLite database");
    expect_error_naming([&] { Cache c({CacheMode::replay, path}); }, path, "not a SQLite database");
    EXPECT_EQ(file_bytes(path), garbage);
  }
}

TEST(Cache, NewerSchemaOrForeignDatabaseIsRefusedByName) {
  TempDir dir;
  auto newer = dir.file("newer.sqlite");
  RawDb(newer).exec("PRAGMA user_version = 99");
  expect_error_naming([&] { Cache c(rw(newer)); }, newer, "newer");
  expect_error_naming([&] { Cache c({CacheMode::replay, newer}); }, newer, "newer");

  auto foreign = dir.file("foreign.sqlite");
  RawDb(foreign).exec("CREATE TABLE people (name TEXT)");
  expect_error_naming([&] { Cache c(rw(foreign)); }, foreign, "not a maspo LLM cache");
}

TEST(Cache, UncreatableDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  write_file_atomic(dir.path() / "plain-file", "x");
  auto path = dir.file("plain-file/c.sqlite");
  expect_error_naming([&] { Cache c(rw(path)); }, path);
}

// Child side of the two-process test. Exit codes: 0 ok, 3 a read disagreed, 4 an exception.
[[noreturn]] void child_writes(const std::string& path, int id, int start_fd) {
  try {
    char go = 0;
    if (::read(start_fd, &go, 1) != 1) ::_exit(5);
    Cache c(rw(path));
    for (int i = 0; i < 500; ++i) {
      auto shared = "shared-" + std::to_string(i);
      auto own = "own-" + std::to_string(id) + "-" + std::to_string(i);
      c.put(shared, canon(shared), make_reply("child " + std::to_string(id) + " " + shared, id, i));
      c.put(own, canon(own), make_reply("child " + std::to_string(id) + " " + own, id, i));
      if (i % 50 == 49) c.flush();  // many small transactions: many chances to collide
    }
    c.flush();
    for (int i = 0; i < 500; i += 7) {
      auto r = c.get("shared-" + std::to_string(i));
      if (!r || r->text.rfind("child ", 0) != 0) ::_exit(3);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", id, e.what());
    ::_exit(4);
  }
  ::_exit(0);
}

int wait_child(pid_t pid, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return 101;
}

TEST(Cache, TwoProcessesWritingAtOnceAgreeAndLoseNothing) {
  TempDir dir;
  auto path = dir.file("shared.sqlite");
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> children;
  for (int id = 1; id <= 2; ++id) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      child_writes(path, id, start[0]);
    }
    children.push_back(pid);
  }
  ::close(start[0]);
  // Both children start together: each opens the fresh file while the other may be creating it.
  ASSERT_EQ(::write(start[1], "gg", 2), 2);
  ::close(start[1]);
  for (pid_t pid : children) EXPECT_EQ(wait_child(pid, std::chrono::seconds(120)), 0);

  RawDb raw(path);
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM replies"), "1500");
  EXPECT_EQ(raw.scalar("SELECT count(DISTINCT key) FROM replies"), "1500");
  // Every row is one child's whole reply, never a mix of the two.
  int from[3] = {0, 0, 0};
  for (const auto& row : raw.rows("SELECT key, request, text, prompt_tokens, completion_tokens FROM replies")) {
    const auto& key = row[0];
    int id = std::stoi(row[3]);
    ASSERT_TRUE(id == 1 || id == 2) << key;
    EXPECT_EQ(row[1], canon(key).dump());
    EXPECT_EQ(row[2], "child " + std::to_string(id) + " " + key);
    auto index = key.substr(key.rfind('-') + 1);
    EXPECT_EQ(row[4], index) << key;
    if (key.rfind("own-", 0) == 0) {
      EXPECT_EQ(key.substr(4, 1), std::to_string(id));
    } else {
      ++from[id];
    }
  }
  EXPECT_EQ(from[1] + from[2], 500);
}

TEST(Cache, EightThreadsMixingGetsAndPutsLoseNoWrite) {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kOps = 1500;
  constexpr int kSharedKeys = 300;
  auto value_of = [](const std::string& key) { return "value of " + key; };
  std::atomic<int> wrong{0};
  {
    Cache c(rw(dir.file("c.sqlite")));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kOps; ++i) {
          // Like the Client: look up, and on a miss store the (deterministic) answer.
          auto key = (i % 3 == 0) ? "t" + std::to_string(t) + "-" + std::to_string(i)
                                  : "s" + std::to_string((i * 7 + t) % kSharedKeys);
          auto hit = c.get(key);
          if (!hit) {
            c.put(key, canon(key), make_reply(value_of(key)));
          } else if (hit->text != value_of(key)) {
            ++wrong;
          }
          if (i % 500 == 0 && t == 0) c.flush();
        }
      });
    }
    for (auto& th : threads) th.join();
    c.flush();
    EXPECT_EQ(c.size(), kThreads * (kOps / 3) + kSharedKeys);
  }
  EXPECT_EQ(wrong.load(), 0);
  Cache c(rw(dir.file("c.sqlite")));
  EXPECT_EQ(c.size(), kThreads * (kOps / 3) + kSharedKeys);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kOps; i += 3) {
      auto key = "t" + std::to_string(t) + "-" + std::to_string(i);
      auto r = c.get(key);
      ASSERT_TRUE(r) << key;
      EXPECT_EQ(r->text, value_of(key));
    }
  }
}

}  // namespace
}  // namespace maspo::llm
