// A full disk mid-step: the error names the file and says the disk is full, the step is dropped
// whole, and every committed step survives, in this process and on the next open.
//
// The full disk is simulated with PRAGMA max_page_count, which makes SQLite answer SQLITE_FULL
// exactly as it does for ENOSPC. The pragma is per connection, so an auto-extension applies it to
// every connection opened while a Limit is alive — the store's own included — with no test hook
// in the store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "maspo/store.hpp"
#include "store_test_util.hpp"

namespace maspo::store {
namespace {

using testing::judgement;
using testing::RawDb;
using testing::TempDir;

std::atomic<int> g_max_pages{0};

int limit_pages(sqlite3* db, char**, const sqlite3_api_routines*) {
  std::string sql = "PRAGMA max_page_count = " + std::to_string(g_max_pages.load());
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  return SQLITE_OK;
}

// While alive, every new SQLite connection may grow its database to at most `pages` pages.
class Limit {
 public:
  explicit Limit(int pages) {
    g_max_pages = pages;
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&limit_pages));
  }
  ~Limit() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&limit_pages)); }
  Limit(const Limit&) = delete;
  Limit& operator=(const Limit&) = delete;
};

JudgementRecord big_judgement(int i) {
  auto r = judgement(i);
  r.replies = json::array({std::string(1500, 'x')});
  return r;
}

TEST(RunStoreDiskFull, ErrorIsClearAndCommittedStepsSurvive) {
  TempDir tmp;
  {
    auto store = RunStore::create(tmp.run(), {});
    store->begin_step(1);
    for (int i = 0; i < 50; ++i) store->record(big_judgement(i));
    store->commit_step({{"step", 1}});
  }
  std::int64_t pages = RawDb(tmp.db()).count("PRAGMA page_count");

  std::string message;
  {
    Limit limit(static_cast<int>(pages) + 20);  // room for a few dozen rows, not for a layer
    auto store = RunStore::open(tmp.run());
    store->begin_step(2);
    int recorded = 0;
    try {
      for (; recorded < 5000; ++recorded) store->record(big_judgement(recorded));
    } catch (const InputError& e) {
      ADD_FAILURE() << "a full disk is not bad input: " << e.what();
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    std::printf("failed after %d rows: %s\n", recorded, message.c_str());
    ASSERT_LT(recorded, 5000) << "the limit never hit";
    EXPECT_NE(message.find(tmp.db().string()), std::string::npos) << message;
    EXPECT_NE(message.find("disk is full"), std::string::npos) << message;

    // The step is dead: its other writers and its commit fail the same way, and say so.
    EXPECT_THROW(store->record(judgement(0)), std::runtime_error);
    try {
      store->commit_step({{"step", 2}});
      ADD_FAILURE() << "a step that lost rows was committed";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("rolled back"), std::string::npos) << e.what();
    }
    // The previous checkpoint is there, in this process...
    EXPECT_EQ(store->latest_checkpoint()->step, 1);
    EXPECT_EQ(store->rows("judgements").size(), 50u);
    // ...and the store goes on once space is back (here: a step small enough to fit).
    store->begin_step(2);
    store->record(judgement(0));
    store->commit_step({{"step", 2}});
  }
  // ...and on the next open, with no limit.
  RawDb raw(tmp.db());
  EXPECT_EQ(raw.integrity(), "ok");
  auto store = RunStore::open(tmp.run());
  EXPECT_EQ(store->latest_checkpoint()->step, 2);
  EXPECT_EQ(store->rows("judgements").size(), 51u);
}

TEST(RunStoreDiskFull, FullAtCommitKeepsThePreviousCheckpoint) {
  TempDir tmp;
  { RunStore::create(tmp.run(), {}); }
  std::int64_t pages = RawDb(tmp.db()).count("PRAGMA page_count");
  {
    Limit limit(static_cast<int>(pages) + 2);
    auto store = RunStore::open(tmp.run());
    store->begin_step(1);
    store->record(judgement(0));
    store->commit_step({});  // fits
    store->begin_step(2);
    // A checkpoint state too big for what is left: the failure comes from the commit itself.
    EXPECT_THROW(store->commit_step({{"blob", std::string(64 * 1024, 's')}}), std::runtime_error);
    EXPECT_EQ(store->latest_checkpoint()->step, 1);
  }
  EXPECT_EQ(RunStore::open(tmp.run())->latest_checkpoint()->step, 1);
}

}  // namespace
}  // namespace maspo::store
