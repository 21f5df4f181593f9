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

// Rows per second over kSteps steps of kRowsPerStep judgements, recorded by `threads` threads.
double measure(const TempDir& tmp, int threads) {
  auto store = RunStore::create(tmp.run(), {});
  std::vector<JudgementRecord> rows;
  for (int i = 0; i < kRowsPerStep; ++i) rows.push_back(judgement(i));
  auto start = std::chrono::steady_clock::now();
  for (int step = 1; step <= kSteps; ++step) {
    store->begin_step(step);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = t; i < kRowsPerStep; i += threads) store->record(rows[static_cast<std::size_t>(i)]);
      });
    }
    for (auto& thread : pool) thread.join();
    store->commit_step({{"step", step}});
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(store->rows("judgements").size(), static_cast<std::size_t>(kSteps * kRowsPerStep));
  return kSteps * kRowsPerStep / elapsed.count();
}

TEST(RunStoreThroughput, JudgementRowsPerSecond) {
  for (int threads : {1, 8}) {
    TempDir tmp;
    double rate = measure(tmp, threads);
    std::printf("%d thread(s): %.0f judgement rows/s (%d steps of %d rows, each step one commit)\n", threads, rate,
                kSteps, kRowsPerStep);
    // A layer's 500 rows in under 0.1 s even on a slow disk or a sanitizer build.
    EXPECT_GT(rate, 5000.0);
  }
}

}  // namespace
}  // namespace maspo::store
