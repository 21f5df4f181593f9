// The run store's contract: a run round-trips through create/open; records of a step are visible
// after commit and gone after rollback; every field of every record comes back from rows(); status
// and results work inside and outside a step; misuse is refused.
#include "maspo/store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "store_test_util.hpp"

namespace maspo::store {
namespace {

using testing::judgement;
using testing::proposal;
using testing::RawDb;
using testing::TempDir;

const json kConfig = {{"system", "math.yaml"}, {"seed", 7}, {"maspo", {{"beam_width", 2}}}};

TEST(RunStore, CreateThenOpenRoundTrip) {
  TempDir tmp;
  {
    auto store = RunStore::create(tmp.run(), kConfig);
    EXPECT_EQ(store->dir(), tmp.run());
    EXPECT_EQ(store->config(), kConfig);
    EXPECT_EQ(store->status(), "created");
    EXPECT_FALSE(store->latest_checkpoint());
    store->begin_step(1);
    store->record(proposal("p1"));
    store->commit_step({{"layer", 1}});
    store->set_status("running");
  }
  auto store = RunStore::open(tmp.run());
  EXPECT_EQ(store->config(), kConfig);
  EXPECT_EQ(store->status(), "running");
  auto checkpoint = store->latest_checkpoint();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->step, 1);
  EXPECT_EQ(checkpoint->state, (json{{"layer", 1}}));
  EXPECT_EQ(store->rows("proposals").size(), 1u);

  RawDb raw(tmp.db());
  EXPECT_EQ(raw.column("PRAGMA journal_mode").at(0), "wal");
  EXPECT_EQ(raw.column("SELECT value FROM meta WHERE key = 'schema_version'").at(0), "1");
  EXPECT_EQ(raw.count("SELECT count(*) FROM meta WHERE key IN ('config', 'created_at', 'status', 'maspo_version')"), 4);
}

TEST(RunStore, RecordsVisibleAfterCommitGoneAfterRollback) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), kConfig);
  store->begin_step(1);
  for (int i = 0; i < 5; ++i) store->record(judgement(i));
  store->commit_step({{"n", 5}});

  store->begin_step(2);
  for (int i = 0; i < 7; ++i) store->record(judgement(i));
  store->record(proposal("p2"));
  EXPECT_EQ(store->rows("judgements").size(), 12u) << "the step's own connection sees its rows";
  store->rollback_step();

  EXPECT_EQ(store->rows("judgements").size(), 5u);
  EXPECT_TRUE(store->rows("proposals").empty());
  EXPECT_EQ(store->latest_checkpoint()->step, 1);

  // The rolled-back step can be done again under the same number, as on resume.
  store->begin_step(2);
  store->record(judgement(0));
  store->commit_step({{"n", 1}});
  store.reset();
  auto reopened = RunStore::open(tmp.run());
  auto rows = reopened->rows("judgements");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows.back()["step"], 2);
  EXPECT_EQ(reopened->latest_checkpoint()->step, 2);
}

TEST(RunStore, EveryFieldOfEveryRecordComesBack) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), kConfig);
  store->begin_step(3);

  store->record(proposal("r1-a2-l3-p0-c1"));
  auto j = judgement(1);
  j.parsed = false;
  j.replies = json::array({"first", "second"});
  store->record(j);

  ScoreRecord score{"r1-a2-l3-p0-c1", "solver", 1, 3, 0.75, 2.25, 0.5, 0.625, 1.0, 8, "refresh"};
  store->record(score);
  store->record(BeamRecord{"solver", 1, 3, json::array({{{"prompt", "p"}, {"score", 0.5}, {"path", {"a", "b"}}}})});
  store->record(MetricRecord{"judge_position", "", 1, 3, 0.4375, {{"A", 7}, {"B", 9}}});
  store->record_prompt("solver", 1, 3, "You are careful.", 0.8);
  llm::UsageLine usage;
  usage.role = "judge";
  usage.model = "m";
  usage.calls = 10;
  usage.cached_calls = 4;
  usage.failed_calls = 1;
  usage.usage = {1000, 200};
  usage.cached_usage = {400, 80};
  usage.dollars = 0.0125;
  store->record_usage({usage, usage});
  store->commit_step({});

  auto p = store->rows("proposals").at(0);
  EXPECT_EQ(p, (json{{"seq", 1}, {"step", 3}, {"id", "r1-a2-l3-p0-c1"}, {"agent", "solver"}, {"round", 1}, {"layer", 2},
                     {"parent_prompt", "You solve math problems."},
                     {"reply", "<prompt>You solve math problems step by step.</prompt>"},
                     {"prompt", "You solve math problems step by step."}, {"status", "accepted"}}));
  auto jr = store->rows("judgements").at(0);
  EXPECT_EQ(jr, (json{{"seq", 1}, {"step", 3}, {"proposal_id", "r1-a0-l1-p0-c0"}, {"agent", "solver"}, {"round", 1},
                      {"layer", 1}, {"question_id", "q1"}, {"kind", "final"}, {"order", "candidate=B"},
                      {"replies", {"first", "second"}}, {"verdict", 1.0}, {"parsed", false}, {"context", "layer"}}));
  EXPECT_EQ(store->rows("scores").at(0),
            (json{{"seq", 1}, {"step", 3}, {"proposal_id", "r1-a2-l3-p0-c1"}, {"agent", "solver"}, {"round", 1},
                  {"layer", 3}, {"reward", 0.75}, {"cumulative", 2.25}, {"local", 0.5}, {"lookahead", 0.625},
                  {"global", 1.0}, {"batch_size", 8}, {"context", "refresh"}}));
  EXPECT_EQ(store->rows("beams").at(0)["nodes"][0]["path"], (json{"a", "b"}));
  EXPECT_EQ(store->rows("metrics").at(0), (json{{"seq", 1}, {"step", 3}, {"name", "judge_position"}, {"agent", ""},
                                                {"round", 1}, {"layer", 3}, {"value", 0.4375},
                                                {"detail", {{"A", 7}, {"B", 9}}}}));
  EXPECT_EQ(store->rows("prompts").at(0), (json{{"seq", 1}, {"step", 3}, {"agent", "solver"}, {"round", 1}, {"layer", 3},
                                                {"prompt", "You are careful."}, {"score", 0.8}}));
  auto u = store->rows("usage");
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1], (json{{"seq", 2}, {"step", 3}, {"role", "judge"}, {"model", "m"}, {"calls", 10}, {"cached_calls", 4},
                        {"failed_calls", 1}, {"prompt_tokens", 1000}, {"completion_tokens", 200},
                        {"cached_prompt_tokens", 400}, {"cached_completion_tokens", 80}, {"dollars", 0.0125}}));
}

