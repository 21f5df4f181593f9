// The executor through real HTTP: the `agents` role on the openai backend, pointed at the fake
// OpenAI server, running the paper's 4-agent sequential system on a few questions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "maspo/mas.hpp"
#include "support/fake_openai_server.hpp"

namespace maspo::mas {
namespace {

using ::testing::HasSubstr;

TEST(ExecutorHttp, SequentialSystemOverTheFakeServer) {
  maspo::testing::FakeOpenAIServer server;
  server.set_responder([](const llm::Request& r) -> std::string {
    const std::string& p = r.messages.back().content;
    if (p.rfind("In at most 30 words", 0) == 0) return "summary of " + std::to_string(p.size()) + " chars";
    // Echo the question back so each trace can be matched to its question.
    auto q = p.find("Problem:\n");
    std::string question = q == std::string::npos ? "?" : p.substr(q + 9, p.find('\n', q + 9) - q - 9);
    return "Working on " + question + ". <answer>42</answer>";
  });
  llm::ClientOptions options;
  llm::RoleConfig agents;
  agents.backend = "openai";
  agents.endpoints = {{server.base_url()}};
  agents.model = "fake-agents-model";
  agents.retry.max_attempts = 1;
  options.roles["agents"] = agents;
  options.cache.mode = llm::CacheMode::off;
  llm::Client client(options);

  auto sys = std::make_shared<const System>(builtin_system("sequential:2", TaskType::math));
  Executor ex(client, sys, ExecutorOptions{2});
  std::vector<Job> jobs;
  for (const char* q : {"What is 6*7?", "What is 40+2?", "What is 84/2?"}) {
    jobs.push_back(Job{q, std::make_shared<const PromptMap>(sys->seed_prompts()), nullptr, ""});
  }
  auto traces = ex.run_jobs(jobs);

  ASSERT_EQ(traces.size(), 3u);
  EXPECT_EQ(server.requests(), 3 * 7);   // 4 role calls + 3 compressions per question
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const Trace& t = traces[i];
    EXPECT_EQ(t.error, "") << i;
    EXPECT_EQ(t.question, jobs[i].question);
    EXPECT_EQ(t.final_output, "Working on " + jobs[i].question + ". <answer>42</answer>");
    ASSERT_EQ(t.agents.size(), 4u);
    EXPECT_THAT(t.agents[0].summary, HasSubstr("summary of "));
    EXPECT_EQ(t.agents[1].input_context, t.agents[0].summary);
    EXPECT_EQ(t.agents[3].summary, t.agents[3].output);
    for (const AgentTrace& a : t.agents) {
      EXPECT_GT(a.usage.total(), 0) << a.agent;
      EXPECT_GT(a.latency_s, 0.0) << a.agent;
      EXPECT_EQ(a.cached_calls, 0);
    }
    EXPECT_EQ(t.agents[3].calls, 1);
    EXPECT_EQ(t.agents[0].calls, 2);
  }
  auto bodies = server.bodies();
  ASSERT_FALSE(bodies.empty());
  EXPECT_EQ(bodies[0]["model"], "fake-agents-model");
  EXPECT_EQ(bodies[0]["messages"].size(), 1u);
  EXPECT_EQ(bodies[0]["messages"][0]["role"], "user");
}

}  // namespace
}  // namespace maspo::mas
