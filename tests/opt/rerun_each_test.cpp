// rerun_each: several prompts for one agent re-run over the same references in one batch; each
// result list must belong to its own prompt, in question order, with the upstream copied. And
// run_base_and_parents, which sends the base run and those re-runs together when it can.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "opt/search.hpp"
#include "support/fake_openai_server.hpp"
#include "support/synthetic_testbed.hpp"

namespace maspo::opt::detail {
namespace {

using TracePtr = std::shared_ptr<const mas::Trace>;

using testing::testbed_prompt;

// The testbed's system on a scripted client, its first `n` pool questions, and their base runs.
struct Bed {
  testing::Testbed tb;
  llm::Client client;
  mas::Executor executor;
  std::vector<const data::Example*> questions;
  std::vector<TracePtr> refs;

  explicit Bed(int n) : tb(testing::make_testbed(n)), client(tb.client_options()), executor(client, tb.system) {
    for (const auto& e : tb.pool) questions.push_back(&e);
    refs = run_references(executor, tb.seed, questions);
  }
  std::int64_t calls() const {
    std::int64_t total = 0;
    for (const auto& line : client.usage()) total += line.calls + line.cached_calls;
    return total;
  }
};

TEST(RerunEach, EveryPromptGetsItsOwnTracesInQuestionOrder) {
  Bed bed(6);
  const auto& [tb, refs] = std::tie(bed.tb, bed.refs);
  mas::Executor& executor = bed.executor;

  // The testbed's reflector: misled by a VERBOSE predictor (every answer wrong); right whenever a
  // CHECK predictor was (every answer right). So the two prompts' final answers cannot be mixed up.
  const std::vector<std::string> prompts = {testbed_prompt("predictor", {"VERBOSE"}),
                                            testbed_prompt("predictor", {"CHECK"}),
                                            tb.seed.at("predictor")};
  const std::vector<std::vector<TracePtr>> out = rerun_each(executor, tb.seed, "predictor", prompts, refs);

  ASSERT_EQ(out.size(), prompts.size());
  for (std::size_t p = 0; p < prompts.size(); ++p) {
    ASSERT_EQ(out[p].size(), refs.size()) << "prompt " << p;
    for (std::size_t q = 0; q < refs.size(); ++q) {
      const mas::Trace& t = *out[p][q];
      EXPECT_EQ(t.question, refs[q]->question) << "prompt " << p << ", question " << q;
      ASSERT_NE(t.find("predictor"), nullptr);
      EXPECT_EQ(t.find("predictor")->prompt, prompts[p]) << "prompt " << p << ", question " << q;
      EXPECT_FALSE(t.find("predictor")->reused);
      EXPECT_FALSE(t.find("reflector")->reused);
      if (p < 2) {
        const std::string answer = p == 0 ? "<answer>0</answer>" : "<answer>1</answer>";
        EXPECT_NE(t.final_output.find(answer), std::string::npos) << "prompt " << p << ": " << t.final_output;
      }
    }
  }
  // The seed prompt again: the same outputs as the references (the scripted models are pure).
  for (std::size_t q = 0; q < refs.size(); ++q) EXPECT_EQ(out[2][q]->final_output, refs[q]->final_output);
  // One prompt at a time gives what the batch gave.
  for (std::size_t p = 0; p < prompts.size(); ++p) {
    const std::vector<TracePtr> alone = rerun_with(executor, tb.seed, "predictor", prompts[p], refs);
    ASSERT_EQ(alone.size(), refs.size());
    for (std::size_t q = 0; q < refs.size(); ++q) EXPECT_EQ(alone[q]->final_output, out[p][q]->final_output);
  }
}

TEST(RerunEach, FromALaterAgentCopiesTheUpstream) {
  Bed bed(4);
  const auto& [tb, refs] = std::tie(bed.tb, bed.refs);
  mas::Executor& executor = bed.executor;
  const std::vector<std::string> prompts = {testbed_prompt("reflector", {"CAREFUL"}),
                                            testbed_prompt("reflector", {})};
  const auto out = rerun_each(executor, tb.seed, "reflector", prompts, refs);
  ASSERT_EQ(out.size(), 2u);
  for (std::size_t p = 0; p < prompts.size(); ++p) {
    for (std::size_t q = 0; q < refs.size(); ++q) {
      const mas::AgentTrace* predictor = out[p][q]->find("predictor");
      const mas::AgentTrace* reflector = out[p][q]->find("reflector");
      ASSERT_TRUE(predictor != nullptr && reflector != nullptr);
      EXPECT_TRUE(predictor->reused);
      EXPECT_EQ(predictor->output, refs[q]->find("predictor")->output);
      EXPECT_FALSE(reflector->reused);
      EXPECT_EQ(reflector->prompt, prompts[p]);
    }
  }
}

// run_base_and_parents gives what run_references + rerun_each give, for an agent that reaches
// every agent (one batch of full runs) and for one that does not (base run, then re-runs).
TEST(RunBaseAndParents, SameTracesAsTheBaseRunThenTheReruns) {
  Bed bed(5);
  const auto& [tb, questions] = std::tie(bed.tb, bed.questions);
  mas::Executor& executor = bed.executor;
  for (const std::string agent : {"predictor", "reflector"}) {
    const std::vector<std::string> parents = {testbed_prompt(agent, {"VERBOSE"}),
                                              testbed_prompt(agent, {"CHECK", "CAREFUL"})};
    const BaseAndParents got = run_base_and_parents(executor, tb.seed, agent, parents, questions);
    const std::vector<TracePtr> refs = run_references(executor, tb.seed, questions);
    const auto want = rerun_each(executor, tb.seed, agent, parents, refs);
    ASSERT_EQ(got.base.size(), questions.size()) << agent;
    ASSERT_EQ(got.parents.size(), parents.size()) << agent;
    for (std::size_t q = 0; q < questions.size(); ++q) {
      EXPECT_EQ(got.base[q]->question, questions[q]->question);
      EXPECT_EQ(got.base[q]->final_output, refs[q]->final_output) << agent;
      EXPECT_EQ(got.base[q]->find(agent)->prompt, tb.seed.at(agent));
    }
    for (std::size_t p = 0; p < parents.size(); ++p) {
      ASSERT_EQ(got.parents[p].size(), questions.size()) << agent;
      for (std::size_t q = 0; q < questions.size(); ++q) {
        const mas::Trace& t = *got.parents[p][q];
        EXPECT_EQ(t.question, questions[q]->question);
        EXPECT_EQ(t.find(agent)->prompt, parents[p]) << agent << " parent " << p;
        EXPECT_EQ(t.find("predictor")->output, want[p][q]->find("predictor")->output) << agent;
        EXPECT_EQ(t.final_output, want[p][q]->final_output) << agent << " parent " << p;
      }
    }
    // The reflector does not reach the predictor: its parents' runs copy the base run's predictor.
    if (agent == "reflector") {
      EXPECT_TRUE(got.parents[0][0]->find("predictor")->reused);
    }
  }
}

// Over real HTTP with 1 s per call (slack for a loaded machine): for the predictor (it reaches
// every agent) the base run and a parent's run take two round trips together, where the base run
// then a re-run take four. Same number of requests either way.
TEST(RunBaseAndParents, ParentsOfTheRootGoOutWithTheBaseRun) {
  constexpr double kLatency = 1.0;
  testing::FakeOpenAIServer server(testing::FakeOpenAIServer::Options{kLatency, 64, 30.0, 0});
  server.set_responder([](const llm::Request& r) { return testing::testbed_reply("agents", r); });
  testing::Testbed tb = testing::make_testbed(3);
  llm::ClientOptions options;
  llm::RoleConfig agents;
  agents.backend = "openai";
  agents.endpoints = {{server.base_url()}};
  agents.model = "testbed-agents";
  agents.max_concurrency = 64;
  options.roles["agents"] = agents;
  options.cache.mode = llm::CacheMode::off;
  llm::Client client(options);
  mas::Executor executor(client, tb.system, mas::ExecutorOptions{64});
  std::vector<const data::Example*> questions;
  for (const auto& e : tb.pool) questions.push_back(&e);
  const std::vector<std::string> parents = {testbed_prompt("predictor", {"CHECK"})};

  const auto seconds = [](auto&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  BaseAndParents got;
  const double together = seconds([&] { got = run_base_and_parents(executor, tb.seed, "predictor", parents, questions); });
  const int together_requests = server.requests();
  std::vector<std::vector<TracePtr>> want;
  const double one_after_the_other = seconds([&] {
    const std::vector<TracePtr> refs = run_references(executor, tb.seed, questions);
    want = rerun_each(executor, tb.seed, "predictor", parents, refs);
  });
  EXPECT_EQ(together_requests, 2 * 2 * 3);
  EXPECT_EQ(server.requests() - together_requests, together_requests);
  EXPECT_GE(one_after_the_other, 4 * kLatency);
  EXPECT_LT(together, 3.5 * kLatency) << "the parent's run waited for the base run";
  ASSERT_EQ(got.parents.size(), 1u);
  for (std::size_t q = 0; q < questions.size(); ++q) EXPECT_EQ(got.parents[0][q]->final_output, want[0][q]->final_output);
}

TEST(RerunEach, NoPromptsNoJobs) {
  Bed bed(2);
  const std::int64_t before = bed.calls();
  ASSERT_GT(before, 0);
  EXPECT_TRUE(rerun_each(bed.executor, bed.tb.seed, "predictor", {}, bed.refs).empty());
  EXPECT_EQ(bed.calls(), before);
  // With no parents, run_base_and_parents is the base run alone.
  const BaseAndParents runs = run_base_and_parents(bed.executor, bed.tb.seed, "predictor", {}, bed.questions);
  EXPECT_TRUE(runs.parents.empty());
  ASSERT_EQ(runs.base.size(), bed.refs.size());
  EXPECT_EQ(runs.base[1]->final_output, bed.refs[1]->final_output);
}

}  // namespace
}  // namespace maspo::opt::detail
