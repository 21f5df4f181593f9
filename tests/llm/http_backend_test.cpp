// HttpBackend against the fake OpenAI server: retries, timeouts, limits, endpoints, cancellation.
#include "llm/http_backend.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/fake_openai_server.hpp"

namespace maspo::llm {
namespace {

using testing::FakeOpenAIServer;
using testing::Fault;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = std::chrono::seconds(20);  // per request; every test is far below it

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

RoleConfig config_for(const std::vector<std::string>& urls) {
  RoleConfig c;
  c.backend = "openai";
  c.model = "test-model";
  for (const auto& u : urls) c.endpoints.push_back({u});
  c.max_concurrency = 8;
  c.connect_timeout_s = 2.0;
  c.timeout_s = 5.0;
  c.retry.max_attempts = 5;
  c.retry.base_delay_s = 0.01;
  c.retry.max_delay_s = 0.05;
  c.retry.max_retry_after_s = 5.0;
  c.endpoint_failure_threshold = 3;
  c.endpoint_backoff_s = 10.0;
  return c;
}

Request ask(const std::string& text, int max_tokens = 16) {
  Request r;
  r.messages = {{"system", "be brief"}, {"user", text}};
  r.max_tokens = max_tokens;
  return r;
}

std::future<Reply> submit(HttpBackend& backend, Request request) {
  auto promise = std::make_shared<std::promise<Reply>>();
  auto future = promise->get_future();
  backend.submit(std::move(request), [promise](Reply reply, std::exception_ptr error) {
    if (error) {
      promise->set_exception(error);
    } else {
      promise->set_value(std::move(reply));
    }
  });
  return future;
}

Reply call(HttpBackend& backend, Request request) {
  auto f = submit(backend, std::move(request));
  if (f.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("no completion within the test's wait");
  return f.get();
}

// The Error a request ended with; fails the test if it succeeded.
Error call_error(HttpBackend& backend, Request request) {
  try {
    Reply r = call(backend, std::move(request));
    ADD_FAILURE() << "expected an error, got reply: " << r.text;
  } catch (const Error& e) {
    return e;
  }
  return Error(ErrorKind::internal, "no error");
}

// Counts completions and wakes a waiter when all expected have arrived.
class Tally {
 public:
  explicit Tally(int expected) : expected_(expected) {}
  void add() {
    std::lock_guard lock(mu_);
    ++done_;
    if (done_ >= expected_) cv_.notify_all();
  }
  bool wait() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return done_ >= expected_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int expected_;
  int done_ = 0;
};

// A port on 127.0.0.1 that nothing listens on: bound, then closed, so connects are refused.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// ---------------------------------------------------------------------------------------------

TEST(HttpBackend, EchoRoundTripSendsTheWireBody) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  Reply r = call(backend, ask("hello there"));
  EXPECT_EQ(r.text, "echo: hello there");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_FALSE(r.cached);
  EXPECT_GT(r.latency_s, 0.0);
  EXPECT_GT(r.usage.total(), 0);
  ASSERT_EQ(server.requests(), 1);
  const json body = server.bodies().at(0);
  EXPECT_EQ(body.at("model"), "test-model");  // the role's model fills an empty request model
  EXPECT_EQ(body.at("max_tokens"), 16);
  EXPECT_EQ(body.at("messages").at(1).at("content"), "hello there");
  // No api_key_env: no Authorization header at all.
  EXPECT_EQ(server.authorization_headers().at(0), "");
}

TEST(HttpBackend, RetriesThrough500And503Bursts) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::status_500, 2);
  Reply r = call(backend, ask("a"));
  EXPECT_EQ(r.text, "echo: a");
  EXPECT_EQ(r.attempts, 3);
  server.push_fault(Fault::status_503, 3);
  r = call(backend, ask("b"));
  EXPECT_EQ(r.text, "echo: b");
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(server.requests(), 7);
}

TEST(HttpBackend, RetriesThrough429Burst) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::status_429, 3, 0.0);
  Reply r = call(backend, ask("c"));
  EXPECT_EQ(r.text, "echo: c");
  EXPECT_EQ(r.attempts, 4);
}

