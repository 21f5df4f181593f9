// llm::Client through a scripted test double: cache hits and keys, cache modes, role extras,
// secrets kept out of the canonical form, budgets, usage lines, errors and shutdown.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "llm/cache.hpp"
#include "llm/scripted_backend.hpp"
#include "maspo/llm.hpp"
#include "maspo/util.hpp"
#include "support/temp_dir.hpp"

namespace maspo::llm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct TempDir : maspo::testing::TempDir {
  TempDir() : maspo::testing::TempDir("maspo-client-test") {}
};

// Every role gets a ScriptedBackend around `script`; the factory counts the calls and keeps the
// requests as the backend saw them.
class CountingFactory : public BackendFactory {
 public:
  explicit CountingFactory(ScriptedBackend::Script script) : script_(std::move(script)) {}

  std::shared_ptr<Backend> make(const std::string&, const RoleConfig&) override {
    return std::make_shared<ScriptedBackend>([this](const Request& r) {
      {
        std::lock_guard lock(mu_);
        seen_.push_back(r);
      }
      ++calls;
      return script_(r);
    });
  }
  std::vector<Request> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

  std::atomic<int> calls{0};

 private:
  ScriptedBackend::Script script_;
  mutable std::mutex mu_;
  std::vector<Request> seen_;
};

// Replies "echo: <last user message>" with fixed usage, so token and dollar sums are exact.
Reply echo(const Request& r) {
  Reply reply;
  reply.text = "echo: " + r.messages.back().content;
  reply.usage = {10, 10};
  return reply;
}

Request ask(const std::string& content) {
  Request r;
  r.messages = {{"system", "You are terse."}, {"user", content}};
  return r;
}

// $1 per prompt token, $2 per completion token: dollar amounts are small exact integers.
constexpr Price kPrice{1'000'000.0, 2'000'000.0};

ClientOptions options(const std::shared_ptr<BackendFactory>& factory, const std::string& cache_path,
                      CacheMode mode = CacheMode::read_write) {
  ClientOptions o;
  RoleConfig agents;
  agents.backend = "scripted";
  agents.model = "m-agents";
  agents.price = kPrice;
  o.roles["agents"] = agents;
  RoleConfig judge = agents;
  judge.model = "m-judge";
  judge.price = Price{0.0, 1'000'000.0};
  o.roles["judge"] = judge;
  o.cache = {mode, cache_path};
  o.factory = factory;
  return o;
}

std::optional<UsageLine> find_line(const std::vector<UsageLine>& lines, const std::string& role,
                                   const std::string& model) {
  for (const auto& l : lines) {
    if (l.role == role && l.model == model) return l;
  }
  return std::nullopt;
}

template <typename E>
E expect_failure(std::future<Reply> f) {
  try {
    f.get();
  } catch (const E& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception: " << e.what();
    throw;
  }
  ADD_FAILURE() << "expected an exception";
  throw std::runtime_error("no exception");
}

TEST(Client, SecondIdenticalRequestIsACacheHit) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, dir.file("c.sqlite")));
  Reply first = c.complete("agents", ask("2+2?"));
  Reply second = c.complete("agents", ask("2+2?"));
  EXPECT_FALSE(first.cached);
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(second.text, "echo: 2+2?");
  EXPECT_EQ(second.usage, first.usage);
  EXPECT_DOUBLE_EQ(second.latency_s, first.latency_s);  // the recorded latency, not the lookup's
  EXPECT_EQ(second.model, "m-agents");
  EXPECT_EQ(factory->calls, 1);
  auto lines = c.usage();
  const auto l = find_line(lines, "agents", "m-agents");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->calls, 1);
  EXPECT_EQ(l->cached_calls, 1);
  EXPECT_EQ(l->usage, (Usage{10, 10}));
  EXPECT_EQ(l->cached_usage, (Usage{10, 10}));
  EXPECT_DOUBLE_EQ(l->dollars, 30.0);
}

