// The OpenAI-compatible server and the fake test server, over real HTTP on loopback: good and bad
// requests, backend errors, every injected fault as the client sees it on the wire, concurrency,
// and prompt shutdown with requests hanging or connections idle.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "llm/openai_wire.hpp"
#include "llm/scripted_backend.hpp"
#include "maspo/serve.hpp"
#include "support/fake_openai_server.hpp"

namespace maspo {
namespace {

using llm::json;
using testing::Fault;
using testing::FakeOpenAIServer;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string chat_json(const std::string& user, const std::string& model = "test-model") {
  return json{{"model", model}, {"messages", {{{"role", "system"}, {"content", "sys"}}, {{"role", "user"}, {"content", user}}}}}
      .dump();
}

std::unique_ptr<httplib::Client> client_for(int port, int timeout_s = 5) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(timeout_s);
  c->set_read_timeout(timeout_s);
  c->set_write_timeout(timeout_s);
  c->set_tcp_nodelay(true);   // httplib's client writes head and body apart; Nagle would add 40 ms
  return c;
}

httplib::Result post_chat(int port, const std::string& body, int timeout_s = 5) {
  return client_for(port, timeout_s)->Post("/v1/chat/completions", body, "application/json");
}

// --- OpenAIServer over a scripted backend -------------------------------------------------------

TEST(OpenAIServer, AnswersAChatCompletion) {
  FakeOpenAIServer fake;
  auto res = post_chat(fake.port(), chat_json("What is 2+2?"));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto reply = llm::wire::parse_chat_reply(res->body);
  EXPECT_EQ(reply.text, "echo: What is 2+2?");
  EXPECT_EQ(reply.finish_reason, "stop");
  EXPECT_EQ(reply.model, "test-model");
  EXPECT_EQ(reply.usage.prompt_tokens, 4);       // "sys" + "What is 2+2?"
  EXPECT_EQ(reply.usage.completion_tokens, 4);   // "echo: What is 2+2?"
  EXPECT_EQ(fake.base_url(), "http://127.0.0.1:" + std::to_string(fake.port()) + "/v1");
}

TEST(OpenAIServer, BadRequestsGet400WithAnOpenAIStyleMessage) {
  FakeOpenAIServer fake;
  struct Case {
    std::string body;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"{not json", "invalid JSON"},
      {R"({"model": "m"})", "`messages`"},
      {R"({"messages": [{"role": "user", "content": null}]})", "messages[0].content"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stream": true})", "streaming is not supported"},
  };
  for (const auto& c : cases) {
    auto res = post_chat(fake.port(), c.body);
    ASSERT_TRUE(res) << c.body;
    EXPECT_EQ(res->status, 400) << c.body;
    auto j = json::parse(res->body);
    EXPECT_EQ(j["error"]["type"], "invalid_request_error") << c.body;
    EXPECT_NE(j["error"]["message"].get<std::string>().find(c.needle), std::string::npos) << res->body;
  }
}