TEST(HttpBackend, RetriesADroppedConnectionAndACutOffBody) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::drop_connection, 1);
  Reply r = call(backend, ask("d"));
  EXPECT_EQ(r.text, "echo: d");
  EXPECT_GE(r.attempts, 2);
  server.push_fault(Fault::cut_off_body, 1);
  r = call(backend, ask("e"));
  EXPECT_EQ(r.text, "echo: e");
  EXPECT_EQ(r.attempts, 2);
}

TEST(HttpBackend, SlowDripBodyIsReadWhole) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::slow_drip, 1);
  Reply r = call(backend, ask("drip"));
  EXPECT_EQ(r.text, "echo: drip");
  EXPECT_EQ(r.attempts, 1);
}

TEST(HttpBackend, HonoursRetryAfter) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::status_429, 1, 0.7);
  const auto start = Clock::now();
  Reply r = call(backend, ask("f"));
  const double waited = seconds_since(start);
  EXPECT_EQ(r.attempts, 2);
  // Our own backoff is at most 0.05 s here: only the header can explain the wait.
  EXPECT_GE(waited, 0.7);
  EXPECT_GE(r.latency_s, 0.7);
  EXPECT_LT(waited, 5.0);
}

TEST(HttpBackend, CapsRetryAfterAtPolicyMaximum) {
  FakeOpenAIServer server;
  RoleConfig c = config_for({server.base_url()});
  c.retry.max_retry_after_s = 0.2;
  HttpBackend backend("agents", c);
  server.push_fault(Fault::status_429, 1, 60.0);
  const auto start = Clock::now();
  Reply r = call(backend, ask("g"));
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(seconds_since(start), 0.2);
  EXPECT_LT(seconds_since(start), 20.0);  // far below the 60 s asked for, even on a loaded machine
}

TEST(HttpBackend, HangEndsInTimeoutAfterRetriesAreExhausted) {
  FakeOpenAIServer::Options o;
  o.hang_s = 30.0;
  FakeOpenAIServer server(o);
  RoleConfig c = config_for({server.base_url()});
  c.timeout_s = 0.2;
  c.retry.max_attempts = 2;
  HttpBackend backend("agents", c);
  server.push_fault(Fault::hang, 2);
  const auto start = Clock::now();
  Error e = call_error(backend, ask("h"));
  const double took = seconds_since(start);
  EXPECT_EQ(e.kind(), ErrorKind::timeout) << e.what();
  EXPECT_TRUE(e.transient());
  EXPECT_NE(std::string(e.what()).find("after 2 attempts"), std::string::npos) << e.what();
  EXPECT_EQ(server.requests(), 2);
  EXPECT_GE(took, 0.4);
  EXPECT_LT(took, 15.0);  // two hangs would take 60 s
}

TEST(HttpBackend, ExhaustedRetriesReportTheLastStatus) {
  FakeOpenAIServer server;
  RoleConfig c = config_for({server.base_url()});
  c.retry.max_attempts = 3;
  HttpBackend backend("agents", c);
  server.push_fault(Fault::status_500, 10);
  Error e = call_error(backend, ask("i"));
  EXPECT_EQ(e.kind(), ErrorKind::http_status);
  EXPECT_EQ(e.http_status(), 500);
  EXPECT_NE(std::string(e.what()).find("500: Internal server error (injected fault)"), std::string::npos) << e.what();
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpBackend, ClientErrorsAreNotRetriedAndCarryTheServerMessage) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::status_400, 1);
  Error e = call_error(backend, ask("j"));
  EXPECT_EQ(e.kind(), ErrorKind::http_status);
  EXPECT_EQ(e.http_status(), 400);
  EXPECT_FALSE(e.transient());
  EXPECT_EQ(std::string(e.what()), "400: Invalid request (injected fault)");
  EXPECT_EQ(server.requests(), 1);

  server.push_fault(Fault::status_401, 1);
  e = call_error(backend, ask("k"));
  EXPECT_EQ(e.http_status(), 401);
  EXPECT_EQ(std::string(e.what()), "401: Incorrect API key provided (injected fault)");
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpBackend, AnInvalidJsonBodyIsRetriedLikeACutConnection) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  server.push_fault(Fault::malformed_json, 2);
  EXPECT_EQ(call(backend, ask("m")).text, "echo: m");
  EXPECT_EQ(server.requests(), 3);
  RoleConfig once = config_for({server.base_url()});
  once.retry.max_attempts = 1;
  HttpBackend no_retry("agents", once);
  server.push_fault(Fault::malformed_json, 1);
  Error e = call_error(no_retry, ask("n"));
  EXPECT_EQ(e.kind(), ErrorKind::transport) << e.what();
  EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
}

