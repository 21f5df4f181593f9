// Judge::compare through llm::Client with scripted judges: which output is shown as A in each
// order mode, how replies become scores (both-order disagreement = tie, unparsable = loss or tie),
// position statistics, errors, and that compare never blocks.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "llm/scripted_backend.hpp"
#include "maspo/llm.hpp"
#include "maspo/opt.hpp"
#include "support/temp_dir.hpp"

namespace maspo::opt {
namespace {

using llm::Reply;
using llm::Request;

constexpr std::string_view kCandidate = "CANDIDATE-OUTPUT x = 7";
constexpr std::string_view kReference = "REFERENCE-OUTPUT x = 5";

// Which side the candidate was shown on, read from the request text.
bool candidate_shown_as_a(const Request& r) {
  const std::string& text = r.messages.back().content;
  auto c = text.find(kCandidate);
  auto ref = text.find(kReference);
  if (c == std::string::npos || ref == std::string::npos) throw std::runtime_error("outputs missing from the request");
  return c < ref;
}

Reply reply(std::string text) {
  Reply r;
  r.text = std::move(text);
  return r;
}

// Judges that look at the request: one that recognises the candidate, one that prefers the reference,
// and position-biased ones.
Reply prefers_candidate(const Request& r) { return reply(candidate_shown_as_a(r) ? "A" : "B"); }
Reply prefers_reference(const Request& r) { return reply(candidate_shown_as_a(r) ? "B" : "A"); }
Reply always_a(const Request&) { return reply("A"); }
Reply always_b(const Request&) { return reply("**B**"); }
Reply mumbles(const Request&) { return reply("Both have merit; I cannot tell."); }

class ScriptFactory : public llm::BackendFactory {
 public:
  std::shared_ptr<llm::Backend> make(const std::string&, const llm::RoleConfig&) override {
    return std::make_shared<llm::ScriptedBackend>([this](const Request& r) {
      {
        std::lock_guard lock(mu);
        seen.push_back(r);
      }
      return script(r);
    });
  }
  std::function<Reply(const Request&)> script = prefers_candidate;
  std::mutex mu;
  std::vector<Request> seen;
};

struct Fixture {
  maspo::testing::TempDir dir{"maspo-judge-test"};
  std::shared_ptr<ScriptFactory> factory = std::make_shared<ScriptFactory>();
  std::unique_ptr<llm::Client> client;

  Fixture() {
    llm::ClientOptions o;
    llm::RoleConfig judge;
    judge.backend = "scripted";
    judge.model = "judge-model";
    o.roles["judge"] = judge;  // the only role: a request sent under any other role fails
    o.cache = {llm::CacheMode::off, (dir.path() / "cache.sqlite").string()};
    o.factory = factory;
    client = std::make_unique<llm::Client>(o);
  }
};

JudgeInput input(Comparison kind = Comparison::intermediate) {
  JudgeInput in;
  in.kind = kind;
  in.problem = "Find x.";
  in.candidate = std::string(kCandidate);
  in.reference = std::string(kReference);
  in.agent_type = "Reflector";
  in.agent_role = "Reviews the proposed solution and gives a corrected final answer.";
  return in;
}

Verdict run(Judge& judge, const JudgeInput& in, std::uint64_t draw = 0) {
  std::promise<Verdict> p;
  auto f = p.get_future();
  std::atomic<int> calls{0};
  judge.compare(in, draw, [&](Verdict v, std::exception_ptr e) {
    ++calls;
    if (e) {
      p.set_exception(e);
    } else {
      p.set_value(std::move(v));
    }
  });
  Verdict v = f.get();
  EXPECT_EQ(calls.load(), 1);
  return v;
}

Settings with_order(JudgeOrder order, bool unparsable_is_loss = true) {
  Settings s;
  s.judge_order = order;
  s.unparsable_is_loss = unparsable_is_loss;
  return s;
}

TEST(Judge, FixedShowsTheCandidateAsA) {
  Fixture fx;
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::fixed));
  for (std::uint64_t draw : {0u, 1u, 2u, 3u}) {
    Verdict v = run(judge, input(), draw);
    EXPECT_EQ(v.score, 1.0);
    EXPECT_TRUE(v.parsed);
    EXPECT_EQ(v.candidate_first_wins, 1);
    EXPECT_EQ(v.candidate_second_wins, 0);
    EXPECT_EQ(v.candidate_was_a, std::vector<bool>{true});
    EXPECT_EQ(v.replies, std::vector<std::string>{"A"});
  }
  ASSERT_EQ(fx.factory->seen.size(), 4u);
  for (const auto& r : fx.factory->seen) EXPECT_TRUE(candidate_shown_as_a(r));

  fx.factory->script = prefers_reference;
  Verdict v = run(judge, input());
  EXPECT_EQ(v.score, 0.0);
  EXPECT_TRUE(v.parsed);
  EXPECT_EQ(v.candidate_first_wins + v.candidate_second_wins, 0);
}