TEST(Client, SampleIndexSplitsTheCacheOnlyAboveTemperatureZero) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, dir.file("c.sqlite")));
  Request a = ask("q");
  Request b = a;
  b.sample_index = 1;
  EXPECT_EQ(c.cache_key("agents", a), c.cache_key("agents", b));
  c.complete("agents", a);
  EXPECT_TRUE(c.complete("agents", b).cached);
  EXPECT_EQ(factory->calls, 1);

  a.temperature = b.temperature = 0.7;
  EXPECT_NE(c.cache_key("agents", a), c.cache_key("agents", b));
  EXPECT_FALSE(c.complete("agents", a).cached);
  EXPECT_FALSE(c.complete("agents", b).cached);
  EXPECT_TRUE(c.complete("agents", b).cached);
  EXPECT_EQ(factory->calls, 3);
}

TEST(Client, ReplayModeServesHitsAndRefusesMissesWithoutCallingTheBackend) {
  TempDir dir;
  auto path = dir.file("c.sqlite");
  {
    auto recorder = std::make_shared<CountingFactory>(echo);
    Client c(options(recorder, path));
    c.complete("agents", ask("recorded"));
  }
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, path, CacheMode::replay));
  Reply hit = c.complete("agents", ask("recorded"));
  EXPECT_TRUE(hit.cached);
  EXPECT_EQ(hit.text, "echo: recorded");
  auto miss = expect_failure<Error>(c.submit("agents", ask("never asked")));
  EXPECT_EQ(miss.kind(), ErrorKind::cache_miss);
  EXPECT_NE(std::string(miss.what()).find(path), std::string::npos) << miss.what();
  EXPECT_EQ(factory->calls, 0);
}

TEST(Client, OffModeCallsTheBackendEveryTime) {
  TempDir dir;
  auto path = dir.file("c.sqlite");
  auto factory = std::make_shared<CountingFactory>(echo);
  {
    Client c(options(factory, path, CacheMode::off));
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(c.complete("agents", ask("same")).cached);
    const auto l = find_line(c.usage(), "agents", "m-agents");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->calls, 3);
    EXPECT_EQ(l->cached_calls, 0);
  }
  EXPECT_EQ(factory->calls, 3);
  EXPECT_FALSE(fs::exists(path));
}

TEST(Client, RoleExtrasMergeUnderTheRequestsAndChangeTheKey) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  auto o = options(factory, dir.file("c.sqlite"));
  o.roles["agents"].extra = {{"top_k", 40}, {"x", 1}};
  Client c(o);
  Request r = ask("q");
  r.extra = {{"x", 2}, {"min_p", 0.1}};
  c.complete("agents", r);
  ASSERT_EQ(factory->seen().size(), 1u);
  const Request sent = factory->seen()[0];
  EXPECT_EQ(sent.extra, (json{{"top_k", 40}, {"x", 2}, {"min_p", 0.1}}));
  EXPECT_EQ(sent.model, "m-agents");  // the role's model filled in
  EXPECT_EQ(c.canonical("agents", r)["extra"], sent.extra);

  auto plain = options(factory, dir.file("other.sqlite"));
  Client without_extras(plain);
  EXPECT_NE(c.cache_key("agents", r), without_extras.cache_key("agents", r));
  o.roles["agents"].extra["top_k"] = 41;
  o.cache.path = dir.file("third.sqlite");
  Client other_value(o);
  EXPECT_NE(c.cache_key("agents", r), other_value.cache_key("agents", r));
}

TEST(Client, CanonicalFormAndCacheFileHoldNoEndpointOrKey) {
  TempDir dir;
  ::setenv("MASPO_TEST_LLM_KEY", "sk-very-secret-value", 1);
  auto factory = std::make_shared<CountingFactory>(echo);
  auto o = options(factory, dir.file("c.sqlite"));
  RoleConfig& cfg = o.roles["agents"];
  cfg.backend = "openai";  // the factory ignores it: no server is contacted
  cfg.endpoints = {{"http://10.9.8.7:8000/v1"}, {"https://api.example.test/v1"}};
  cfg.api_key_env = "MASPO_TEST_LLM_KEY";
  {
    Client c(o);
    std::string text = c.canonical("agents", ask("q")).dump();
    for (const char* forbidden : {"10.9.8.7", "api.example.test", "MASPO_TEST_LLM_KEY", "sk-very-secret", "api_key",
                                  "base_url"}) {
      EXPECT_EQ(text.find(forbidden), std::string::npos) << forbidden << " in " << text;
    }
    c.complete("agents", ask("q"));
  }
  ::unsetenv("MASPO_TEST_LLM_KEY");
  std::string file = read_file(dir.file("c.sqlite"));
  EXPECT_NE(file.find("echo: q"), std::string::npos);  // the reply is there...
  EXPECT_EQ(file.find("10.9.8.7"), std::string::npos);  // ...the endpoint and key are not
  EXPECT_EQ(file.find("sk-very-secret"), std::string::npos);
}

