// The DAG executor against a real llm::Client whose backends are test doubles: the exact prompts
// each agent receives (context joining, summary vs raw, no compression for the sink), one level
// in flight together, failures and budgets, partial re-execution, and run_jobs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "maspo/mas.hpp"
#include "mas/mas_test_support.hpp"
#include "support/temp_dir.hpp"

namespace maspo::mas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace maspo::mas::testing;
using namespace std::chrono_literals;

std::shared_ptr<const System> shared(System s) { return std::make_shared<const System>(std::move(s)); }

// Templates that show where each agent's text came from: "<ID> q=<question> c=<context>".
PromptMap tagged_prompts(const System& s) {
  PromptMap p;
  for (const auto& a : s.agents()) {
    if (a.kind == AgentKind::llm) p[a.id] = a.id + " q={question} c={context}";
  }
  return p;
}

std::string compression_prompt(const System& s, const std::string& agent, const std::string& output) {
  return compression_request(s.agent(agent), s.task(), output).messages.at(0).content;
}

struct Fixture {
  explicit Fixture(Script script = echo_script)
      : log(std::make_shared<RequestLog>()),
        client(client_options(std::make_shared<ScriptFactory>(log, std::move(script)))) {}
  std::shared_ptr<RequestLog> log;
  llm::Client client;
};

// ---- prompts and context --------------------------------------------------------------------

TEST(Executor, SequentialSummaryModeSendsExactlyTheseRequests) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:2", TaskType::math));
  Executor ex(f.client, sys);
  Trace t = ex.run(tagged_prompts(*sys), "Q");

  std::string p1 = "predictor_1 q=Q c=";
  std::string p1_out = "O<" + p1 + ">", p1_sum = "S<" + p1_out + ">";
  std::string r1 = "reflector_1 q=Q c=" + p1_sum;
  std::string r1_out = "O<" + r1 + ">", r1_sum = "S<" + r1_out + ">";
  std::string p2 = "predictor_2 q=Q c=" + r1_sum;
  std::string p2_out = "O<" + p2 + ">", p2_sum = "S<" + p2_out + ">";
  std::string r2 = "reflector_2 q=Q c=" + p2_sum;
  // One role call and one compression per agent, except the sink, whose summary nobody reads.
  EXPECT_THAT(f.log->prompts(),
              ElementsAre(p1, compression_prompt(*sys, "predictor_1", p1_out), r1,
                          compression_prompt(*sys, "reflector_1", r1_out), p2,
                          compression_prompt(*sys, "predictor_2", p2_out), r2));

  EXPECT_EQ(t.question, "Q");
  EXPECT_EQ(t.error, "");
  EXPECT_FALSE(t.budget_exceeded);
  EXPECT_EQ(t.final_output, "O<" + r2 + ">");
  ASSERT_EQ(t.agents.size(), 4u);
  const AgentTrace& a = t.agents[0];
  EXPECT_EQ(a.agent, "predictor_1");
  EXPECT_EQ(a.prompt, "predictor_1 q={question} c={context}");
  EXPECT_EQ(a.input_context, "");
  EXPECT_EQ(a.output, p1_out);
  EXPECT_EQ(a.summary, p1_sum);
  EXPECT_EQ(a.finish_reason, "stop");
  EXPECT_EQ(a.calls, 2);
  EXPECT_EQ(a.cached_calls, 0);
  EXPECT_EQ(a.usage, (llm::Usage{20, 2}));
  EXPECT_FALSE(a.reused);
  EXPECT_EQ(t.agents[2].input_context, r1_sum);
  EXPECT_EQ(t.agents[3].agent, "reflector_2");
  EXPECT_EQ(t.agents[3].calls, 1);
  EXPECT_EQ(t.agents[3].summary, t.agents[3].output);
  EXPECT_EQ(t.usage, (llm::Usage{70, 7}));
  EXPECT_GE(t.latency_s, 0.0);
}

