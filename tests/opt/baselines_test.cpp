// The optimizing baselines on the synthetic testbed (tests/support/synthetic_testbed.hpp, a TEST
// DOUBLE with a built-in local-global misalignment): each behaves as its algorithm says, stops
// cleanly at a budget and resumes to the uninterrupted result. Not a statement about any model.
#include <gtest/gtest.h>

#include <mutex>
#include <regex>

#include "llm/scripted_backend.hpp"
#include "maspo/baselines.hpp"
#include "maspo/store.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::testing::has_feature;
using maspo::testing::make_testbed;
using maspo::testing::Testbed;
namespace opt = maspo::opt;
namespace store = maspo::store;
namespace llm = maspo::llm;
namespace fs = std::filesystem;
using nlohmann::json;

// The testbed's scripted replies, with every request of one role kept for inspection.
class Recording : public llm::BackendFactory {
 public:
  explicit Recording(std::string role) : role_(std::move(role)) {}
  std::shared_ptr<llm::Backend> make(const std::string& role, const llm::RoleConfig&) override {
    return std::make_shared<llm::ScriptedBackend>(
        [this, role](const llm::Request& r) {
          if (role == role_) {
            std::lock_guard lock(m_);
            requests_.push_back(r.messages.at(0).content);
          }
          llm::Reply reply;
          reply.text = maspo::testing::testbed_reply(role, r);
          return reply;
        },
        "recording-" + role);
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(m_);
    return requests_;
  }

 private:
  std::string role_;
  std::mutex m_;
  std::vector<std::string> requests_;
};

struct MethodRun {
  opt::BaselineResult result;
  std::unique_ptr<store::RunStore> st;
};

opt::Settings settings() {
  opt::Settings s;
  s.seed = 5;
  s.batch_size = 6;
  return s;
}

opt::BaselineOptions options() {
  opt::BaselineOptions o;
  o.iterations = 4;
  o.minibatch = 6;
  o.tpe_candidates = 4;
  o.tpe_trials = 16;
  o.tpe_startup = 4;
  return o;
}

MethodRun run_method(opt::Method m, const Testbed& tb, const fs::path& dir, const opt::BaselineOptions& o = options(),
               const std::string& cache = "", std::map<std::string, llm::Budget> budgets = {},
               std::shared_ptr<llm::BackendFactory> factory = nullptr, bool open = false) {
  MethodRun run;
  run.st = open ? store::RunStore::open(dir) : store::RunStore::create(dir, {{"method", opt::to_string(m)}});
  auto client_options = tb.client_options(cache);
  client_options.budgets = std::move(budgets);
  if (factory) client_options.factory = factory;
  llm::Client client(client_options);
  maspo::eval::Grader grader;
  run.result = opt::run_baseline(m, client, tb.system, tb.pool, tb.seed, settings(), o, grader, *run.st);
  return run;
}

TEST(Baselines, IsolatedOptimizesEachAgentOnItsOwnOutputAndFallsForTheMisleadingFeature) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  MethodRun run = run_method(opt::Method::isolated, tb, tmp.path() / "run");
  // Local-only judging prefers VERBOSE, which wins every local comparison and ruins the system.
  EXPECT_TRUE(has_feature(run.result.prompts.at("predictor"), "VERBOSE")) << run.result.prompts.at("predictor");
  // Local judgements only: no lookahead or final comparison was ever made for the predictor.
  for (const auto& j : run.st->rows("judgements")) {
    if (j["agent"] == "predictor") { EXPECT_EQ(j["kind"], "local") << j.dump(); }
  }
  // One visit per agent, no refresh.
  for (const auto& m : run.st->rows("metrics")) EXPECT_NE(m["name"], "refresh_top1_agreement");
  const opt::Settings iso = opt::isolated_settings(settings());
  EXPECT_EQ(iso.rounds, 1);
  EXPECT_EQ(iso.layers_per_visit, settings().layers_per_visit * settings().rounds);
  EXPECT_FALSE(iso.joint);
}

TEST(Baselines, SpoReplacesThePromptOnlyOnAJudgedWin) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  MethodRun run = run_method(opt::Method::spo, tb, tmp.path() / "run");
  const json scores = run.st->rows("scores");
  const json prompts = run.st->rows("prompts");
  ASSERT_FALSE(scores.empty());
  int wins = 0;
  std::map<std::string, std::string> last;   // the agent's prompt after its last win
  for (const auto& sc : scores) {
    const bool win = sc["reward"].get<double>() > 0.5;
    wins += win;
    // A prompts row exists for this agent and iteration exactly when the candidate won.
    bool changed = false;
    for (const auto& p : prompts) {
      changed = changed || (p["agent"] == sc["agent"] && p["round"] == sc["round"]);
    }
    EXPECT_EQ(win, changed) << sc.dump();
  }
  for (const auto& p : prompts) last[p["agent"]] = p["prompt"];
  EXPECT_GT(wins, 0);
  EXPECT_LT(wins, static_cast<int>(scores.size())) << "the test needs rejected candidates too";
  for (const auto& [agent, prompt] : tb.seed) {
    EXPECT_EQ(run.result.prompts.at(agent), last.count(agent) ? last[agent] : prompt) << agent;
  }
  // Every optimizer call was one proposal: iterations per agent.
  EXPECT_EQ(run.st->rows("proposals").size(), 2u * options().iterations);
}