// Three requests of the same size: the first two fit the budget, the third would pass it.
void expect_third_refused(Budget budget, const std::string& limit) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  auto o = options(factory, dir.file("c.sqlite"));
  o.budgets["agents"] = budget;
  Client c(o);
  // Meter's prompt estimate for these: (14 + 16 + 10 + 16) / 4 = 14 tokens.
  auto q = [](int i) {
    Request r = ask("question " + std::to_string(i));
    r.max_tokens = 10;
    return r;
  };
  c.complete("agents", q(1));
  c.complete("agents", q(2));
  auto e = expect_failure<BudgetExceeded>(c.submit("agents", q(3)));
  EXPECT_EQ(e.kind(), ErrorKind::budget_exceeded);
  EXPECT_EQ(e.role(), "agents");
  EXPECT_EQ(e.limit(), limit);
  EXPECT_EQ(factory->calls, 2);
  const auto l = find_line(c.usage(), "agents", "m-agents");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->calls, 2);
  EXPECT_EQ(l->failed_calls, 0);
  EXPECT_EQ(l->usage, (Usage{20, 20}));
  EXPECT_DOUBLE_EQ(l->dollars, 60.0);
  // Cache hits are free: the first two can be asked again past the limit.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(c.complete("agents", q(1 + i % 2)).cached);
  EXPECT_EQ(factory->calls, 2);
  // And the refusal is stable: nothing was reserved by it.
  EXPECT_THROW(c.complete("agents", q(3)), BudgetExceeded);
  // Other roles have their own budgets (none here).
  EXPECT_NO_THROW(c.complete("judge", q(3)));
}

TEST(Client, CallsBudgetRefusesTheRequestThatWouldPassIt) { expect_third_refused(Budget{2, {}, {}}, "calls"); }

TEST(Client, TokensBudgetRefusesTheRequestThatWouldPassIt) {
  // Reservation per request: 14 estimated prompt + 10 max = 24; spent 20 per call.
  // After two calls: 40 spent, 40 + 24 = 64 > 60.
  expect_third_refused(Budget{{}, 60, {}}, "tokens");
}

TEST(Client, DollarsBudgetRefusesTheRequestThatWouldPassIt) {
  // Reservation: 14 * $1 + 10 * $2 = $34; spent $30 per call. After two: $60 + $34 > $90.
  expect_third_refused(Budget{{}, {}, 90.0}, "dollars");
}

TEST(Client, UsageLinesPerRoleAndModel) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>([](const Request& r) {
    if (r.messages.back().content == "fail") throw Error(ErrorKind::http_status, "server said no", 400);
    Reply reply;
    reply.text = "ok";
    reply.usage = {7, 3};
    return reply;
  });
  Client c(options(factory, dir.file("c.sqlite")));
  c.complete("agents", ask("a"));
  c.complete("agents", ask("a"));  // hit
  c.complete("agents", ask("b"));
  Request other_model = ask("a");
  other_model.model = "m-big";
  c.complete("agents", other_model);
  EXPECT_THROW(c.complete("agents", ask("fail")), Error);
  c.complete("judge", ask("a"));

  auto lines = c.usage();
  EXPECT_EQ(lines.size(), 3u);
  const auto agents = find_line(lines, "agents", "m-agents");
  const auto big = find_line(lines, "agents", "m-big");
  const auto judge = find_line(lines, "judge", "m-judge");
  ASSERT_TRUE(agents && big && judge);
  EXPECT_EQ(agents->calls, 2);
  EXPECT_EQ(agents->cached_calls, 1);
  EXPECT_EQ(agents->failed_calls, 1);
  EXPECT_EQ(agents->usage, (Usage{14, 6}));
  EXPECT_EQ(agents->cached_usage, (Usage{7, 3}));
  EXPECT_DOUBLE_EQ(agents->dollars, 2 * (7 * 1.0 + 3 * 2.0));
  EXPECT_EQ(big->calls, 1);
  EXPECT_DOUBLE_EQ(big->dollars, 13.0);
  EXPECT_EQ(judge->calls, 1);
  EXPECT_EQ(judge->cached_calls, 0);  // the judge's "a" has another key than the agents' "a"
  EXPECT_DOUBLE_EQ(judge->dollars, 3.0);  // completion tokens only at the judge's price
}