TEST(Executor, RequestParameters) {
  Fixture f;
  auto sys = shared(parse_system(R"(task: code
agents:
  - {id: a, template: "A {question}", temperature: 0.4, max_tokens: 321}
  - {id: b, template: "B {question} {context}", model_role: judge}
edges: [a -> b]
)",
                                 "s.yaml"));
  Executor ex(f.client, sys);
  ex.run(sys->seed_prompts(), "Q");
  auto seen = f.log->all();
  ASSERT_EQ(seen.size(), 3u);
  // Role call: one user message, the agent's sampling settings, its model role.
  EXPECT_EQ(seen[0].role, "agents");
  ASSERT_EQ(seen[0].request.messages.size(), 1u);
  EXPECT_EQ(seen[0].request.messages[0].role, "user");
  EXPECT_EQ(seen[0].request.messages[0].content, "A Q");
  EXPECT_EQ(seen[0].request.temperature, 0.4);
  EXPECT_EQ(seen[0].request.max_tokens, 321);
  // Compression: same model role, temperature 0, a small budget, the code wording.
  EXPECT_EQ(seen[1].role, "agents");
  EXPECT_EQ(seen[1].request.temperature, 0.0);
  EXPECT_EQ(seen[1].request.max_tokens, 128);
  EXPECT_EQ(seen[1].prompt(), "In at most 50 words, describe the key logic of the Python code in the text below. "
                              "Reply with the description only.\n\nText:\nO<A Q>");
  EXPECT_EQ(seen[2].role, "judge");
  EXPECT_EQ(seen[2].request.temperature, 0.0);
  EXPECT_EQ(seen[2].request.max_tokens, 4096);
}

TEST(Executor, CompressionWording) {
  Agent a;
  a.id = "x";
  a.model_role = "judge";
  llm::Request r = compression_request(a, TaskType::math, "long text");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "In at most 30 words, summarize the key reasoning steps and the final answer of "
                                   "the text below. Reply with the summary only.\n\nText:\nlong text");
  EXPECT_EQ(r.temperature, 0.0);
  EXPECT_EQ(r.max_tokens, 128);
}

TEST(Executor, SampleIndexSeparatesAgentsOnlyAboveTemperatureZero) {
  Agent a, b;
  a.id = "predictor_1";
  b.id = "predictor_2";
  EXPECT_EQ(agent_request(a, "p").sample_index, 0);
  a.temperature = b.temperature = 0.7;
  EXPECT_NE(agent_request(a, "p").sample_index, agent_request(b, "p").sample_index);
  EXPECT_EQ(agent_request(a, "p").sample_index, agent_request(a, "p").sample_index);
}

TEST(Executor, RawModeJoinsOutputsAndMakesNoCompressionCalls) {
  Fixture f;
  auto sys = shared(builtin_system("hierarchical", TaskType::math, ContextMode::raw));
  Executor ex(f.client, sys);
  PromptMap p = tagged_prompts(*sys);
  for (const char* id : {"math_agent", "science_agent", "code_agent"}) p[id] = std::string(id) + " q={question}";
  Trace t = ex.run(p, "Q");
  EXPECT_EQ(f.log->size(), 4u);
  EXPECT_EQ(t.find("summarizer")->input_context,
            "O<math_agent q=Q>\n---\nO<science_agent q=Q>\n---\nO<code_agent q=Q>");
  EXPECT_EQ(f.log->prompts().back(),
            "summarizer q=Q c=O<math_agent q=Q>\n---\nO<science_agent q=Q>\n---\nO<code_agent q=Q>");
  EXPECT_EQ(t.find("math_agent")->summary, t.find("math_agent")->output);
  EXPECT_EQ(t.find("math_agent")->calls, 1);
}

TEST(Executor, SummaryModeJoinsSummariesInTopologicalOrder) {
  Fixture f;
  auto sys = shared(builtin_system("hierarchical", TaskType::math));
  Executor ex(f.client, sys);
  PromptMap p = tagged_prompts(*sys);
  for (const char* id : {"math_agent", "science_agent", "code_agent"}) p[id] = std::string(id) + " q={question}";
  Trace t = ex.run(p, "Q");
  EXPECT_EQ(f.log->size(), 7u);   // 3 x (role + compression) + the summarizer
  EXPECT_EQ(t.find("summarizer")->input_context,
            "S<O<math_agent q=Q>>\n---\nS<O<science_agent q=Q>>\n---\nS<O<code_agent q=Q>>");
}

