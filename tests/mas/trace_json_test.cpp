// Traces round-trip through JSON; malformed input is a clear std::invalid_argument.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "maspo/mas.hpp"

namespace maspo::mas {
namespace {

using ::testing::HasSubstr;

Trace sample() {
  Trace t;
  t.question = "What is 2+2? {not a placeholder}";
  AgentTrace a;
  a.agent = "predictor_1";
  a.prompt = "{question}";
  a.input_context = "";
  a.output = "It is <answer>4</answer>\n";
  a.summary = "Adds: 4";
  a.finish_reason = "stop";
  a.usage = {12, 34};
  a.latency_s = 0.25;
  a.calls = 2;
  a.cached_calls = 1;
  AgentTrace b = a;
  b.agent = "reflector_1";
  b.input_context = "Adds: 4";
  b.output = "";
  b.summary = "";
  b.reused = true;
  b.error = "upstream agent x failed";
  t.agents = {a, b};
  t.final_output = "";
  t.error = "agent `predictor_1`: boom";
  t.budget_exceeded = true;
  t.usage = {12, 34};
  t.latency_s = 1.5;
  return t;
}

void expect_equal(const AgentTrace& x, const AgentTrace& y) {
  EXPECT_EQ(x.agent, y.agent);
  EXPECT_EQ(x.prompt, y.prompt);
  EXPECT_EQ(x.input_context, y.input_context);
  EXPECT_EQ(x.output, y.output);
  EXPECT_EQ(x.summary, y.summary);
  EXPECT_EQ(x.finish_reason, y.finish_reason);
  EXPECT_EQ(x.usage, y.usage);
  EXPECT_DOUBLE_EQ(x.latency_s, y.latency_s);
  EXPECT_EQ(x.calls, y.calls);
  EXPECT_EQ(x.cached_calls, y.cached_calls);
  EXPECT_EQ(x.reused, y.reused);
  EXPECT_EQ(x.error, y.error);
}

TEST(TraceJson, RoundTrip) {
  Trace t = sample();
  json j = to_json(t);
  Trace back = trace_from_json(json::parse(j.dump()));
  EXPECT_EQ(back.question, t.question);
  ASSERT_EQ(back.agents.size(), 2u);
  expect_equal(back.agents[0], t.agents[0]);
  expect_equal(back.agents[1], t.agents[1]);
  EXPECT_EQ(back.final_output, t.final_output);
  EXPECT_EQ(back.error, t.error);
  EXPECT_EQ(back.budget_exceeded, t.budget_exceeded);
  EXPECT_EQ(back.usage, t.usage);
  EXPECT_DOUBLE_EQ(back.latency_s, t.latency_s);
  EXPECT_EQ(to_json(back), j);
}

TEST(TraceJson, Shape) {
  json j = to_json(sample());
  EXPECT_EQ(j["agents"][0]["usage"]["prompt_tokens"], 12);
  EXPECT_EQ(j["agents"][0]["usage"]["completion_tokens"], 34);
  EXPECT_EQ(j["agents"][1]["reused"], true);
  EXPECT_EQ(to_json(sample().agents[0]), j["agents"][0]);
}

TEST(TraceJson, Find) {
  Trace t = sample();
  ASSERT_NE(t.find("reflector_1"), nullptr);
  EXPECT_EQ(t.find("reflector_1")->input_context, "Adds: 4");
  EXPECT_EQ(t.find("nobody"), nullptr);
}

std::string error_of(const json& j) {
  try {
    trace_from_json(j);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << j.dump();
  return "";
}

TEST(TraceJson, Malformed) {
  json good = to_json(sample());
  EXPECT_THAT(error_of(json::array()), HasSubstr("malformed trace: expected an object"));
  json j = good;
  j.erase("question");
  EXPECT_THAT(error_of(j), HasSubstr("malformed trace: `question`: expected a value (the key is missing)"));
  j = good;
  j["agents"] = "x";
  EXPECT_THAT(error_of(j), HasSubstr("`agents`: expected a list of agent traces"));
  j = good;
  j["agents"][1]["output"] = 3;
  EXPECT_THAT(error_of(j), HasSubstr("`agents[1].output`: expected a string"));
  j = good;
  j["agents"][0]["usage"]["prompt_tokens"] = -1;
  EXPECT_THAT(error_of(j), HasSubstr("`agents[0].usage.prompt_tokens`: expected a non-negative integer"));
  j = good;
  j["agents"][0]["reused"] = "yes";
  EXPECT_THAT(error_of(j), HasSubstr("`agents[0].reused`: expected true or false"));
  j = good;
  j["latency_s"] = "slow";
  EXPECT_THAT(error_of(j), HasSubstr("`latency_s`: expected a number"));
  j = good;
  j["agents"][0] = 5;
  EXPECT_THAT(error_of(j), HasSubstr("`agents[0]`: expected an object"));
}

}  // namespace
}  // namespace maspo::mas