TEST(HttpBackend, WellFormedButUnusableTwoHundredsAreBadReplyAndNotRetried) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  const std::vector<std::pair<Fault, std::string>> cases = {
      {Fault::empty_choices, "`choices` is empty"},
      {Fault::null_content, "content is null"},
  };
  int expected_requests = 0;
  for (const auto& [fault, words] : cases) {
    server.push_fault(fault, 1);
    Error e = call_error(backend, ask("m"));
    ++expected_requests;
    EXPECT_EQ(e.kind(), ErrorKind::bad_reply) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    EXPECT_EQ(server.requests(), expected_requests);
  }
  // The backend is still fine afterwards.
  EXPECT_EQ(call(backend, ask("after")).text, "echo: after");
}

TEST(HttpBackend, SixtyFourWayConcurrencyAnswersEachRequestExactlyOnce) {
  FakeOpenAIServer server;
  RoleConfig c = config_for({server.base_url()});
  c.max_concurrency = 64;
  HttpBackend backend("agents", c);
  constexpr int kN = 500;
  std::vector<std::atomic<int>> calls(kN);
  std::vector<std::string> texts(kN);
  std::atomic<int> errors{0};
  Tally tally(kN);
  for (int i = 0; i < kN; ++i) {
    backend.submit(ask("q" + std::to_string(i)), [&, i](Reply r, std::exception_ptr err) {
      if (err) ++errors;
      texts[static_cast<std::size_t>(i)] = std::move(r.text);
      calls[static_cast<std::size_t>(i)].fetch_add(1);
      tally.add();
    });
  }
  ASSERT_TRUE(tally.wait());
  EXPECT_EQ(errors.load(), 0);
  for (int i = 0; i < kN; ++i) {
    const auto k = static_cast<std::size_t>(i);
    EXPECT_EQ(calls[k].load(), 1) << "request " << i;
    EXPECT_EQ(texts[k], "echo: q" + std::to_string(i));
  }
  // Every attempt is counted; any beyond one per request were failures (a lost SYN under load
  // can hit the connect timeout), each retried.
  const auto s = backend.stats().at(0);
  EXPECT_EQ(s.requests, kN + s.failures);
  EXPECT_GE(server.requests(), kN);
  EXPECT_LE(server.requests(), s.requests);
}

// Responder that records how many requests the server handles at once.
struct ConcurrencyProbe {
  std::atomic<int> now{0};
  std::atomic<int> max{0};
  std::string operator()(const Request& r, double hold_s) {
    const int n = ++now;
    int seen = max.load();
    while (n > seen && !max.compare_exchange_weak(seen, n)) {
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(hold_s));
    --now;
    return "ok " + r.messages.back().content;
  }
};

TEST(HttpBackend, RespectsMaxConcurrencyPerEndpoint) {
  FakeOpenAIServer server;
  auto probe = std::make_shared<ConcurrencyProbe>();
  server.set_responder([probe](const Request& r) { return (*probe)(r, 0.05); });
  RoleConfig c = config_for({server.base_url()});
  c.max_concurrency = 3;
  HttpBackend backend("agents", c);
  std::vector<std::future<Reply>> futures;
  for (int i = 0; i < 15; ++i) futures.push_back(submit(backend, ask("p" + std::to_string(i))));
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(futures[static_cast<std::size_t>(i)].wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(futures[static_cast<std::size_t>(i)].get().text, "ok p" + std::to_string(i));
  }
  EXPECT_EQ(probe->max.load(), 3);
}

TEST(HttpBackend, QueuedRequestsGoOutInSubmissionOrder) {
  FakeOpenAIServer server;
  RoleConfig c = config_for({server.base_url()});
  c.max_concurrency = 1;
  HttpBackend backend("agents", c);
  std::vector<std::future<Reply>> futures;
  for (int i = 0; i < 12; ++i) futures.push_back(submit(backend, ask("o" + std::to_string(i))));
  for (auto& f : futures) ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  const auto bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(bodies[static_cast<std::size_t>(i)].at("messages").at(1).at("content"), "o" + std::to_string(i));
  }
}