TEST(Executor, SeedPromptsWhenTheJobHasNone) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:1", TaskType::math, ContextMode::raw));
  Executor ex(f.client, sys);
  std::promise<Trace> promise;
  ex.submit(Job{"What is 1+1?", nullptr, nullptr, ""}, [&](Trace t) { promise.set_value(std::move(t)); });
  Trace t = promise.get_future().get();
  EXPECT_EQ(t.agents[0].prompt, sys->agent("predictor_1").prompt);
  EXPECT_EQ(f.log->prompts()[0], format_template(sys->agent("predictor_1").prompt, "What is 1+1?", ""));
}

TEST(Executor, PartialPromptMapFallsBackToSeed) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:1", TaskType::math, ContextMode::raw));
  Executor ex(f.client, sys);
  Trace t = ex.run({{"reflector_1", "R {question} {context}"}}, "Q");
  EXPECT_EQ(t.agents[0].prompt, sys->agent("predictor_1").prompt);
  EXPECT_EQ(t.agents[1].prompt, "R {question} {context}");
}

// ---- concurrency ----------------------------------------------------------------------------

TEST(Executor, OneLevelIsInFlightTogether) {
  auto log = std::make_shared<RequestLog>();
  auto backend = std::make_shared<HoldingBackend>(log, echo_script);
  llm::Client client(client_options(std::make_shared<SingleBackendFactory>(backend)));
  auto sys = shared(builtin_system("hierarchical", TaskType::math));
  Executor ex(client, sys);
  std::promise<Trace> promise;
  ex.submit(Job{"Q", std::make_shared<PromptMap>(sys->seed_prompts()), nullptr, ""},
            [&](Trace t) { promise.set_value(std::move(t)); });
  // All three first-layer agents are submitted before any of them has an answer.
  ASSERT_TRUE(backend->wait_held(3));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(backend->held(), 3u);
  EXPECT_EQ(backend->release(), 3u);   // role calls -> three compression calls, also together
  ASSERT_TRUE(backend->wait_held(3));
  EXPECT_EQ(backend->release(), 3u);   // -> the summarizer
  ASSERT_TRUE(backend->wait_held(1));
  EXPECT_EQ(backend->release(), 1u);
  Trace t = promise.get_future().get();
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(log->size(), 7u);
}

TEST(Executor, DestructorWaitsForJobsInFlight) {
  auto log = std::make_shared<RequestLog>();
  auto backend = std::make_shared<HoldingBackend>(log, echo_script);
  llm::Client client(client_options(std::make_shared<SingleBackendFactory>(backend)));
  auto sys = shared(builtin_system("sequential:1", TaskType::math, ContextMode::raw));
  std::atomic<bool> delivered{false};
  std::thread releaser;
  {
    Executor ex(client, sys);
    ex.submit(Job{"Q", nullptr, nullptr, ""}, [&](Trace) {
      std::this_thread::sleep_for(10ms);
      delivered = true;
    });
    ASSERT_TRUE(backend->wait_held(1));
    releaser = std::thread([&] {
      std::this_thread::sleep_for(50ms);
      backend->release();
      ASSERT_TRUE(backend->wait_held(1));
      backend->release();
    });
  }  // ~Executor
  EXPECT_TRUE(delivered);
  releaser.join();
}

// ---- failures -------------------------------------------------------------------------------

Script failing_on(const std::string& marker, std::exception_ptr error) {
  return [marker, error](const llm::Request& r) {
    if (r.messages.back().content.find(marker) != std::string::npos) std::rethrow_exception(error);
    return echo_script(r);
  };
}

TEST(Executor, FailureStopsDescendantsButTheJobCompletes) {
  Fixture f(failing_on("predictor_1 q=", std::make_exception_ptr(llm::Error(llm::ErrorKind::http_status, "HTTP 400: bad", 400))));
  auto sys = shared(builtin_system("sequential:2", TaskType::math));
  Executor ex(f.client, sys);
  Trace t = ex.run(tagged_prompts(*sys), "Q");
  EXPECT_EQ(f.log->size(), 1u);   // nothing after the failed agent ran
  EXPECT_EQ(t.agents[0].error, "HTTP 400: bad");
  EXPECT_EQ(t.agents[1].error, "upstream agent predictor_1 failed");
  EXPECT_EQ(t.agents[2].error, "upstream agent predictor_1 failed");
  EXPECT_EQ(t.agents[3].error, "upstream agent predictor_1 failed");
  EXPECT_EQ(t.error, "agent `predictor_1`: HTTP 400: bad");
  EXPECT_EQ(t.final_output, "");
  EXPECT_FALSE(t.budget_exceeded);
  EXPECT_EQ(t.agents[0].calls, 0);
}