TEST(Judge, RandomOrderFollowsTheDraw) {
  Fixture fx;
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::random));
  for (std::uint64_t draw = 0; draw < 8; ++draw) {
    Verdict v = run(judge, input(), draw);
    bool even = draw % 2 == 0;
    EXPECT_EQ(v.candidate_was_a, std::vector<bool>{even});
    EXPECT_EQ(candidate_shown_as_a(fx.factory->seen.back()), even);
    EXPECT_EQ(v.score, 1.0);
    EXPECT_EQ(v.candidate_first_wins, even ? 1 : 0);
    EXPECT_EQ(v.candidate_second_wins, even ? 0 : 1);
  }
  // A judge that always says "A" makes the candidate win exactly when it was shown as A.
  fx.factory->script = always_a;
  EXPECT_EQ(run(judge, input(), 10).score, 1.0);
  EXPECT_EQ(run(judge, input(), 11).score, 0.0);
}

TEST(Judge, BothOrdersAgreeingGiveAFullWinOrLoss) {
  Fixture fx;
  Judge judge(*fx.client, data::TaskType::code, with_order(JudgeOrder::both));
  Verdict v = run(judge, input());
  EXPECT_EQ(v.score, 1.0);
  EXPECT_EQ(v.candidate_was_a, (std::vector<bool>{true, false}));
  EXPECT_EQ(v.replies, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(v.candidate_first_wins, 1);
  EXPECT_EQ(v.candidate_second_wins, 1);
  ASSERT_EQ(fx.factory->seen.size(), 2u);
  EXPECT_TRUE(candidate_shown_as_a(fx.factory->seen[0]));
  EXPECT_FALSE(candidate_shown_as_a(fx.factory->seen[1]));

  fx.factory->script = prefers_reference;
  v = run(judge, input());
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.candidate_first_wins + v.candidate_second_wins, 0);
}

TEST(Judge, BothOrdersDisagreeingAreATie) {
  Fixture fx;
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::both));
  fx.factory->script = always_a;  // pure position bias
  Verdict v = run(judge, input());
  EXPECT_EQ(v.score, 0.5);
  EXPECT_TRUE(v.parsed);
  EXPECT_EQ(v.candidate_first_wins, 1);
  EXPECT_EQ(v.candidate_second_wins, 0);

  fx.factory->script = always_b;
  v = run(judge, input());
  EXPECT_EQ(v.score, 0.5);
  EXPECT_EQ(v.candidate_first_wins, 0);
  EXPECT_EQ(v.candidate_second_wins, 1);
}

TEST(Judge, UnparsableIsALossByDefault) {
  Fixture fx;
  fx.factory->script = mumbles;
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::fixed));
  Verdict v = run(judge, input());
  EXPECT_EQ(v.score, 0.0);
  EXPECT_FALSE(v.parsed);
  EXPECT_EQ(v.replies.size(), 1u);
  EXPECT_EQ(v.candidate_first_wins + v.candidate_second_wins, 0);

  for (std::string_view empty : {"", "   ", "...", "42"}) {
    fx.factory->script = [empty](const Request&) { return reply(std::string(empty)); };
    v = run(judge, input());
    EXPECT_EQ(v.score, 0.0) << "reply [" << empty << "]";
    EXPECT_FALSE(v.parsed);
  }
}

TEST(Judge, UnparsableIsATieWhenConfigured) {
  Fixture fx;
  fx.factory->script = mumbles;
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::fixed, false));
  Verdict v = run(judge, input());
  EXPECT_EQ(v.score, 0.5);
  EXPECT_FALSE(v.parsed);
}

TEST(Judge, BothOrdersWithOneUnparsableReply) {
  // First call (candidate as A) wins, the second has no verdict.
  auto script = [](const Request& r) { return reply(candidate_shown_as_a(r) ? "A" : "no idea"); };
  {
    Fixture fx;
    fx.factory->script = script;
    Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::both, true));
    Verdict v = run(judge, input());
    EXPECT_EQ(v.score, 0.5);  // win + loss
    EXPECT_FALSE(v.parsed);
    EXPECT_EQ(v.candidate_first_wins, 1);
  }
  {
    Fixture fx;
    fx.factory->script = script;
    Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::both, false));
    Verdict v = run(judge, input());
    EXPECT_EQ(v.score, 0.75);  // win + tie
    EXPECT_FALSE(v.parsed);
  }
}