TEST(OpenAIServer, ListsItsModelAndAnswersHealth) {
  auto backend = std::make_shared<llm::ScriptedBackend>([](const llm::Request&) { return llm::Reply{}; });
  serve::ServerOptions options;
  options.model_name = "smollm2-135m";
  serve::OpenAIServer server(backend, options);
  int port = server.start();
  ASSERT_GT(port, 0);
  EXPECT_EQ(server.port(), port);
  auto c = client_for(port);
  auto models = c->Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  auto j = json::parse(models->body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "smollm2-135m");
  auto health = c->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto missing = c->Get("/v1/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(json::parse(missing->body)["error"].contains("message"));
}

// Answers at once with a fixed reply, the model name left as given.
class FixedBackend : public llm::Backend {
 public:
  explicit FixedBackend(llm::Reply reply) : reply_(std::move(reply)) {}
  void submit(llm::Request, llm::Completion done) override { done(reply_, nullptr); }
  std::string describe() const override { return "fixed"; }

 private:
  llm::Reply reply_;
};

TEST(OpenAIServer, ReplyNamesTheBackendsModelElseTheServers) {
  for (const std::string backend_model : {"", "from-backend"}) {
    llm::Reply reply;
    reply.text = "ok";
    reply.model = backend_model;
    serve::ServerOptions options;
    options.model_name = "served";
    serve::OpenAIServer server(std::make_shared<FixedBackend>(reply), options);
    int port = server.start();
    auto res = post_chat(port, chat_json("x"));
    ASSERT_TRUE(res);
    EXPECT_EQ(llm::wire::parse_chat_reply(res->body).model, backend_model.empty() ? "served" : backend_model);
  }
}

TEST(OpenAIServer, BackendErrorsMapTo400Or500) {
  struct Case {
    llm::ErrorKind kind;
    int status;
  };
  for (const auto& c : {Case{llm::ErrorKind::prompt_too_long, 400}, Case{llm::ErrorKind::bad_reply, 400},
                        Case{llm::ErrorKind::internal, 500}, Case{llm::ErrorKind::timeout, 500}}) {
    auto backend = std::make_shared<llm::ScriptedBackend>([&](const llm::Request&) -> llm::Reply {
      throw llm::Error(c.kind, "backend says " + std::string(llm::to_string(c.kind)));
    });
    serve::OpenAIServer server(backend, {});
    int port = server.start();
    auto res = post_chat(port, chat_json("x"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, c.status) << llm::to_string(c.kind);
    EXPECT_EQ(llm::wire::error_message(res->body), "backend says " + std::string(llm::to_string(c.kind)));
  }
}

// A backend that answers later from its own thread, as real backends do.
class DeferredBackend : public llm::Backend {
 public:
  ~DeferredBackend() override {
    for (auto& t : threads_) t.join();
  }
  void submit(llm::Request request, llm::Completion done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.emplace_back([request = std::move(request), done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      llm::Reply r;
      r.text = "later: " + request.messages.back().content;
      done(r, nullptr);
    });
  }
  std::string describe() const override { return "deferred"; }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

TEST(OpenAIServer, WaitsForABackendThatAnswersFromAnotherThread) {
  auto backend = std::make_shared<DeferredBackend>();
  serve::OpenAIServer server(backend, {});
  int port = server.start();
  auto res = post_chat(port, chat_json("q"));
  ASSERT_TRUE(res);
  EXPECT_EQ(llm::wire::parse_chat_reply(res->body).text, "later: q");
}

// A backend that never answers until released: stop() must not wait for it.
class StuckBackend : public llm::Backend {
 public:
  void submit(llm::Request, llm::Completion done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.push_back(std::move(done));
    ++submitted;
  }
  std::string describe() const override { return "stuck"; }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& d : waiting_) d(llm::Reply{}, nullptr);
    waiting_.clear();
  }
  std::atomic<int> submitted{0};

 private:
  std::mutex mutex_;
  std::vector<llm::Completion> waiting_;
};

TEST(OpenAIServer, StopReturnsPromptlyWhileTheBackendIsStuckAndClientsIdle) {
  auto backend = std::make_shared<StuckBackend>();
  auto server = std::make_unique<serve::OpenAIServer>(backend, serve::ServerOptions{});
  int port = server->start();
  // An idle keep-alive connection: httplib alone would keep its worker for the keep-alive timeout.
  auto idle = client_for(port);
  idle->set_keep_alive(true);
  ASSERT_TRUE(idle->Get("/health"));
  auto stuck = std::async(std::launch::async, [port] { return post_chat(port, chat_json("x"), 10); });
  for (int i = 0; i < 5000 && backend->submitted == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(backend->submitted, 1);

  auto t0 = Clock::now();
  server.reset();
  EXPECT_LT(seconds_since(t0), 4.0);  // an idle keep-alive connection alone would hold it 5 s
  auto res = stuck.get();
  if (res) {
    EXPECT_EQ(res->status, 503);   // the goodbye, when it made it out
  }
  backend->release();                    // a late completion must touch nothing freed
}

TEST(OpenAIServer, StartThrowsWhenThePortIsTaken) {
  FakeOpenAIServer fake;
  auto backend = std::make_shared<llm::ScriptedBackend>([](const llm::Request&) { return llm::Reply{}; });
  serve::ServerOptions options;
  options.port = fake.port();
  serve::OpenAIServer second(backend, options);
  try {
    second.start();
    ADD_FAILURE() << "bound a port already in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(fake.port())), std::string::npos) << e.what();
  }
  EXPECT_TRUE(post_chat(fake.port(), chat_json("still mine")));
}

TEST(OpenAIServer, ThirtyTwoConcurrentRequestsEachGetTheirOwnEcho) {
  FakeOpenAIServer fake;
  fake.set_latency(0.02);   // keeps them in flight together
  constexpr int n = 32;
  std::vector<std::future<std::string>> replies;
  for (int i = 0; i < n; ++i) {
    replies.push_back(std::async(std::launch::async, [&fake, i] {
      // Generous timeout: under valgrind or sanitizers 100 threads share one slow core.
      auto res = post_chat(fake.port(), chat_json("question " + std::to_string(i)), 15);
      if (!res) return "failed: " + httplib::to_string(res.error());
      if (res->status != 200) return "failed: status " + std::to_string(res->status) + " " + res->body;
      return llm::wire::parse_chat_reply(res->body).text;
    }));
  }
  for (int i = 0; i < n; ++i) EXPECT_EQ(replies[i].get(), "echo: question " + std::to_string(i));
  EXPECT_EQ(fake.requests(), n);
}

TEST(OpenAIServer, KeepAliveCarriesManyRequestsOnOneConnection) {
  FakeOpenAIServer fake;
  auto c = client_for(fake.port());
  c->set_keep_alive(true);
  for (int i = 0; i < 50; ++i) {
    auto res = c->Post("/v1/chat/completions", chat_json(std::to_string(i)), "application/json");
    ASSERT_TRUE(res) << i;
    ASSERT_EQ(llm::wire::parse_chat_reply(res->body).text, "echo: " + std::to_string(i));
    ASSERT_NE(res->get_header_value("Connection"), "close") << i;
  }
}

// --- the fake server's faults, as seen on the wire -----------------------------------------------

TEST(FakeOpenAIServer, RecordsBodiesAndAuthorizationHeaders) {
  FakeOpenAIServer fake;
  auto c = client_for(fake.port());
  c->Post("/v1/chat/completions", {{"Authorization", "Bearer sk-one"}}, chat_json("a"), "application/json");
  c->Post("/v1/chat/completions", chat_json("b"), "application/json");
  EXPECT_EQ(fake.requests(), 2);
  auto bodies = fake.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0]["messages"][1]["content"], "a");
  EXPECT_EQ(bodies[1]["messages"][1]["content"], "b");
  EXPECT_EQ(fake.authorization_headers(), (std::vector<std::string>{"Bearer sk-one", ""}));
}

