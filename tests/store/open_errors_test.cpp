// What a user sees when RUN_DIR is not a usable run: each case is an InputError naming the path
// and saying what to do, and nothing is written to what is there.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "maspo/store.hpp"
#include "store_test_util.hpp"

namespace maspo::store {
namespace {

namespace fs = std::filesystem;
using testing::expect_input_error;
using testing::judgement;
using testing::RawDb;
using testing::TempDir;

// A run with a few steps, closed cleanly (so the WAL is checkpointed into run.sqlite).
void make_run(const fs::path& dir, int steps = 3, int rows_per_step = 200) {
  auto store = RunStore::create(dir, {{"seed", 1}});
  for (int step = 1; step <= steps; ++step) {
    store->begin_step(step);
    for (int i = 0; i < rows_per_step; ++i) store->record(judgement(i));
    store->commit_step({{"step", step}});
  }
}

TEST(RunStoreOpen, CreateOverAnExistingRunIsRefused) {
  TempDir tmp;
  make_run(tmp.run(), 1, 1);
  auto before = fs::file_size(tmp.db());
  expect_input_error([&] { RunStore::create(tmp.run(), {}); },
                     {tmp.run().string(), "RUN_DIR already holds a run", "maspo resume " + tmp.run().string(), "--out"});
  EXPECT_EQ(fs::file_size(tmp.db()), before);
  EXPECT_EQ(RunStore::open(tmp.run())->latest_checkpoint()->step, 1) << "the existing run is untouched";
}

TEST(RunStoreOpen, CreateMakesTheDirectoryAndRefusesAFileInItsPlace) {
  TempDir tmp;
  auto nested = tmp.path() / "a" / "b" / "run";
  RunStore::create(nested, {});
  EXPECT_TRUE(fs::exists(nested / "run.sqlite"));

  tmp.write("file", "x");
  expect_input_error([&] { RunStore::create(tmp.path() / "file", {}); }, {"cannot create the run directory"});
}

TEST(RunStoreOpen, MissingDirectoryOrNoRunInIt) {
  TempDir tmp;
  expect_input_error([&] { RunStore::open(tmp.path() / "nowhere"); }, {"nowhere", "no such directory"});
  expect_input_error([&] { RunStore::open(tmp.path()); }, {tmp.path().string(), "holds no run"});
  tmp.write("plain", "x");
  expect_input_error([&] { RunStore::open(tmp.path() / "plain"); }, {"plain", "not a directory"});
}

TEST(RunStoreOpen, NotASqliteFile) {
  TempDir tmp;
  fs::create_directories(tmp.run());
  std::string text(8192, 'x');
  tmp.write("run/run.sqlite", "this is a text file, not a database\n" + text);
  expect_input_error([&] { RunStore::open(tmp.run()); }, {tmp.db().string(), "not a SQLite database"});
  EXPECT_EQ(fs::file_size(tmp.db()), 36 + text.size()) << "the file is left as it was";
}

TEST(RunStoreOpen, SqliteButNotARunOrEmptyOrNewer) {
  TempDir tmp;
  fs::create_directories(tmp.run());
  { RawDb(tmp.db(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).exec("CREATE TABLE t(x)"); }
  expect_input_error([&] { RunStore::open(tmp.run()); }, {tmp.db().string(), "not a maspo run"});

  fs::remove(tmp.db());
  { std::ofstream(tmp.db()).flush(); }  // zero bytes: what a create() killed before its first commit leaves
  expect_input_error([&] { RunStore::open(tmp.run()); }, {"empty", "start it again"});

  fs::remove_all(tmp.run());
  make_run(tmp.run(), 1, 1);
  { RawDb(tmp.db()).exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'"); }
  expect_input_error([&] { RunStore::open(tmp.run()); }, {"newer maspo", "schema version 2", "reads up to 1"});
}

// What the bench asks before it opens a cell's run: a database a killed create() left is no run,
// and create() starts over on it.
TEST(RunStoreOpen, StartedOnlyOnceCreateCommitted) {
  TempDir tmp;
  EXPECT_FALSE(RunStore::started(tmp.run()));
  fs::create_directories(tmp.run());
  EXPECT_FALSE(RunStore::started(tmp.run()));
  { std::ofstream(tmp.db()).flush(); }
  EXPECT_FALSE(RunStore::started(tmp.run()));
  RunStore::create(tmp.run(), {{"seed", 2}});
  EXPECT_TRUE(RunStore::started(tmp.run()));
  EXPECT_EQ(RunStore::open(tmp.run())->config().at("seed"), 2);
}

TEST(RunStoreOpen, TruncatedDatabase) {
  TempDir tmp;
  make_run(tmp.run(), 5, 400);
  auto size = fs::file_size(tmp.db());
  ASSERT_GT(size, 64u * 1024) << "big enough to cut in half";
  ASSERT_FALSE(fs::exists(tmp.db().string() + "-wal")) << "closed cleanly: everything is in run.sqlite";
  fs::resize_file(tmp.db(), size / 2);
  auto message = expect_input_error([&] { RunStore::open(tmp.run()); }, {tmp.db().string(), "damaged"});
  std::printf("truncated to half: %s\n", message.c_str());

  fs::resize_file(tmp.db(), 50);  // less than SQLite's 100-byte header
  message = expect_input_error([&] { RunStore::open(tmp.run()); }, {tmp.db().string()});
  std::printf("truncated to 50 bytes: %s\n", message.c_str());
}

TEST(RunStoreOpen, CorruptedPages) {
  TempDir tmp;
  make_run(tmp.run(), 5, 400);
  {
    // Scribble over the middle of the file, as a bad disk or a stray write would.
    std::fstream f(tmp.db(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(tmp.db()) / 2));
    std::string junk(3 * 4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto message = expect_input_error([&] { RunStore::open(tmp.run()); }, {tmp.db().string(), "damaged", "--out"});
  std::printf("scribbled over: %s\n", message.c_str());
}

// What a user with no write access to RUN_DIR sees. Root ignores permission bits, so when the
// tests run as root the check runs in a child process that drops to user `nobody` first.
TEST(RunStoreOpen, ReadOnlyRunDirectory) {
  TempDir tmp;
  make_run(tmp.run(), 1, 1);
  ASSERT_EQ(::chmod(tmp.db().c_str(), 0444), 0);
  ASSERT_EQ(::chmod(tmp.run().c_str(), 0555), 0);

  auto check = [&] {
    return expect_input_error([&] { RunStore::open(tmp.run()); }, {tmp.db().string(), "write access"});
  };
  if (::geteuid() != 0) {
    std::printf("%s\n", check().c_str());
  } else {
    // The child's verdict comes back as its exit status: 0 when the error was the expected one.
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      int code = 1;
      try {
        RunStore::open(tmp.run());
      } catch (const InputError& e) {
        std::string m = e.what();
        std::printf("as nobody: %s\n", m.c_str());
        code = m.find("write access") != std::string::npos && m.find(tmp.db().string()) != std::string::npos ? 0 : 2;
      } catch (...) {
        code = 4;
      }
      std::fflush(stdout);
      ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "running as root and cannot drop to uid 65534 (nobody)";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error, 2: the wrong message, 4: not an InputError";
  }
  ::chmod(tmp.run().c_str(), 0755);
  ::chmod(tmp.db().c_str(), 0644);
  EXPECT_EQ(RunStore::open(tmp.run())->latest_checkpoint()->step, 1) << "the run is untouched";
}

}  // namespace
}  // namespace maspo::store