TEST(Baselines, OproShowsItsBestEarlierPromptsInAscendingOrderAndKeepsTheBest) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  auto recording = std::make_shared<Recording>("optimizer");
  opt::BaselineOptions o = options();
  o.opro_history = 3;
  MethodRun run = run_method(opt::Method::opro, tb, tmp.path() / "run", o, "", {}, recording);
  const auto requests = recording->requests();
  ASSERT_EQ(requests.size(), 2u * o.iterations * o.opro_proposals);
  const std::regex score_line(R"(\nScore: (\d+)\n)");
  std::size_t longest = 0;
  for (const auto& text : requests) {
    std::vector<int> shown;
    for (std::sregex_iterator it(text.begin(), text.end(), score_line), end; it != end; ++it) {
      shown.push_back(std::stoi((*it)[1]));
    }
    ASSERT_FALSE(shown.empty());
    EXPECT_LE(shown.size(), 3u);
    EXPECT_TRUE(std::is_sorted(shown.begin(), shown.end())) << text;
    longest = std::max(longest, shown.size());
  }
  EXPECT_EQ(longest, 3u) << "the history should fill up to opro_history";
  // The kept prompt of each agent has the best recorded accuracy of its candidates.
  for (const auto& agent : {"predictor", "reflector"}) {
    double best = -1.0;
    for (const auto& sc : run.st->rows("scores")) {
      if (sc["agent"] == agent) best = std::max(best, sc["reward"].get<double>());
    }
    const json prompts = run.st->rows("prompts");
    double kept = -1.0;
    for (const auto& p : prompts) {
      if (p["agent"] == agent) kept = p["score"].get<double>();
    }
    if (kept >= 0.0) { EXPECT_DOUBLE_EQ(kept, best) << agent; }
  }
}

TEST(Baselines, ProtegiShowsWrongAnswersToTheGradientAndKeepsABeamOfTheBestEdits) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  auto recording = std::make_shared<Recording>("optimizer");
  MethodRun run = run_method(opt::Method::protegi, tb, tmp.path() / "run", options(), "", {}, recording);
  int gradients = 0, edits = 0;
  for (const auto& text : recording->requests()) {
    if (text.find("Give three short reasons") != std::string::npos) {
      ++gradients;
      EXPECT_NE(text.find("The correct answer: 1"), std::string::npos);
      EXPECT_NE(text.find("<answer>0</answer>"), std::string::npos) << "only wrong answers are shown";
    } else {
      ++edits;
      EXPECT_NE(text.find("[Why the prompt fails]"), std::string::npos);
    }
  }
  EXPECT_GT(gradients, 0);
  EXPECT_EQ(edits, gradients * options().protegi_edits);
  // The beam's top score never falls from one iteration to the next.
  std::map<std::string, double> previous;
  for (const auto& p : run.st->rows("prompts")) {
    const std::string agent = p["agent"];
    if (previous.count(agent)) { EXPECT_GE(p["score"].get<double>(), previous[agent]); }
    previous[agent] = p["score"];
  }
  // The predictor learns to CHECK: with it every answer is right.
  EXPECT_TRUE(has_feature(run.result.prompts.at("predictor"), "CHECK")) << run.result.prompts.at("predictor");
}

TEST(Baselines, TpeSearchesTheJointAssignmentOfProposedInstructions) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  MethodRun run = run_method(opt::Method::tpe, tb, tmp.path() / "run");
  const auto o = options();
  // One proposal step per agent, then one trial per step.
  EXPECT_EQ(run.result.steps, 2 + o.tpe_trials);
  int trials = 0;
  double best = 0.0;
  for (const auto& sc : run.st->rows("scores")) {
    EXPECT_EQ(sc["agent"], "joint");
    ++trials;
    best = std::max(best, sc["cumulative"].get<double>());
  }
  EXPECT_EQ(trials, o.tpe_trials);
  const auto cp = run.st->latest_checkpoint();
  ASSERT_TRUE(cp);
  for (const auto& agent : {"predictor", "reflector"}) {
    const auto candidates = cp->state["candidates"][agent];
    ASSERT_GE(candidates.size(), 2u) << agent;
    EXPECT_EQ(candidates[0], tb.seed.at(agent)) << "the seed instruction is candidate 0";
    bool listed = false;
    for (const auto& c : candidates) listed = listed || c == run.result.prompts.at(agent);
    EXPECT_TRUE(listed) << "the result is one of the candidates";
  }
  EXPECT_GT(best, 0.5) << "some assignment beat the seed's 1-in-5 accuracy";
}

