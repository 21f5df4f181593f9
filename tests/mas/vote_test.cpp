// Vote agents: majority over eval::vote_key of the predecessors' raw outputs, first occurrence
// wins ties, no LLM call, and no compression for predictors that only feed a vote.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "maspo/mas.hpp"
#include "mas/mas_test_support.hpp"

namespace maspo::mas {
namespace {

using namespace maspo::mas::testing;

// Replies by the first word of the prompt ("P1", "P2", ...); anything else gets echo_script.
Script replies(std::map<std::string, std::string> by_tag) {
  return [by_tag](const llm::Request& r) {
    const std::string& p = r.messages.back().content;
    auto it = by_tag.find(p.substr(0, p.find(' ')));
    if (it == by_tag.end()) return echo_script(r);
    llm::Reply reply;
    reply.text = it->second;
    return reply;
  };
}

PromptMap numbered(const System& s) {
  PromptMap p;
  int i = 0;
  for (const auto& a : s.agents()) {
    if (a.kind == AgentKind::llm) p[a.id] = "P" + std::to_string(++i) + " {question} {context}";
  }
  return p;
}

struct VoteRun {
  std::shared_ptr<RequestLog> log = std::make_shared<RequestLog>();
  Trace trace;
};

VoteRun run_vote(const std::string& spec, TaskType task, std::map<std::string, std::string> by_tag) {
  VoteRun r;
  llm::Client client(client_options(std::make_shared<ScriptFactory>(r.log, replies(std::move(by_tag)))));
  auto sys = std::make_shared<const System>(builtin_system(spec, task));
  Executor ex(client, sys);
  r.trace = ex.run(numbered(*sys), "Q");
  return r;
}

TEST(Vote, MajorityWinsWithTheRawOutputOfItsFirstVoter) {
  VoteRun r = run_vote("vote:3", TaskType::choice,
              {{"P1", "It is <answer>C</answer>"}, {"P2", "Surely <answer>B</answer>"}, {"P3", "<answer>B</answer> again"}});
  EXPECT_EQ(r.trace.final_output, "Surely <answer>B</answer>");
  const AgentTrace* vote = r.trace.find("vote");
  ASSERT_NE(vote, nullptr);
  EXPECT_EQ(vote->calls, 0);
  EXPECT_EQ(vote->input_context,
            "It is <answer>C</answer>\n---\nSurely <answer>B</answer>\n---\n<answer>B</answer> again");
  EXPECT_EQ(vote->summary, vote->output);
  // Summary mode, but the predictors only feed a vote, which reads raw outputs: no compression.
  EXPECT_EQ(r.log->size(), 3u);
  EXPECT_EQ(r.trace.error, "");
}

TEST(Vote, TiesGoToTheFirstOccurrence) {
  VoteRun r = run_vote("vote:2", TaskType::choice, {{"P1", "<answer>A</answer>"}, {"P2", "<answer>D</answer>"}});
  EXPECT_EQ(r.trace.final_output, "<answer>A</answer>");
  VoteRun s = run_vote("vote:4", TaskType::choice,
              {{"P1", "<answer>A</answer>"}, {"P2", "<answer>D</answer>"}, {"P3", "(D)"}, {"P4", "<answer>A</answer>."}});
  EXPECT_EQ(s.trace.final_output, "<answer>A</answer>");
}

TEST(Vote, MathAnswersAreComparedNormalized) {
  VoteRun r = run_vote("vote:3", TaskType::math,
              {{"P1", "<answer>3</answer>"}, {"P2", "<answer>\\dfrac{1}{2}</answer>"}, {"P3", "<answer>\\frac{1}{2}</answer>"}});
  EXPECT_EQ(r.trace.final_output, "<answer>\\dfrac{1}{2}</answer>");
}

TEST(Vote, AnLlmAgentAfterAVoteReadsTheWinner) {
  auto log = std::make_shared<RequestLog>();
  llm::Client client(client_options(std::make_shared<ScriptFactory>(
      log, replies({{"A", "<answer>7</answer> from A"}, {"B", "<answer>7</answer> from B"}}))));
  auto sys = std::make_shared<const System>(parse_system(R"(task: math
agents:
  - {id: a, template: "A {question}"}
  - {id: b, template: "B {question}"}
  - {id: v, kind: vote}
  - {id: final, template: "F {question} {context}"}
edges: [a -> v, b -> v, v -> final]
)",
                                                         "s.yaml"));
  Executor ex(client, sys);
  Trace t = ex.run(sys->seed_prompts(), "Q");
  EXPECT_EQ(t.find("v")->output, "<answer>7</answer> from A");
  EXPECT_EQ(t.find("final")->input_context, "<answer>7</answer> from A");
  EXPECT_EQ(log->size(), 3u);   // a, b, final: nothing compressed
}

}  // namespace
}  // namespace maspo::mas
