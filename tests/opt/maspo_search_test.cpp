// The MASPO search loop on the synthetic testbed (tests/support/synthetic_testbed.hpp): a TEST
// DOUBLE whose scripted agents have a built-in local-global misalignment. These tests prove the
// search logic (joint evaluation, beam, scheduling, refresh, checkpoint/resume), not model quality.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "maspo/opt.hpp"
#include "maspo/store.hpp"
#include "maspo/util.hpp"
#include "store/store_test_util.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::testing::has_feature;
using maspo::testing::make_testbed;
using maspo::testing::Testbed;
namespace opt = maspo::opt;
namespace store = maspo::store;
namespace fs = std::filesystem;

struct SearchRun {
  opt::Result result;
  std::unique_ptr<store::RunStore> st;
};

SearchRun optimize(const Testbed& tb, const opt::Settings& s, const fs::path& dir, const std::string& cache = "",
             std::map<std::string, maspo::llm::Budget> budgets = {}) {
  SearchRun run;
  run.st = store::RunStore::create(dir, {{"test", true}});
  auto options = tb.client_options(cache);
  options.budgets = std::move(budgets);
  maspo::llm::Client client(options);
  opt::Maspo m(client, tb.system, tb.pool, s, *run.st);
  run.result = m.run(m.initial_state(tb.seed));
  return run;
}

opt::Result resume(const Testbed& tb, const opt::Settings& s, const fs::path& dir, const std::string& cache = "") {
  auto st = store::RunStore::open(dir);
  maspo::llm::Client client(tb.client_options(cache));
  opt::Maspo m(client, tb.system, tb.pool, s, *st);
  opt::SearchState start = m.initial_state(tb.seed);
  if (auto cp = st->latest_checkpoint()) start = opt::search_state_from_json(cp->state);
  return m.run(start);
}

opt::Settings small() {
  opt::Settings s;   // paper defaults, fewer rounds to keep the test fast
  s.rounds = 2;
  s.seed = 11;
  return s;
}

TEST(MaspoSearch, JointEvaluationAvoidsTheMisleadingFeatureAndFindsTheGoodOne) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  SearchRun run = optimize(tb, small(), tmp.path() / "run");
  ASSERT_FALSE(run.result.stopped_by_budget);
  const std::string& p = run.result.prompts.at("predictor");
  EXPECT_TRUE(has_feature(p, "CHECK")) << p;
  EXPECT_FALSE(has_feature(p, "VERBOSE")) << p;
  EXPECT_EQ(run.st->status(), "finished");
}

TEST(MaspoSearch, LocalOnlyAblationFallsForTheMisleadingFeature) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  opt::Settings s = small();
  s.joint = false;
  SearchRun run = optimize(tb, s, tmp.path() / "run");
  const std::string& p = run.result.prompts.at("predictor");
  EXPECT_TRUE(has_feature(p, "VERBOSE")) << "the local judge prefers VERBOSE: " << p;
}

TEST(MaspoSearch, SameSeedSameRunDifferentSeedDifferentBatches) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  SearchRun a = optimize(tb, small(), tmp.path() / "a");
  SearchRun b = optimize(tb, small(), tmp.path() / "b");
  EXPECT_EQ(a.result.state, b.result.state);
  EXPECT_EQ(a.st->rows("judgements"), b.st->rows("judgements"));
  opt::Settings other = small();
  other.seed = 12;
  SearchRun c = optimize(tb, other, tmp.path() / "c");
  EXPECT_NE(a.st->rows("judgements"), c.st->rows("judgements"));
}