TEST(RunStore, AwkwardValuesAreStoredNotThrown) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), kConfig);
  store->begin_step(1);
  MetricRecord metric{"misalignment_rate", "solver", 1, 1, std::numeric_limits<double>::quiet_NaN(), json::object()};
  store->record(metric);
  auto j = judgement(0);
  j.replies = json::array({std::string("cut mid-character: ") + "\xE2\x82"});  // invalid UTF-8
  store->record(j);
  store->commit_step({});
  EXPECT_TRUE(store->rows("metrics").at(0)["value"].is_null()) << "NaN is stored as NULL";
  auto replies = store->rows("judgements").at(0)["replies"];
  ASSERT_TRUE(replies.is_array());
  EXPECT_EQ(replies[0].get<std::string>().substr(0, 18), "cut mid-character:");
}

TEST(RunStore, StatusAndResultsInsideAndOutsideAStep) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), kConfig);
  store->set_status("running");  // outside a step: its own transaction
  store->put_result("final_prompts", {{"solver", "Be careful."}});
  EXPECT_EQ(store->result("final_prompts"), (json{{"solver", "Be careful."}}));
  EXPECT_FALSE(store->result("nothing"));

  store->begin_step(1);
  store->set_status("stopped: budget");  // joins the step: rolled back with it
  store->put_result("eval", 0.5);
  store->rollback_step();
  EXPECT_EQ(store->status(), "running");
  EXPECT_FALSE(store->result("eval"));

  store->begin_step(1);
  store->set_status("finished");
  store->put_result("eval", 0.75);
  store->put_result("final_prompts", {{"solver", "Be very careful."}});
  store->commit_step({});
  store.reset();

  auto reopened = RunStore::open(tmp.run());
  EXPECT_EQ(reopened->status(), "finished");
  EXPECT_EQ(reopened->result("eval"), json(0.75));
  EXPECT_EQ(reopened->result("final_prompts"), (json{{"solver", "Be very careful."}}));
  RawDb raw(tmp.db());
  EXPECT_EQ(raw.column("SELECT step FROM results WHERE key = 'eval'").at(0), "1");
}

TEST(RunStore, MisuseIsRefused) {
  TempDir tmp;
  auto store = RunStore::create(tmp.run(), kConfig);
  EXPECT_THROW(store->record(judgement(0)), std::logic_error);
  EXPECT_THROW(store->record_usage({}), std::logic_error);
  EXPECT_THROW(store->commit_step({}), std::logic_error);
  EXPECT_NO_THROW(store->rollback_step()) << "rolling back with no step open is harmless";
  EXPECT_THROW(store->rows("checkpoints_typo"), std::invalid_argument);
  try {
    store->rows("nope");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("proposals, judgements"), std::string::npos) << e.what();
  }

  store->begin_step(5);
  EXPECT_THROW(store->begin_step(6), std::logic_error) << "a step is open";
  store->commit_step({});
  EXPECT_THROW(store->begin_step(5), std::logic_error) << "step 5 is committed";
  EXPECT_THROW(store->begin_step(4), std::logic_error);
  EXPECT_NO_THROW(store->begin_step(6)) << "a refused begin_step leaves no transaction behind";
  store->commit_step({});
  EXPECT_EQ(store->latest_checkpoint()->step, 6);
}

TEST(RunStore, DestroyingWithAnOpenStepDropsIt) {
  TempDir tmp;
  {
    auto store = RunStore::create(tmp.run(), kConfig);
    store->begin_step(1);
    store->record(judgement(0));
    store->commit_step({});
    store->begin_step(2);
    store->record(judgement(1));
  }
  auto store = RunStore::open(tmp.run());
  EXPECT_EQ(store->rows("judgements").size(), 1u);
  EXPECT_EQ(store->latest_checkpoint()->step, 1);
}

}  // namespace
}  // namespace maspo::store