TEST(Judge, TerminalComparisonReadsTheChooseTag) {
  Fixture fx;
  fx.factory->script = [](const Request& r) {
    // The analysis mentions both outputs; the tag decides.
    std::string pick = candidate_shown_as_a(r) ? "A" : "B";
    return reply("Output A is long, Output B is short. Checking the arithmetic...\n<choose>" + pick + "</choose>");
  };
  Settings s = with_order(JudgeOrder::both);
  s.terminal_judge_max_tokens = 777;
  s.judge_max_tokens = 55;
  Judge judge(*fx.client, data::TaskType::reasoning_choice, s);
  Verdict v = run(judge, input(Comparison::terminal));
  EXPECT_EQ(v.score, 1.0);
  ASSERT_EQ(fx.factory->seen.size(), 2u);
  for (const auto& r : fx.factory->seen) {
    EXPECT_EQ(r.max_tokens, 777);
    EXPECT_EQ(r.temperature, 0.0);
    EXPECT_EQ(r.model, "judge-model");
    const std::string& text = r.messages.back().content;
    EXPECT_NE(text.find("Reflector"), std::string::npos);
    EXPECT_NE(text.find("Reviews the proposed solution"), std::string::npos);
    EXPECT_NE(text.find("<choose>A</choose>"), std::string::npos);
  }
  run(judge, input(Comparison::intermediate));
  EXPECT_EQ(fx.factory->seen.back().max_tokens, 55);
}

TEST(Judge, ClientErrorsAreReportedOnce) {
  Fixture fx;
  fx.factory->script = [](const Request&) -> Reply { throw llm::Error(llm::ErrorKind::bad_reply, "judge is down"); };
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::fixed));
  EXPECT_THROW(run(judge, input()), llm::Error);

  // In both mode only the second call fails: still one callback, carrying the error.
  fx.factory->script = [](const Request& r) -> Reply {
    if (!candidate_shown_as_a(r)) throw llm::Error(llm::ErrorKind::timeout, "slow judge");
    return reply("A");
  };
  Judge both(*fx.client, data::TaskType::math, with_order(JudgeOrder::both));
  try {
    run(both, input());
    FAIL() << "expected an error";
  } catch (const llm::Error& e) {
    EXPECT_EQ(e.kind(), llm::ErrorKind::timeout);
  }
}

TEST(Judge, UnknownRoleFailsThroughTheCallback) {
  // A client with no `judge` role: the error arrives through `done`, never as a throw.
  maspo::testing::TempDir dir("maspo-judge-norole");
  llm::ClientOptions o;
  llm::RoleConfig agents;
  agents.backend = "scripted";
  o.roles["agents"] = agents;
  o.cache = {llm::CacheMode::off, (dir.path() / "c.sqlite").string()};
  o.factory = std::make_shared<ScriptFactory>();
  llm::Client client(o);
  Judge judge(client, data::TaskType::math, Settings{});
  EXPECT_THROW(run(judge, input()), llm::Error);
}

// A backend that holds every request until the test releases it, from another thread.
class HeldBackend : public llm::Backend {
 public:
  void submit(Request request, llm::Completion done) override {
    std::lock_guard lock(mu_);
    held_.emplace_back(std::move(request), std::move(done));
  }
  std::string describe() const override { return "held (test)"; }
  std::size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  void release(std::string text) {
    std::vector<std::pair<Request, llm::Completion>> out;
    {
      std::lock_guard lock(mu_);
      out.swap(held_);
    }
    for (auto& [r, done] : out) done(reply(text), nullptr);
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<Request, llm::Completion>> held_;
};

class HeldFactory : public llm::BackendFactory {
 public:
  std::shared_ptr<llm::Backend> make(const std::string&, const llm::RoleConfig&) override { return backend; }
  std::shared_ptr<HeldBackend> backend = std::make_shared<HeldBackend>();
};

TEST(Judge, CompareDoesNotBlock) {
  maspo::testing::TempDir dir("maspo-judge-held");
  auto factory = std::make_shared<HeldFactory>();
  llm::ClientOptions o;
  llm::RoleConfig judge_role;
  judge_role.backend = "scripted";
  o.roles["judge"] = judge_role;
  o.cache = {llm::CacheMode::off, (dir.path() / "c.sqlite").string()};
  o.factory = factory;
  llm::Client client(o);
  Judge judge(client, data::TaskType::math, with_order(JudgeOrder::both));

  std::promise<Verdict> p;
  auto f = p.get_future();
  std::atomic<int> calls{0};
  judge.compare(input(), 0, [&](Verdict v, std::exception_ptr) {
    ++calls;
    p.set_value(std::move(v));
  });
  // compare returned with both calls still in flight.
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(factory->backend->held(), 2u);
  std::thread releaser([&] { factory->backend->release("A"); });
  Verdict v = f.get();
  releaser.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(v.score, 0.5);  // "A" both times: position bias, a tie
}

TEST(Judge, ManyConcurrentComparisons) {
  Fixture fx;
  Judge judge(*fx.client, data::TaskType::math, with_order(JudgeOrder::both));
  std::vector<std::future<Verdict>> futures;
  std::vector<std::shared_ptr<std::promise<Verdict>>> promises;
  for (int i = 0; i < 64; ++i) {
    auto p = std::make_shared<std::promise<Verdict>>();
    futures.push_back(p->get_future());
    judge.compare(input(), static_cast<std::uint64_t>(i), [p](Verdict v, std::exception_ptr) { p->set_value(std::move(v)); });
    promises.push_back(p);
  }
  for (auto& f : futures) EXPECT_EQ(f.get().score, 1.0);
}

}  // namespace
}  // namespace maspo::opt