TEST(MaspoSearch, AgentsAreVisitedInTopologicalOrderRoundAfterRound) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  opt::Settings s = small();
  SearchRun run = optimize(tb, s, tmp.path() / "run");
  std::vector<std::string> visits;
  for (const auto& beam : run.st->rows("beams")) {
    if (beam.at("layer").get<int>() < 0) continue;   // refresh beams
    visits.push_back(beam.at("agent").get<std::string>() + "@r" + std::to_string(beam.at("round").get<int>()) + "l" +
                     std::to_string(beam.at("layer").get<int>()));
  }
  std::vector<std::string> expected;
  for (int r = 0; r < s.rounds; ++r) {
    for (const char* a : {"predictor", "reflector"}) {
      for (int l = 0; l < s.layers_per_visit; ++l) {
        expected.push_back(std::string(a) + "@r" + std::to_string(r) + "l" + std::to_string(l));
      }
    }
  }
  EXPECT_EQ(visits, expected);
}

TEST(MaspoSearch, RefreshRunsAtEveryLaterVisitAndRecordsAgreement) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  opt::Settings s = small();
  s.rounds = 3;
  SearchRun run = optimize(tb, s, tmp.path() / "run");
  int refreshes = 0;
  for (const auto& m : run.st->rows("metrics")) {
    if (m.at("name") == "refresh_top1_agreement") {
      ++refreshes;
      double v = m.at("value").get<double>();
      EXPECT_TRUE(v == 0.0 || v == 1.0);
    }
  }
  EXPECT_EQ(refreshes, 2 * (s.rounds - 1)) << "two agents, refreshed at rounds 2 and 3";
  s.refresh = false;
  SearchRun none = optimize(tb, s, tmp.path() / "none");
  for (const auto& m : none.st->rows("metrics")) EXPECT_NE(m.at("name"), "refresh_top1_agreement");
}

TEST(MaspoSearch, MisalignmentIsDetectedRecordedAndInjectedIntoTheSuccessor) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  SearchRun run = optimize(tb, small(), tmp.path() / "run");
  bool positive_rate = false;
  for (const auto& m : run.st->rows("metrics")) {
    if (m.at("name") == "misalignment_rate" && m.at("value").get<double>() > 0) positive_rate = true;
  }
  EXPECT_TRUE(positive_rate) << "VERBOSE children win locally and lose downstream";
  // The buffer is bounded, and its questions are injected into the successor's batches.
  const auto& buffer = run.result.state.agents.at("predictor").buffer;
  EXPECT_FALSE(buffer.empty());
  EXPECT_LE(static_cast<int>(buffer.size()), small().k_mis);
  int injected_into_reflector = 0;
  for (const auto& m : run.st->rows("metrics")) {
    if (m.at("name") == "injected_questions" && m.at("agent") == "reflector") {
      injected_into_reflector += static_cast<int>(m.at("value").get<double>());
    }
    // A root has no predecessors, so nothing is ever injected into its batches.
    if (m.at("name") == "injected_questions" && m.at("agent") == "predictor") {
      EXPECT_EQ(m.at("value"), 0.0);
    }
  }
  EXPECT_GT(injected_into_reflector, 0);
}

TEST(MaspoSearch, BeamNeverHoldsDuplicatePromptsInPaperMode) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  SearchRun run = optimize(tb, small(), tmp.path() / "run");
  for (const auto& beam : run.st->rows("beams")) {
    std::set<std::string> prompts;
    for (const auto& n : beam.at("nodes")) prompts.insert(n.at("prompt").get<std::string>());
    EXPECT_EQ(prompts.size(), beam.at("nodes").size()) << beam.dump();
  }
}

TEST(MaspoSearch, ReferenceCompatModeRunsAndFindsTheGoodFeatureToo) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  opt::Settings s = small();
  s.compat = opt::Compat::reference;
  SearchRun run = optimize(tb, s, tmp.path() / "run");
  const std::string& p = run.result.prompts.at("predictor");
  EXPECT_FALSE(has_feature(p, "VERBOSE")) << p;
}