double run_batch(HttpBackend& backend, int n, int max_tokens) {
  const auto start = Clock::now();
  std::vector<std::future<Reply>> futures;
  for (int i = 0; i < n; ++i) futures.push_back(submit(backend, ask("r" + std::to_string(i), max_tokens)));
  for (auto& f : futures) {
    EXPECT_EQ(f.wait_for(kWait), std::future_status::ready);
    f.get();  // rethrows: a limited request must wait, never fail
  }
  return seconds_since(start);
}

// Two connections at most in the rate tests: the fake server's listen backlog is small, and a
// lost SYN costs a 1 s retransmit that would blur the timings below.
RoleConfig rate_config(const FakeOpenAIServer& server) {
  RoleConfig c = config_for({server.base_url()});
  c.max_concurrency = 2;
  return c;
}

TEST(HttpBackend, RequestsPerMinuteSlowRequestsDown) {
  FakeOpenAIServer server;
  RoleConfig c = rate_config(server);
  c.requests_per_minute = 600;  // 10/s, a burst of 10
  HttpBackend limited("agents", c);
  // 10 go at once, the other 15 at 10/s: about 1.5 s.
  const double took = run_batch(limited, 25, 16);
  EXPECT_GE(took, 1.3);
  EXPECT_LT(took, 6.0);
  // Without the limit the same batch is not held to the rate (compared with the limited run, so a
  // loaded machine slows both).
  HttpBackend unlimited("agents", rate_config(server));
  EXPECT_LT(run_batch(unlimited, 25, 16), 0.6 * took);
}

TEST(HttpBackend, TokensPerMinuteSlowRequestsDown) {
  FakeOpenAIServer server;
  // 50 words of reply: the fake server counts one token per word, so each request costs ~51.
  std::string words;
  for (int i = 0; i < 50; ++i) words += "w ";
  server.set_responder([words](const Request&) { return words; });
  RoleConfig c = rate_config(server);
  c.tokens_per_minute = 12000;  // 200/s, a burst of 200
  HttpBackend limited("agents", c);
  // 10 x ~51 tokens = ~510: 200 at once, the rest at 200/s, about 1.5 s.
  const double took = run_batch(limited, 10, 50);
  EXPECT_GE(took, 1.0);
  EXPECT_LT(took, 6.0);
  HttpBackend unlimited("agents", rate_config(server));
  EXPECT_LT(run_batch(unlimited, 10, 50), 0.6 * took);
}

TEST(HttpBackend, DeadEndpointIsBackedOffWhileTheOtherCarriesOn) {
  FakeOpenAIServer server;
  const std::string dead = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  RoleConfig c = config_for({dead, server.base_url()});
  c.max_concurrency = 4;
  c.endpoint_failure_threshold = 2;
  c.endpoint_backoff_s = 30.0;
  HttpBackend backend("agents", c);
  EXPECT_LT(run_batch(backend, 40, 8), 10.0);
  auto s = backend.stats();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].base_url, dead);
  EXPECT_TRUE(s[0].backed_off);
  EXPECT_FALSE(s[1].backed_off);
  EXPECT_GE(s[0].failures, 2);
  EXPECT_EQ(s[0].failures, s[0].requests);
  EXPECT_EQ(s[1].failures, 0);
  EXPECT_EQ(server.requests(), 40);
  // While it is backed off, the dead endpoint gets nothing more.
  const std::int64_t dead_before = s[0].requests;
  run_batch(backend, 20, 8);
  s = backend.stats();
  EXPECT_EQ(s[0].requests, dead_before);
  EXPECT_EQ(server.requests(), 60);
}