class BaselineResume : public ::testing::TestWithParam<opt::Method> {};

TEST_P(BaselineResume, BudgetStopThenResumeEndsLikeAnUninterruptedRun) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  const opt::Method m = GetParam();
  MethodRun whole = run_method(m, tb, tmp.path() / "whole");
  ASSERT_FALSE(whole.result.stopped_by_budget);

  const std::string cache = (tmp.path() / "cache.sqlite").string();
  llm::Budget agents;
  agents.calls = 40;
  MethodRun part = run_method(m, tb, tmp.path() / "part", options(), cache, {{"agents", agents}});
  ASSERT_TRUE(part.result.stopped_by_budget);
  EXPECT_NE(part.st->status().find("stopped: budget"), std::string::npos);
  const auto steps_before = part.result.steps;
  EXPECT_LT(steps_before, whole.result.steps);
  part.st.reset();
  MethodRun resumed = run_method(m, tb, tmp.path() / "part", options(), cache, {}, nullptr, /*open=*/true);
  EXPECT_FALSE(resumed.result.stopped_by_budget);
  EXPECT_EQ(resumed.result.prompts, whole.result.prompts);
  EXPECT_EQ(resumed.result.steps, whole.result.steps);
  EXPECT_EQ(resumed.st->rows("scores").size(), whole.st->rows("scores").size()) << "no step recorded twice";
  EXPECT_EQ(resumed.st->status(), "finished");
}

INSTANTIATE_TEST_SUITE_P(StepWise, BaselineResume,
                         ::testing::Values(opt::Method::spo, opt::Method::opro, opt::Method::protegi,
                                           opt::Method::tpe, opt::Method::isolated),
                         [](const auto& param_info) { return std::string(opt::to_string(param_info.param)); });

TEST(Baselines, SameSeedSameResult) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  for (auto m : {opt::Method::spo, opt::Method::tpe}) {
    MethodRun a = run_method(m, tb, tmp.path() / ("a-" + std::string(opt::to_string(m))));
    MethodRun b = run_method(m, tb, tmp.path() / ("b-" + std::string(opt::to_string(m))));
    EXPECT_EQ(a.result.prompts, b.result.prompts) << opt::to_string(m);
    EXPECT_EQ(a.st->rows("scores"), b.st->rows("scores")) << opt::to_string(m);
  }
}

TEST(Baselines, RefusesInferenceMethodsAndAnEmptyPool) {
  maspo::testing::TempDir tmp("baselines");
  Testbed tb = make_testbed();
  auto st = store::RunStore::create(tmp.path() / "run", json::object());
  llm::Client client(tb.client_options());
  maspo::eval::Grader grader;
  EXPECT_THROW(opt::run_baseline(opt::Method::cot, client, tb.system, tb.pool, tb.seed, settings(), options(), grader, *st),
               maspo::InputError);
  EXPECT_THROW(opt::run_baseline(opt::Method::spo, client, tb.system, {}, tb.seed, settings(), options(), grader, *st),
               maspo::InputError);
}

TEST(BaselineOptions, JsonRoundTripAndClearErrors) {
  opt::BaselineOptions o;
  o.sc_samples = 7;
  o.tpe_gamma = 0.3;
  EXPECT_EQ(opt::baseline_options_from_json(opt::to_json(o)), o);
  EXPECT_EQ(opt::baseline_options_from_json(json::object()), opt::BaselineOptions{});
  try {
    opt::baseline_options_from_json({{"sc_sample", 3}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sc_sample"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("sc_samples"), std::string::npos) << "lists the known keys";
  }
  EXPECT_THROW(opt::baseline_options_from_json({{"iterations", 2.5}}), std::invalid_argument);
  EXPECT_THROW(opt::baseline_options_from_json({{"iterations", 0}}), std::invalid_argument);
  EXPECT_THROW(opt::baseline_options_from_json({{"sc_temperature", "hot"}}), std::invalid_argument);
  for (auto m : opt::all_methods()) EXPECT_EQ(opt::parse_method(opt::to_string(m)), m);
  EXPECT_FALSE(opt::parse_method("MASPO"));
}

}  // namespace
