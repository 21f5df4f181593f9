// How fast a layer's records go in: 500 judgement rows per step, one transaction, prepared
// statements. Prints rows/s (the number quoted in docs/run-store.md); fails only when far too slow.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "maspo/store.hpp"
#include "store_test_util.hpp"

namespace maspo::store {
namespace {

using testing::judgement;
using testing::TempDir;

constexpr int kSteps = 20, kRowsPerStep = 500;

struct Timing {
  double rows_per_s = 0;       // whole steps: begin, records, commit
  double record_rows_per_s = 0;  // the record() calls alone
  double commit_ms = 0;        // mean commit_step(), an fsync of the WAL included
};

// kSteps steps of kRowsPerStep judgements, recorded by `threads` threads.
Timing measure(const TempDir& tmp, int threads) {
  using Clock = std::chrono::steady_clock;
  auto store = RunStore::create(tmp.run(), {});
  std::vector<JudgementRecord> rows;
  for (int i = 0; i < kRowsPerStep; ++i) rows.push_back(judgement(i));
  std::chrono::duration<double> total{}, recording{}, committing{};
  for (int step = 1; step <= kSteps; ++step) {
    auto start = Clock::now();
    store->begin_step(step);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = t; i < kRowsPerStep; i += threads) store->record(rows[static_cast<std::size_t>(i)]);
      });
    }
    for (auto& thread : pool) thread.join();
    auto recorded = Clock::now();
    store->commit_step({{"step", step}});
    auto end = Clock::now();
    total += end - start;
    recording += recorded - start;
    committing += end - recorded;
  }
  EXPECT_EQ(store->rows("judgements").size(), static_cast<std::size_t>(kSteps * kRowsPerStep));
  return {kSteps * kRowsPerStep / total.count(), kSteps * kRowsPerStep / recording.count(),
          1000 * committing.count() / kSteps};
}

TEST(RunStoreThroughput, JudgementRowsPerSecond) {
  for (int threads : {1, 8}) {
    TempDir tmp;
    Timing t = measure(tmp, threads);
    std::printf("%d thread(s): %.0f judgement rows/s over whole steps (%d steps of %d rows); record() alone %.0f rows/s; "
                "commit_step %.1f ms\n",
                threads, t.rows_per_s, kSteps, kRowsPerStep, t.record_rows_per_s, t.commit_ms);
    // A layer's 500 rows in under 0.1 s even on a slow disk or a sanitizer build.
    EXPECT_GT(t.rows_per_s, 5000.0);
  }
}

}  // namespace
}  // namespace maspo::store
