// maspo/serve.hpp — an OpenAI-compatible HTTP server (POST /v1/chat/completions, GET /v1/models,
// GET /health) over any llm::Backend. `maspo serve` puts the embedded model behind it; the tests'
// fake server puts a scripted backend and fault injection behind it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "maspo/llm.hpp"

namespace maspo::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0: an ephemeral port (see OpenAIServer::port())
  int threads = 16;                   // HTTP worker threads; one per open connection at a time
  std::string model_name = "maspo";   // reported by /v1/models, and in replies whose backend names none
  // A connection is closed after this many requests, so that connections queued behind busy
  // workers get their turn; and after this long idle.
  int keep_alive_max_requests = 1000;
  int keep_alive_timeout_s = 5;
  std::size_t max_body_bytes = 64u << 20;   // larger request bodies get 413
};

// What a fault hook may do to one request before the backend sees it.
struct FaultAction {
  int status = 0;                     // 0: no fault; else answer with this status and `body`
  std::string body;                   // raw body to send (may be malformed on purpose)
  std::string retry_after;            // Retry-After header value, if not empty
  double delay_s = 0.0;               // sleep before answering (latency or a hang)
  bool drop_connection = false;       // close the socket without a valid response
  bool cut_body = false;              // declare a longer Content-Length than sent
  bool drip = false;                  // send the (valid) body a few bytes at a time
  // status 0 with cut_body or drip applies them to the normal reply; with status, to `body`.
};
// What the hook sees of one chat request.
struct IncomingRequest {
  llm::json body;                               // parsed JSON body
  std::map<std::string, std::string> headers;   // header names lower-cased
};
// Called for every chat request whose body is JSON (invalid JSON gets 400 first), before the
// request is validated and before the backend; tests use it to record and inject faults. Called
// from the worker threads, concurrently.
using FaultHook = std::function<FaultAction(const IncomingRequest& request)>;

class OpenAIServer {
 public:
  OpenAIServer(std::shared_ptr<llm::Backend> backend, ServerOptions options);
  ~OpenAIServer();  // stops
  OpenAIServer(const OpenAIServer&) = delete;
  OpenAIServer& operator=(const OpenAIServer&) = delete;

  void set_fault_hook(FaultHook hook);  // before start()
  // Binds and serves on a background thread; returns the bound port. Throws std::runtime_error
  // when the address cannot be bound.
  int start();
  void wait();   // blocks until stop() (used by `maspo serve`)
  void stop();
  int port() const;
  std::string base_url() const;          // http://HOST:PORT/v1

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maspo::serve