TEST(MaspoSearch, BudgetStopThenResumeEndsExactlyLikeAnUninterruptedRun) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  const opt::Settings s = small();
  SearchRun whole = optimize(tb, s, tmp.path() / "whole");

  const std::string cache = (tmp.path() / "cache.sqlite").string();
  maspo::llm::Budget judge;
  judge.calls = 300;
  SearchRun part = optimize(tb, s, tmp.path() / "part", cache, {{"judge", judge}});
  ASSERT_TRUE(part.result.stopped_by_budget);
  EXPECT_NE(part.st->status().find("stopped: budget"), std::string::npos) << part.st->status();
  part.st.reset();
  opt::Result resumed = resume(tb, s, tmp.path() / "part", cache);
  EXPECT_FALSE(resumed.stopped_by_budget);
  EXPECT_EQ(resumed.state, whole.result.state);
  EXPECT_EQ(resumed.prompts, whole.result.prompts);
}

// kill -9 at random moments, resume each time: the result is the uninterrupted one and the
// database is intact.
TEST(MaspoSearch, KillNineAtRandomMomentsThenResumeGivesTheUninterruptedResult) {
  maspo::testing::TempDir tmp("maspo-search");
  Testbed tb = make_testbed();
  const opt::Settings s = small();
  SearchRun whole = optimize(tb, s, tmp.path() / "whole");
  const auto t0 = std::chrono::steady_clock::now();
  SearchRun timing = optimize(tb, s, tmp.path() / "timing");
  const auto run_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();

  std::mt19937_64 rng(2026);
  const fs::path dir = tmp.path() / "killed";
  const std::string cache = (tmp.path() / "kill-cache.sqlite").string();
  int kills = 0;
  std::string last_status;
  // Delays within the first third of a whole run: most kills land mid-run (in a layer, in a
  // checkpoint write, in create()); the resumes between them move the run forward. A child that
  // finishes before its kill (a short resume; a finished run's no-op resume) halves the window,
  // so kills keep landing, down to the moments of opening the store.
  long window_us = std::max<long>(3, run_us / 3);
  for (int attempt = 0; attempt < 150 && kills < 24; ++attempt) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        bool started = false;
        try {
          started = store::RunStore::open(dir) != nullptr;
        } catch (const maspo::InputError&) {
          // no run yet, or one killed inside create(): start it (create() clears the latter)
        }
        if (started) {
          resume(tb, s, dir, cache);
        } else {
          optimize(tb, s, dir, cache);
        }
      } catch (...) {
        _exit(3);
      }
      _exit(0);
    }
    const auto delay = std::chrono::microseconds(static_cast<long>(rng() % static_cast<std::uint64_t>(window_us)));
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++kills;
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the child failed instead of being killed";
      window_us = std::max<long>(3, window_us / 2);
    }
    try {
      auto st = store::RunStore::open(dir);   // runs quick_check; throws on damage
      last_status = st->status();
      // The full check too, through a plain connection: every page, index and constraint.
      EXPECT_EQ(store::testing::RawDb(dir / "run.sqlite", SQLITE_OPEN_READONLY).integrity(), "ok")
          << "after kill " << kills;
    } catch (const maspo::InputError& e) {
      // Only a run killed before or inside create() may be unreadable: no directory or file yet,
      // or a file with no tables. Anything else (a damaged database) fails the test.
      const std::string what = e.what();
      EXPECT_TRUE(what.find("database is empty") != std::string::npos || what.find("no run") != std::string::npos ||
                  what.find("no such directory") != std::string::npos)
          << what;
    }
  }
  // Kills keep coming after the run has finished (a resume of a finished run is killed while it
  // opens and reads the store): that must not harm it either.
  EXPECT_GE(kills, 20) << "the run was too quick to be killed often; the test proves little (last status: "
                       << last_status << ")";
  opt::Result final = resume(tb, s, dir, cache);
  EXPECT_EQ(final.state, whole.result.state);
  EXPECT_EQ(final.prompts, whole.result.prompts);
}

}  // namespace