TEST(FakeOpenAIServer, CustomResponder) {
  FakeOpenAIServer fake;
  fake.set_responder([](const llm::Request& r) { return "model=" + r.model; });
  auto res = post_chat(fake.port(), chat_json("x", "m7"));
  ASSERT_TRUE(res);
  EXPECT_EQ(llm::wire::parse_chat_reply(res->body).text, "model=m7");
}

TEST(FakeOpenAIServer, StatusFaultsAnswerTheirStatusThenServiceResumes) {
  FakeOpenAIServer fake;
  fake.push_fault(Fault::status_429, 2, 3);
  fake.push_fault(Fault::status_500);
  fake.push_fault(Fault::status_503);
  fake.push_fault(Fault::status_400);
  fake.push_fault(Fault::status_401);
  std::vector<int> statuses;
  std::vector<std::string> retry_after;
  for (int i = 0; i < 7; ++i) {
    auto res = post_chat(fake.port(), chat_json("x"));
    ASSERT_TRUE(res) << i;
    statuses.push_back(res->status);
    retry_after.push_back(res->get_header_value("Retry-After"));
    if (res->status != 200) {
      EXPECT_FALSE(llm::wire::error_message(res->body).empty());
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{429, 429, 500, 503, 400, 401, 200}));
  EXPECT_EQ(retry_after[0], "3");
  EXPECT_EQ(retry_after[1], "3");
  EXPECT_EQ(retry_after[2], "");
  EXPECT_EQ(fake.requests(), 7);
}

TEST(FakeOpenAIServer, FractionalRetryAfterIsReadableByTheWireParser) {
  FakeOpenAIServer fake;
  fake.push_fault(Fault::status_429, 1, 0.25);
  auto res = post_chat(fake.port(), chat_json("x"));
  ASSERT_TRUE(res);
  auto ra = llm::wire::parse_retry_after(res->get_header_value("Retry-After"), 0);
  ASSERT_TRUE(ra);
  EXPECT_DOUBLE_EQ(*ra, 0.25);
}

TEST(FakeOpenAIServer, MalformedRepliesAre200sThatTheParserRejects) {
  FakeOpenAIServer fake;
  struct Case {
    Fault fault;
    std::string needle;
  };
  for (const auto& c : {Case{Fault::malformed_json, "not JSON"}, Case{Fault::empty_choices, "empty"},
                        Case{Fault::null_content, "null"}}) {
    fake.push_fault(c.fault);
    auto res = post_chat(fake.port(), chat_json("x"));
    ASSERT_TRUE(res) << testing::to_string(c.fault);
    EXPECT_EQ(res->status, 200);
    try {
      llm::wire::parse_chat_reply(res->body);
      ADD_FAILURE() << testing::to_string(c.fault) << " parsed";
    } catch (const llm::Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
    }
  }
}

