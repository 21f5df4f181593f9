// OpenAI-compatible HTTP backend on libcurl's multi interface: one event-loop thread drives every
// request of the role, however many are in flight.
//
// In the loop: a queue of pending requests; per endpoint a bound on requests in flight
// (max_concurrency); optional requests/min and tokens/min limits (token buckets); requests go to
// the healthy endpoint with the fewest in flight; an endpoint with `endpoint_failure_threshold`
// consecutive transient failures is left alone for `endpoint_backoff_s` while the others carry
// on. Transient failures (connection errors, timeouts, 429, 5xx) are retried with jittered
// exponential backoff, honouring Retry-After, up to retry.max_attempts; anything else fails at
// once with the server's message.
//
// The API key is read from the environment variable `api_key_env` names, once, at construction,
// and goes only into the Authorization header.
//
// Completions run on the event-loop thread: they should be quick, may submit again, and must not
// destroy the backend. `timeout_s` and `connect_timeout_s` bound each attempt; a request that
// waits for a slot or for its rate quota waits without a deadline.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "maspo/llm.hpp"

namespace maspo::llm {

class HttpBackend : public Backend {
 public:
  struct EndpointStats {
    std::string base_url;
    std::int64_t requests = 0;       // attempts sent (retries included; a stalled connect try is none)
    std::int64_t failures = 0;       // attempts that failed (transport, timeout or non-2xx)
    bool backed_off = false;         // currently left alone
  };

  // Throws Error(config) when there is no endpoint or api_key_env names an unset variable.
  HttpBackend(std::string role, RoleConfig config);
  ~HttpBackend() override;  // fails what is still queued with Error(cancelled), joins the loop

  void submit(Request request, Completion done) override;
  std::string describe() const override;
  std::vector<EndpointStats> stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maspo::llm