TEST(Executor, FailureInOneBranchLeavesTheOthers) {
  Fixture f(failing_on("science_agent", std::make_exception_ptr(llm::Error(llm::ErrorKind::timeout, "timed out"))));
  auto sys = shared(builtin_system("hierarchical", TaskType::math));
  Executor ex(f.client, sys);
  Trace t = ex.run(tagged_prompts(*sys), "Q");
  EXPECT_EQ(t.find("math_agent")->error, "");
  EXPECT_EQ(t.find("code_agent")->error, "");
  EXPECT_EQ(t.find("math_agent")->calls, 2);
  EXPECT_EQ(t.find("science_agent")->error, "timed out");
  EXPECT_EQ(t.find("summarizer")->error, "upstream agent science_agent failed");
  EXPECT_EQ(t.error, "agent `science_agent`: timed out");
  EXPECT_EQ(f.log->size(), 5u);   // 2 + 1 + 2; the summarizer never ran
}

TEST(Executor, CompressionFailureFailsTheAgent) {
  Fixture f(failing_on("Text:\nO<predictor_1", std::make_exception_ptr(llm::Error(llm::ErrorKind::bad_reply, "no choices"))));
  auto sys = shared(builtin_system("sequential:1", TaskType::math));
  Executor ex(f.client, sys);
  Trace t = ex.run(tagged_prompts(*sys), "Q");
  EXPECT_EQ(t.agents[0].error, "compression call: no choices");
  EXPECT_EQ(t.agents[0].output, "O<predictor_1 q=Q c=>");   // the role call's output is kept
  EXPECT_EQ(t.agents[1].error, "upstream agent predictor_1 failed");
  EXPECT_EQ(t.error, "agent `predictor_1`: compression call: no choices");
}

TEST(Executor, BadTemplateInAJobFailsThatAgentWithoutACall) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:1", TaskType::math, ContextMode::raw));
  Executor ex(f.client, sys);
  Trace t = ex.run({{"reflector_1", "{question} {context} {oops}"}}, "Q");
  EXPECT_EQ(f.log->size(), 1u);
  EXPECT_THAT(t.agents[1].error, HasSubstr("template: unknown placeholder `{oops}`"));
  EXPECT_THAT(t.error, HasSubstr("agent `reflector_1`: template:"));
}

TEST(Executor, BudgetExceededIsFlagged) {
  auto log = std::make_shared<RequestLog>();
  auto options = client_options(std::make_shared<ScriptFactory>(log, echo_script));
  options.budgets["agents"].calls = 3;
  llm::Client client(options);
  auto sys = shared(builtin_system("sequential:2", TaskType::math));
  Executor ex(client, sys);
  Trace t = ex.run(tagged_prompts(*sys), "Q");
  EXPECT_EQ(log->size(), 3u);   // p1, its compression, r1; r1's compression is refused
  EXPECT_TRUE(t.budget_exceeded);
  EXPECT_THAT(t.agents[1].error, HasSubstr("compression call: "));
  EXPECT_EQ(t.agents[2].error, "upstream agent reflector_1 failed");
  EXPECT_THAT(t.error, HasSubstr("agent `reflector_1`"));
}

// ---- partial re-execution -------------------------------------------------------------------

TEST(Executor, RerunReusesUpstream) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:2", TaskType::math));
  Executor ex(f.client, sys);
  PromptMap prompts = tagged_prompts(*sys);
  Trace ref = ex.run(prompts, "Q");
  std::size_t before = f.log->size();

  PromptMap candidate = prompts;
  candidate["predictor_2"] = "NEW q={question} c={context}";
  Trace t = ex.rerun(ref, candidate, "predictor_2");
  auto prompts_sent = f.log->prompts();
  std::vector<std::string> new_calls(prompts_sent.begin() + static_cast<long>(before), prompts_sent.end());
  // Only predictor_2 (role + compression) and reflector_2 ran; upstream made no calls.
  ASSERT_EQ(new_calls.size(), 3u);
  EXPECT_EQ(new_calls[0], "NEW q=Q c=" + ref.agents[1].summary);
  EXPECT_EQ(t.question, "Q");
  for (std::size_t i : {0u, 1u}) {
    EXPECT_TRUE(t.agents[i].reused);
    EXPECT_EQ(t.agents[i].output, ref.agents[i].output);
    EXPECT_EQ(t.agents[i].summary, ref.agents[i].summary);
    EXPECT_EQ(t.agents[i].usage, ref.agents[i].usage);
  }
  EXPECT_FALSE(t.agents[2].reused);
  EXPECT_EQ(t.agents[2].input_context, ref.agents[2].input_context);   // the very same upstream context
  EXPECT_EQ(t.agents[2].prompt, "NEW q={question} c={context}");
  EXPECT_NE(t.final_output, ref.final_output);
  // Reused agents are not counted again.
  EXPECT_EQ(t.usage, (llm::Usage{30, 3}));
}

