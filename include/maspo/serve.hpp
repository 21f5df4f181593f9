// maspo/serve.hpp — an OpenAI-compatible HTTP server (POST /v1/chat/completions, GET /v1/models,
// GET /health) over any llm::Backend. `maspo serve` puts the embedded model behind it; the tests'
// fake server puts a scripted backend and fault injection behind it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "maspo/llm.hpp"

namespace maspo::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0: an ephemeral port (see OpenAIServer::port())
  int threads = 16;                   // HTTP worker threads
  std::string model_name = "maspo";   // reported by /v1/models and in replies
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
};
// What the hook sees of one chat request.
struct IncomingRequest {
  llm::json body;                               // parsed JSON body
  std::map<std::string, std::string> headers;   // header names lower-cased
};
// Called for every chat request before the backend; tests use it to record and inject faults.
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
