// CoT, self-consistency and Self-Refine as systems built from the seed system: their shape, and a
// run of each on the synthetic testbed's scripted agents (a TEST DOUBLE).
#include <gtest/gtest.h>

#include "maspo/baselines.hpp"
#include "maspo/util.hpp"
#include "support/synthetic_testbed.hpp"

namespace {

namespace opt = maspo::opt;
namespace mas = maspo::mas;
using maspo::testing::make_testbed;

TEST(InferenceMethods, CotAddsTheTriggerToEveryLlmAgent) {
  auto tb = make_testbed();
  auto sys = opt::inference_system(opt::Method::cot, *tb.system, {});
  ASSERT_EQ(sys->agents().size(), 2u);
  for (const auto& a : sys->agents()) {
    EXPECT_EQ(a.prompt, tb.system->agent(a.id).prompt + "\n\nLet's think step by step.");
  }
  mas::PromptMap custom = tb.seed;
  custom["predictor"] += " Be brief.";
  auto mapped = opt::inference_prompts(opt::Method::cot, *sys, custom);
  EXPECT_EQ(mapped.at("predictor"), custom.at("predictor") + "\n\nLet's think step by step.");
}

TEST(InferenceMethods, SelfConsistencySamplesKCopiesAndVotes) {
  auto tb = make_testbed();
  opt::BaselineOptions o;
  o.sc_samples = 3;
  o.sc_temperature = 0.9;
  auto sys = opt::inference_system(opt::Method::self_consistency, *tb.system, o);
  EXPECT_EQ(sys->agents().size(), 7u);
  EXPECT_EQ(sys->sink(), "vote");
  EXPECT_EQ(sys->agent("vote").kind, mas::AgentKind::vote);
  EXPECT_EQ(sys->predecessors("vote"),
            (std::vector<std::string>{"sample1-reflector", "sample2-reflector", "sample3-reflector"}));
  EXPECT_EQ(sys->agent("sample2-predictor").temperature, 0.9);
  EXPECT_EQ(sys->successors("sample2-predictor"), std::vector<std::string>{"sample2-reflector"});

  auto client_options = tb.client_options();
  maspo::llm::Client client(client_options);
  mas::Executor ex(client, sys);
  auto prompts = opt::inference_prompts(opt::Method::self_consistency, *sys, tb.seed);
  auto trace = ex.run(prompts, tb.pool[0].question);
  EXPECT_TRUE(trace.error.empty()) << trace.error;
  int samples = 0;
  for (const auto& a : trace.agents) samples += a.agent.find("-reflector") != std::string::npos;
  EXPECT_EQ(samples, 3);
  EXPECT_NE(trace.final_output.find("<answer>"), std::string::npos);
}

TEST(InferenceMethods, SelfRefineAddsFeedbackThenRefinementAfterTheSink) {
  auto tb = make_testbed();
  opt::BaselineOptions o;
  o.refine_iterations = 2;
  auto sys = opt::inference_system(opt::Method::self_refine, *tb.system, o);
  EXPECT_EQ(sys->agents().size(), 6u);
  EXPECT_EQ(sys->sink(), "refine_2");
  EXPECT_EQ(sys->predecessors("refine_feedback_1"), std::vector<std::string>{"reflector"});
  EXPECT_EQ(sys->predecessors("refine_1"), (std::vector<std::string>{"reflector", "refine_feedback_1"}));
  EXPECT_EQ(sys->predecessors("refine_2"), (std::vector<std::string>{"refine_1", "refine_feedback_2"}));
  // The seed agents keep their prompts; the method's agents have theirs.
  auto prompts = opt::inference_prompts(opt::Method::self_refine, *sys, tb.seed);
  EXPECT_EQ(prompts.at("predictor"), tb.seed.at("predictor"));
  EXPECT_NE(prompts.at("refine_feedback_1").find("{context}"), std::string::npos);
}

TEST(InferenceMethods, SeedAndOptimizersEvaluateTheSystemAsItIs) {
  auto tb = make_testbed();
  for (auto m : {opt::Method::seed, opt::Method::maspo, opt::Method::spo}) {
    auto sys = opt::inference_system(m, *tb.system, {});
    EXPECT_EQ(sys->seed_prompts(), tb.system->seed_prompts());
    EXPECT_EQ(opt::inference_prompts(m, *sys, tb.seed), tb.seed);
  }
  opt::BaselineOptions bad;
  bad.sc_samples = 0;
  EXPECT_THROW(opt::inference_system(opt::Method::self_consistency, *tb.system, bad), maspo::InputError);
}

}  // namespace