TEST(Executor, RerunOfTheSinkMakesOneCall) {
  // Every copied agent stays copied: a copied agent's copied successor is never scheduled.
  Fixture f;
  auto sys = shared(builtin_system("sequential:3", TaskType::math));
  Executor ex(f.client, sys);
  Trace ref = ex.run(tagged_prompts(*sys), "Q");
  std::size_t before = f.log->size();
  Trace t = ex.rerun(ref, tagged_prompts(*sys), "reflector_3");
  EXPECT_EQ(f.log->size() - before, 1u);
  for (std::size_t i = 0; i + 1 < t.agents.size(); ++i) EXPECT_TRUE(t.agents[i].reused) << i;
  EXPECT_EQ(t.final_output, ref.final_output);
  EXPECT_EQ(t.usage, (llm::Usage{10, 1}));
}

TEST(Executor, RerunFromARootRunsEverything) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:1", TaskType::math));
  Executor ex(f.client, sys);
  Trace ref = ex.run(tagged_prompts(*sys), "Q");
  Trace t = ex.rerun(ref, tagged_prompts(*sys), "predictor_1");
  EXPECT_FALSE(t.agents[0].reused);
  EXPECT_FALSE(t.agents[1].reused);
  EXPECT_EQ(f.log->size(), 6u);
  EXPECT_EQ(t.final_output, ref.final_output);
}

TEST(Executor, RerunOneBranchOfAHierarchy) {
  Fixture f;
  auto sys = shared(builtin_system("hierarchical", TaskType::math));
  Executor ex(f.client, sys);
  PromptMap prompts = tagged_prompts(*sys);
  for (const char* id : {"math_agent", "science_agent", "code_agent"}) prompts[id] = std::string(id) + " q={question}";
  Trace ref = ex.run(prompts, "Q");
  std::size_t before = f.log->size();
  prompts["science_agent"] = "SCI2 {question}";
  Trace t = ex.rerun(ref, prompts, "science_agent");
  EXPECT_EQ(f.log->size() - before, 3u);   // science (2 calls) + summarizer
  EXPECT_TRUE(t.find("math_agent")->reused);
  EXPECT_TRUE(t.find("code_agent")->reused);
  EXPECT_FALSE(t.find("science_agent")->reused);
  EXPECT_EQ(t.find("summarizer")->input_context, "S<O<math_agent q=Q>>\n---\nS<O<SCI2 Q>>\n---\nS<O<code_agent q=Q>>");
}

TEST(Executor, RerunOfAFailedUpstreamFailsDownstream) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:1", TaskType::math));
  Executor ex(f.client, sys);
  Trace ref = ex.run(tagged_prompts(*sys), "Q");
  ref.agents[0].error = "it broke";
  Trace t = ex.rerun(ref, tagged_prompts(*sys), "reflector_1");
  EXPECT_EQ(t.agents[1].error, "upstream agent predictor_1 failed");
  EXPECT_EQ(t.error, "agent `predictor_1`: it broke");
}

TEST(Executor, BadRerunRequestsThrowBeforeRunning) {
  Fixture f;
  auto sys = shared(builtin_system("sequential:1", TaskType::math));
  Executor ex(f.client, sys);
  Trace ref = ex.run(tagged_prompts(*sys), "Q");
  EXPECT_THROW(ex.rerun(ref, {}, "ghost"), std::invalid_argument);
  Trace other = ref;
  other.agents.pop_back();
  EXPECT_THROW(ex.rerun(other, {}, "reflector_1"), std::invalid_argument);
  std::vector<Job> jobs(2);
  jobs[0].question = "fine";
  jobs[1].reference = std::make_shared<Trace>(ref);
  jobs[1].from_agent = "ghost";
  std::size_t calls = f.log->size();
  EXPECT_THROW(ex.run_jobs(jobs), std::invalid_argument);
  EXPECT_EQ(f.log->size(), calls);   // the good job was not sent either
}

