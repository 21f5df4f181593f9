// A process that dies mid-step loses that step and nothing else: the database opens, passes
// integrity_check, and its latest checkpoint is a step whose records are all there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "maspo/store.hpp"
#include "store_test_util.hpp"

namespace maspo::store {
namespace {

using testing::judgement;
using testing::proposal;
using testing::RawDb;
using testing::TempDir;

// Runs `body` in a child process, which must end itself (_exit or a signal); returns its status.
template <class Body>
int in_child(Body&& body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      ::_exit(90);
    }
    ::_exit(91);  // the body was meant not to return
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// Rows big enough that a step overflows SQLite's page cache and spills uncommitted pages into the
// WAL before the process dies: the interesting case for recovery.
JudgementRecord big_judgement(int i) {
  auto r = judgement(i);
  r.replies = json::array({std::string(2000, static_cast<char>('a' + i % 26))});
  return r;
}

void check_committed_state(const TempDir& tmp, std::int64_t step, std::size_t judgements) {
  {
    RawDb raw(tmp.db());
    EXPECT_EQ(raw.integrity(), "ok");
  }
  auto store = RunStore::open(tmp.run());
  auto checkpoint = store->latest_checkpoint();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->step, step);
  EXPECT_EQ(checkpoint->state, (json{{"step", step}}));
  EXPECT_EQ(store->rows("judgements").size(), judgements);
  EXPECT_TRUE(store->rows("proposals").empty());
}

void uncommitted_step_then(void (*die)()) {
  TempDir tmp;
  {
    auto store = RunStore::create(tmp.run(), {});
    store->begin_step(1);
    for (int i = 0; i < 10; ++i) store->record(judgement(i));
    store->commit_step({{"step", 1}});
  }
  int status = in_child([&] {
    auto store = RunStore::open(tmp.run());
    store->begin_step(2);
    for (int i = 0; i < 3000; ++i) store->record(big_judgement(i));
    store->record(proposal("never-committed"));
    die();
  });
  ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) >= 90) << "the child failed before dying";
  EXPECT_TRUE(std::filesystem::exists(tmp.db().string() + "-wal")) << "the child died holding the WAL";
  check_committed_state(tmp, 1, 10);
}

TEST(RunStoreCrash, UncommittedStepLostOnExit) {
  uncommitted_step_then([] { ::_exit(0); });
}

TEST(RunStoreCrash, UncommittedStepLostOnSigkill) {
  uncommitted_step_then([] { ::raise(SIGKILL); });
}

// A child resumes the run from its latest checkpoint and runs steps with varying numbers of rows
// until it is killed; 20 times, at random moments. After each kill the run must be consistent.
TEST(RunStoreCrash, KilledAtRandomMoments) {
  TempDir tmp;
  RunStore::create(tmp.run(), {});
  std::random_device device;
  unsigned seed = device();
  std::printf("seed %u\n", seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_us(0, 120'000);
  auto rows_in_step = [](std::int64_t step) { return static_cast<int>(50 + (step * 37) % 400); };

  std::int64_t last_step = 0;
  int kills_mid_run = 0;
  for (int iteration = 0; iteration < 20; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration) + ", seed " + std::to_string(seed));
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        auto store = RunStore::open(tmp.run());
        auto checkpoint = store->latest_checkpoint();
        for (std::int64_t step = checkpoint ? checkpoint->step + 1 : 1;; ++step) {
          store->begin_step(step);
          int n = rows_in_step(step);
          for (int i = 0; i < n; ++i) store->record(big_judgement(i));
          store->set_status("running step " + std::to_string(step));
          store->commit_step({{"step", step}, {"rows", n}});
        }
      } catch (...) {
        ::_exit(90);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped on its own (exit " << WEXITSTATUS(status) << ")";

    RawDb raw(tmp.db());
    ASSERT_EQ(raw.integrity(), "ok");
    auto store = RunStore::open(tmp.run());
    auto checkpoint = store->latest_checkpoint();
    if (!checkpoint) continue;  // killed before its first commit
    ++kills_mid_run;
    std::int64_t step = checkpoint->step;
    EXPECT_GE(step, last_step);
    last_step = step;
    EXPECT_EQ(checkpoint->state["rows"], rows_in_step(step));
    // The latest step is complete, and nothing of a later step is there.
    EXPECT_EQ(raw.count("SELECT count(*) FROM judgements WHERE step = " + std::to_string(step)), rows_in_step(step));
    EXPECT_EQ(raw.count("SELECT count(*) FROM judgements WHERE step > " + std::to_string(step)), 0);
    EXPECT_EQ(raw.count("SELECT count(*) FROM checkpoints"), step) << "every step 1..latest is committed once";
    EXPECT_EQ(store->status(), "running step " + std::to_string(step));
  }
  std::printf("%lld steps committed over 20 kills\n", static_cast<long long>(last_step));
  EXPECT_GT(kills_mid_run, 0);
  EXPECT_GT(last_step, 0);
}

}  // namespace
}  // namespace maspo::store