TEST(Client, UnknownRoleIsAConfigErrorNamingTheRoleAndTheConfiguredOnes) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, dir.file("c.sqlite")));
  EXPECT_FALSE(c.has_role("optimizer"));
  EXPECT_TRUE(c.has_role("judge"));
  auto e = expect_failure<Error>(c.submit("optimizer", ask("q")));
  EXPECT_EQ(e.kind(), ErrorKind::config);
  std::string what = e.what();
  for (const char* name : {"optimizer", "agents", "judge"}) EXPECT_NE(what.find(name), std::string::npos) << what;
  EXPECT_THROW(c.role_config("optimizer"), Error);
  EXPECT_EQ(factory->calls, 0);
}

TEST(Client, AFailingBackendFailsThatRequestOnlyAndIsNotCached) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>([](const Request& r) -> Reply {
    if (r.messages.back().content == "fail") throw Error(ErrorKind::transport, "connection reset by peer");
    return echo(r);
  });
  auto o = options(factory, dir.file("c.sqlite"));
  o.budgets["agents"] = Budget{3, {}, {}};
  Client c(o);
  for (int i = 0; i < 2; ++i) {
    auto e = expect_failure<Error>(c.submit("agents", ask("fail")));
    EXPECT_EQ(e.kind(), ErrorKind::transport);
    EXPECT_STREQ(e.what(), "connection reset by peer");
  }
  EXPECT_EQ(factory->calls, 2);  // a failure is never cached
  EXPECT_EQ(c.complete("agents", ask("fine")).text, "echo: fine");
  const auto l = find_line(c.usage(), "agents", "m-agents");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->failed_calls, 2);
  EXPECT_EQ(l->calls, 1);
  EXPECT_EQ(l->usage, (Usage{10, 10}));
  // The endpoint was asked three times: a calls budget of 3 is used up.
  EXPECT_THROW(c.complete("agents", ask("more")), BudgetExceeded);
}

TEST(Client, ACallbackThatThrowsOnACacheHitIsCalledOnce) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, dir.file("c.sqlite")));
  c.complete("agents", ask("q"));
  int called = 0;
  auto throwing = [&](Reply, std::exception_ptr) {
    ++called;
    throw std::runtime_error("caller bug");
  };
  EXPECT_THROW(c.submit("agents", ask("q"), throwing), std::runtime_error);
  EXPECT_EQ(called, 1);
}

// Answers on its own thread after a delay, like a real backend.
class SlowBackend : public Backend {
 public:
  explicit SlowBackend(std::chrono::milliseconds delay) : delay_(delay) {}
  ~SlowBackend() override {
    for (auto& t : threads_) t.join();
  }
  void submit(Request request, Completion done) override {
    threads_.emplace_back([this, request = std::move(request), done = std::move(done)]() mutable {
      std::this_thread::sleep_for(delay_);
      done(echo(request), nullptr);
    });
  }
  std::string describe() const override { return "slow test backend"; }

 private:
  std::chrono::milliseconds delay_;
  std::vector<std::thread> threads_;
};

class SlowFactory : public BackendFactory {
 public:
  std::shared_ptr<Backend> make(const std::string&, const RoleConfig&) override {
    return std::make_shared<SlowBackend>(150ms);
  }
};