// ---- run_jobs -------------------------------------------------------------------------------

TEST(Executor, RunJobsBoundsQuestionsInFlightAndKeepsOrder) {
  auto backend = std::make_shared<AsyncBackend>(echo_script, 500us);
  llm::Client client(client_options(std::make_shared<SingleBackendFactory>(backend)));
  // One request in flight per question at a time (a chain in raw mode): requests in flight at the
  // backend = questions in flight.
  auto sys = shared(builtin_system("sequential:1", TaskType::math, ContextMode::raw));
  ExecutorOptions options;
  options.max_questions_in_flight = 3;
  Executor ex(client, sys, options);
  std::vector<Job> jobs;
  for (int i = 0; i < 24; ++i) jobs.push_back(Job{"q" + std::to_string(i), nullptr, nullptr, ""});
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  std::set<std::size_t> indices;
  auto traces = ex.run_jobs(jobs, [&](std::size_t index, const Trace& t) {
    if (++inside > 1) overlapped = true;
    EXPECT_EQ(t.question, "q" + std::to_string(index));
    indices.insert(index);
    std::this_thread::sleep_for(100us);
    --inside;
  });
  EXPECT_FALSE(overlapped);
  EXPECT_EQ(indices.size(), 24u);
  ASSERT_EQ(traces.size(), 24u);
  for (int i = 0; i < 24; ++i) {
    EXPECT_EQ(traces[i].question, "q" + std::to_string(i));
    EXPECT_EQ(traces[i].error, "");
    EXPECT_THAT(traces[i].final_output, HasSubstr("q" + std::to_string(i)));
  }
  EXPECT_LE(backend->max_in_flight.load(), 3);
  EXPECT_EQ(backend->max_in_flight.load(), 3);   // and the bound is used
}

TEST(Executor, RunJobsWithSynchronousReplies) {
  // Cache hits and the scripted backend answer inside submit: many jobs must not nest deeper
  // and deeper on the stack.
  Fixture f;
  auto sys = shared(builtin_system("sequential:2", TaskType::math));
  Executor ex(f.client, sys, ExecutorOptions{4});
  std::vector<Job> jobs;
  for (int i = 0; i < 2000; ++i) jobs.push_back(Job{"q" + std::to_string(i), nullptr, nullptr, ""});
  auto traces = ex.run_jobs(jobs);
  ASSERT_EQ(traces.size(), 2000u);
  EXPECT_EQ(traces[1999].question, "q1999");
  EXPECT_EQ(f.log->size(), 2000u * 7);
}

TEST(Executor, RunJobsEmpty) {
  Fixture f;
  Executor ex(f.client, shared(builtin_system("sequential:1", TaskType::math)));
  EXPECT_TRUE(ex.run_jobs({}).empty());
}

TEST(Executor, CachedCallsAreCounted) {
  maspo::testing::TempDir dir("maspo-mas-exec");
  auto log = std::make_shared<RequestLog>();
  auto options = client_options(std::make_shared<ScriptFactory>(log, echo_script));
  options.cache.mode = llm::CacheMode::read_write;
  options.cache.path = dir.file("cache.sqlite");
  llm::Client client(options);
  auto sys = shared(builtin_system("sequential:1", TaskType::math));
  Executor ex(client, sys);
  Trace first = ex.run(tagged_prompts(*sys), "Q");
  Trace second = ex.run(tagged_prompts(*sys), "Q");
  EXPECT_EQ(log->size(), 3u);   // the second run came from the cache
  EXPECT_EQ(first.agents[0].cached_calls, 0);
  EXPECT_EQ(second.agents[0].calls, 2);
  EXPECT_EQ(second.agents[0].cached_calls, 2);
  EXPECT_EQ(second.final_output, first.final_output);
  EXPECT_EQ(second.usage, first.usage);
}

}  // namespace
}  // namespace maspo::mas
