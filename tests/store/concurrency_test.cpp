// record() from many threads inside one step: every row lands, none twice, none torn; and a
// reader in another process sees only committed steps while a step is being written.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "maspo/store.hpp"
#include "store_test_util.hpp"

namespace maspo::store {
namespace {

using testing::judgement;
using testing::RawDb;
using testing::TempDir;

TEST(RunStoreConcurrency, EightThreadsRecordIntoOneStep) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), {});
  constexpr int kThreads = 8, kPerThread = 250;
  store->begin_step(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = judgement(i, "t" + std::to_string(t));
        r.question_id = "t" + std::to_string(t) + "-q" + std::to_string(i);
        store->record(r);
        if (i % 50 == 0) store->record_prompt("agent" + std::to_string(t), 1, 1, "p", 0.5);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  store->commit_step({});

  auto rows = store->rows("judgements");
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> seen;
  for (const auto& row : rows) {
    auto q = row["question_id"].get<std::string>();
    EXPECT_EQ(q.substr(0, q.find('-')), row["proposal_id"]) << "a row's fields come from one record";
    seen.insert(q);
  }
  EXPECT_EQ(seen.size(), rows.size()) << "no row twice";
  EXPECT_EQ(store->rows("prompts").size(), static_cast<std::size_t>(kThreads * 5));
}

TEST(RunStoreConcurrency, AnotherReaderSeesOnlyCommittedSteps) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), {});
  store->begin_step(1);
  store->record(judgement(0));
  store->commit_step({});
  store->begin_step(2);
  for (int i = 0; i < 100; ++i) store->record(judgement(i));

  RawDb reader(tmp.db());  // as `maspo report` would, while the optimizer writes
  EXPECT_EQ(reader.count("SELECT count(*) FROM judgements"), 1);
  EXPECT_EQ(reader.count("SELECT max(step) FROM checkpoints"), 1);
  store->commit_step({});
  EXPECT_EQ(reader.count("SELECT count(*) FROM judgements"), 101);
}

}  // namespace
}  // namespace maspo::store