TEST(Client, DestructorWaitsForRequestsInFlightAndStoresTheirReplies) {
  TempDir dir;
  auto path = dir.file("c.sqlite");
  std::atomic<int> delivered{0};
  std::string key;
  auto started = std::chrono::steady_clock::now();
  {
    Client c(options(std::make_shared<SlowFactory>(), path));
    key = c.cache_key("agents", ask("slow"));
    for (int i = 0; i < 3; ++i) {
      c.submit("agents", ask(i == 0 ? "slow" : "slow " + std::to_string(i)), [&](Reply r, std::exception_ptr e) {
        if (!e && r.latency_s >= 0.15) ++delivered;
      });
    }
    EXPECT_EQ(delivered, 0);
  }
  EXPECT_EQ(delivered, 3);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);
  Cache cache({CacheMode::read_write, path});
  auto stored = cache.get(key);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->text, "echo: slow");
  EXPECT_EQ(cache.size(), 3);
}

TEST(Client, DestructorDoesNotHangWhenACallbackThrows) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  auto client = std::make_unique<Client>(options(factory, dir.file("c.sqlite")));
  // The scripted backend answers inside submit(), so the callback's exception comes back here.
  EXPECT_THROW(client->submit("agents", ask("q"), [](Reply, std::exception_ptr) { throw std::runtime_error("bug"); }),
               std::runtime_error);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::thread closer([finished, c = client.release()] {
    delete c;
    *finished = true;
  });
  for (int i = 0; i < 3000 && !*finished; ++i) std::this_thread::sleep_for(10ms);
  if (*finished) {
    closer.join();
  } else {
    closer.detach();  // it would hang forever; leak it rather than the test
    FAIL() << "Client destructor still waiting 30 s after the only request finished";
  }
}

// --- fixes found in review ------------------------------------------------------------------------

TEST(Client, ModelFingerprintSeparatesCacheEntriesOfDifferentUnnamedModels) {
  // Two embedded models with no `model:` name must not share cache entries.
  Request r = ask("2+2?");
  EXPECT_NE(cache_key(canonical_request(r, "llama:a.gguf:100")), cache_key(canonical_request(r, "llama:b.gguf:100")));
  EXPECT_NE(cache_key(canonical_request(r, "llama:a.gguf:100")), cache_key(canonical_request(r)));
  EXPECT_FALSE(canonical_request(r).contains("model_fingerprint"));

  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, dir.file("c.sqlite")));
  // The scripted test double fingerprints itself; the client puts that into the key.
  EXPECT_EQ(c.canonical("agents", r).value("model_fingerprint", ""), "scripted:callback");
}

TEST(Client, InvalidUtf8IsATypedInvalidRequestError) {
  TempDir dir;
  auto factory = std::make_shared<CountingFactory>(echo);
  Client c(options(factory, dir.file("c.sqlite")));
  try {
    c.complete("agents", ask("bad byte: \xff"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_request);
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
  EXPECT_EQ(factory->calls, 0);
}

// A backend whose submit() throws instead of answering.
class ThrowingFactory : public BackendFactory {
 public:
  std::shared_ptr<Backend> make(const std::string&, const RoleConfig&) override {
    struct Throws : Backend {
      void submit(Request, Completion) override { throw std::runtime_error("backend exploded"); }
      std::string describe() const override { return "throws"; }
    };
    return std::make_shared<Throws>();
  }
};

TEST(Client, BackendThatThrowsInSubmitStillAnswersOnceAndReleasesEverything) {
  TempDir dir;
  auto o = options(nullptr, dir.file("c.sqlite"));
  o.factory = std::make_shared<ThrowingFactory>();
  o.budgets["agents"].calls = 1;
  auto client = std::make_unique<Client>(o);
  int answers = 0;
  std::string message;
  client->submit("agents", ask("q"), [&](Reply, std::exception_ptr e) {
    ++answers;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      message = ex.what();
    }
  });
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(message, "backend exploded");
  // The reservation was released and nothing reached a model: the one-call budget is still free.
  EXPECT_THROW(client->complete("agents", ask("again")), std::runtime_error);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::thread closer([finished, c = client.release()] {
    delete c;
    *finished = true;
  });
  for (int i = 0; i < 3000 && !*finished; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(*finished) << "Client destructor hangs after a throwing backend";
  closer.join();
}

}  // namespace
}  // namespace maspo::llm
