// A fake OpenAI-compatible server for tests: maspo's own OpenAIServer over a deterministic
// responder, on 127.0.0.1 and an ephemeral port, with faults to inject.
//
// Default reply content: "echo: <last user message>". Faults are queued: push_fault(f, n) makes
// the next n chat requests (in arrival order) suffer f; then service is normal again. Fault::none
// queues n normal answers, so a fault can start later in a run.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maspo/llm.hpp"
#include "maspo/serve.hpp"

namespace maspo::testing {

enum class Fault {
  none,
  status_429,        // 429 with Retry-After (retry_after_s)
  status_500,
  status_503,
  status_400,        // non-retryable, with an OpenAI-style error message
  status_401,
  hang,              // never answers within any sane timeout (sleeps hang_s)
  malformed_json,    // 200 with a body that is not JSON
  empty_choices,     // 200 with "choices": []
  null_content,      // 200 with message.content = null
  cut_off_body,      // 200 whose body ends early
  drop_connection,   // the connection is closed without a response
  slow_drip,         // valid body, sent a few bytes at a time
};

// The names above ("status_429", "hang", ...), for command lines; nullopt for an unknown name.
std::string_view to_string(Fault fault);
std::optional<Fault> fault_from_name(std::string_view name);

class FakeOpenAIServer {
 public:
  struct Options {
    double latency_s = 0.0;
    int threads = 64;
    double hang_s = 30.0;
    int port = 0;               // 0: an ephemeral port
  };
  // Listening when constructed; throws std::runtime_error when the port cannot be bound.
  FakeOpenAIServer();
  explicit FakeOpenAIServer(Options options);
  ~FakeOpenAIServer();

  int port() const;
  std::string base_url() const;   // http://127.0.0.1:PORT/v1

  void push_fault(Fault fault, int count = 1, double retry_after_s = 0.0);
  void set_latency(double seconds);
  // Replaces the echo responder; gets the parsed request, returns the reply text.
  void set_responder(std::function<std::string(const llm::Request&)> responder);

  // Chat requests received (every attempt, faulted ones included; bodies that are not JSON get a
  // 400 and are not counted), their bodies and Authorization headers, in arrival order.
  int requests() const;
  std::vector<llm::json> bodies() const;
  std::vector<std::string> authorization_headers() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maspo::testing