TEST(HttpBackend, AllEndpointsBackedOffStillUsesOne) {
  FakeOpenAIServer server;
  RoleConfig c = config_for({server.base_url()});
  c.endpoint_failure_threshold = 1;
  c.endpoint_backoff_s = 30.0;
  HttpBackend backend("agents", c);
  server.push_fault(Fault::status_503, 1);
  // The only endpoint is backed off after one failure, yet the retry goes to it rather than failing.
  Reply r = call(backend, ask("only"));
  EXPECT_EQ(r.attempts, 2);
  EXPECT_FALSE(backend.stats().at(0).backed_off);  // its success cleared the backoff
}

TEST(HttpBackend, SendsBearerKeyFromTheEnvironment) {
  FakeOpenAIServer server;
  ASSERT_EQ(::setenv("MASPO_HTTP_TEST_KEY", "sk-test-123", 1), 0);
  RoleConfig c = config_for({server.base_url()});
  c.api_key_env = "MASPO_HTTP_TEST_KEY";
  HttpBackend backend("agents", c);
  // Read once at construction: later changes to the environment do not matter.
  ASSERT_EQ(::setenv("MASPO_HTTP_TEST_KEY", "sk-changed", 1), 0);
  call(backend, ask("k"));
  EXPECT_EQ(server.authorization_headers().at(0), "Bearer sk-test-123");
  EXPECT_EQ(backend.describe().find("sk-"), std::string::npos);
  ::unsetenv("MASPO_HTTP_TEST_KEY");
}

TEST(HttpBackend, MissingKeyVariableIsAConfigErrorNamingIt) {
  ::unsetenv("MASPO_HTTP_TEST_MISSING_KEY");
  RoleConfig c = config_for({"http://127.0.0.1:9/v1"});
  c.api_key_env = "MASPO_HTTP_TEST_MISSING_KEY";
  try {
    HttpBackend backend("judge", c);
    FAIL() << "expected a config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("MASPO_HTTP_TEST_MISSING_KEY"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("judge"), std::string::npos) << e.what();
  }
}

TEST(HttpBackend, MissingKeyErrorNeverEchoesAValueThatIsNotAVariableName) {
  // A user who pasted the key itself into api_key_env must not see it in a terminal or CI log.
  const std::string pasted = "d41d8cd98f00b204e9800998ecf8427e";
  ::unsetenv(pasted.c_str());
  RoleConfig c = config_for({"http://127.0.0.1:9/v1"});
  c.api_key_env = pasted;
  try {
    HttpBackend backend("agents", c);
    FAIL() << "expected a config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_EQ(std::string(e.what()).find(pasted), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("api_key_env"), std::string::npos) << e.what();
  }
}

TEST(HttpBackend, NoEndpointIsAConfigError) {
  RoleConfig c = config_for({});
  try {
    HttpBackend backend("agents", c);
    FAIL() << "expected a config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
  }
}

TEST(HttpBackend, CompletionMaySubmitAgain) {
  FakeOpenAIServer server;
  HttpBackend backend("agents", config_for({server.base_url()}));
  std::promise<std::string> second;
  backend.submit(ask("first"), [&](Reply r, std::exception_ptr err) {
    if (err || r.text != "echo: first") {
      second.set_value("first failed");
      return;
    }
    backend.submit(ask("second"), [&](Reply r2, std::exception_ptr err2) { second.set_value(err2 ? "error" : r2.text); });
  });
  auto f = second.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get(), "echo: second");
}

TEST(HttpBackend, DestructionCancelsRequestsInFlightPromptly) {
  FakeOpenAIServer::Options o;
  o.hang_s = 5.0;
  FakeOpenAIServer server(o);
  RoleConfig c = config_for({server.base_url()});
  c.max_concurrency = 2;  // 2 in flight, 3 queued
  c.timeout_s = 30.0;
  server.push_fault(Fault::hang, 5);
  std::vector<std::future<Reply>> futures;
  auto backend = std::make_unique<HttpBackend>("agents", c);
  for (int i = 0; i < 5; ++i) futures.push_back(submit(*backend, ask("z" + std::to_string(i))));
  for (int i = 0; i < 2000 && server.requests() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server.requests(), 2);
  const auto start = Clock::now();
  backend.reset();
  EXPECT_LT(seconds_since(start), 10.0);  // the requests would hang for 30 s
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    try {
      f.get();
      ADD_FAILURE() << "a cancelled request succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::cancelled);
    }
  }
}

}  // namespace
}  // namespace maspo::llm