TEST(FakeOpenAIServer, DroppedConnectionAndCutBodyAreClientErrors) {
  FakeOpenAIServer fake;
  for (Fault f : {Fault::drop_connection, Fault::cut_off_body}) {
    fake.push_fault(f);
    auto res = post_chat(fake.port(), chat_json("x"));
    EXPECT_FALSE(res) << testing::to_string(f) << " answered " << (res ? res->status : 0);
  }
  // Both counted as received; the next request is served normally.
  EXPECT_EQ(fake.requests(), 2);
  auto res = post_chat(fake.port(), chat_json("after"));
  ASSERT_TRUE(res);
  EXPECT_EQ(llm::wire::parse_chat_reply(res->body).text, "echo: after");
}

TEST(FakeOpenAIServer, CutBodyArrivesShorterThanItsContentLength) {
  FakeOpenAIServer fake;
  fake.push_fault(Fault::cut_off_body);
  std::string received;
  size_t declared = 0;
  httplib::Client raw("127.0.0.1", fake.port());
  raw.set_read_timeout(5);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = chat_json("x");
  req.set_header("Content-Type", "application/json");
  req.response_handler = [&](const httplib::Response& r) {
    declared = std::stoul(r.get_header_value("Content-Length"));
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    received.append(data, n);
    return true;
  };
  EXPECT_FALSE(raw.send(req));
  EXPECT_GT(declared, 0u);
  EXPECT_LT(received.size(), declared);
}

TEST(FakeOpenAIServer, SlowDripDeliversAValidBodyInPieces) {
  FakeOpenAIServer fake;
  fake.push_fault(Fault::slow_drip);
  int pieces = 0;
  std::string body;
  httplib::Client c("127.0.0.1", fake.port());
  c.set_read_timeout(10);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = chat_json("drip");
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    ++pieces;
    body.append(data, n);
    return true;
  };
  auto t0 = Clock::now();
  auto res = c.send(req);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_GT(pieces, 10);
  EXPECT_GT(seconds_since(t0), 0.1);
  EXPECT_EQ(llm::wire::parse_chat_reply(body).text, "echo: drip");
}

TEST(FakeOpenAIServer, LatencyDelaysEveryAnswer) {
  FakeOpenAIServer::Options o;
  o.latency_s = 1.0;
  FakeOpenAIServer fake(o);
  auto t0 = Clock::now();
  auto res = post_chat(fake.port(), chat_json("x"));
  ASSERT_TRUE(res);
  EXPECT_GE(seconds_since(t0), 1.0);
  fake.set_latency(0);
  t0 = Clock::now();
  ASSERT_TRUE(post_chat(fake.port(), chat_json("x")));
  EXPECT_LT(seconds_since(t0), 1.0);
}

TEST(FakeOpenAIServer, HangOutlastsTheClientAndEndsWithTheServer) {
  auto fake = std::make_unique<FakeOpenAIServer>();   // hang_s = 30
  fake->push_fault(Fault::hang, 2);
  // The client gives up first...
  auto t0 = Clock::now();
  auto res = post_chat(fake->port(), chat_json("x"), 1);
  EXPECT_FALSE(res);
  EXPECT_GE(seconds_since(t0), 0.9);
  // ...and a hanging request does not hold up the server's destruction.
  auto pending = std::async(std::launch::async, [port = fake->port()] { return post_chat(port, chat_json("y"), 20); });
  for (int i = 0; i < 5000 && fake->requests() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(fake->requests(), 2);
  t0 = Clock::now();
  fake.reset();
  EXPECT_LT(seconds_since(t0), 10.0);  // the hang lasts 30 s
  auto late = pending.get();
  if (late) {
    EXPECT_EQ(late->status, 503);
  }
}

TEST(FakeOpenAIServer, FaultNamesRoundTrip) {
  for (Fault f : {Fault::none, Fault::status_429, Fault::status_500, Fault::status_503, Fault::status_400,
                  Fault::status_401, Fault::hang, Fault::malformed_json, Fault::empty_choices, Fault::null_content,
                  Fault::cut_off_body, Fault::drop_connection, Fault::slow_drip}) {
    EXPECT_EQ(testing::fault_from_name(testing::to_string(f)), f);
  }
  EXPECT_FALSE(testing::fault_from_name("status_999"));
}

}  // namespace
}  // namespace maspo
