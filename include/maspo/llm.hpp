// maspo/llm.hpp — the one door through which every LLM request of maspo goes.
//
// Agents, optimizer and judge never talk to a model directly: they build a `Request` (a plain
// value), hand it to `Client::submit` under a *role* ("agents", "optimizer", "judge"), and get a
// `Reply` back. Between the two, the client does, in this order:
//
//   cache lookup (SQLite, content-addressed)  ->  budget reservation  ->  backend
//   (OpenAI-compatible HTTP with retries, limits and several endpoints | embedded llama.cpp |
//    scripted test double)  ->  usage + cost accounting  ->  cache write
//
// so caching, limits, retries and accounting are the same for every caller.
//
// Errors are typed (`llm::Error` and its subclasses). A failed request fails that request only:
// the future holds the exception, the callback gets it as an exception_ptr.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace maspo::llm {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Requests and replies: plain values.
// ---------------------------------------------------------------------------------------------

struct Message {
  std::string role;     // "system" | "user" | "assistant"
  std::string content;
  friend bool operator==(const Message&, const Message&) = default;
};

struct Request {
  std::vector<Message> messages;
  std::string model;                    // empty: the role's configured model
  double temperature = 0.0;
  std::optional<double> top_p;
  int max_tokens = 0;                   // 0: the backend's default
  std::vector<std::string> stop;
  std::optional<std::int64_t> seed;
  // Which sample this is when the same request is drawn several times. At temperature > 0 it
  // makes otherwise identical requests distinct (in the cache too); at temperature 0 it is
  // ignored, because every sample would be the same.
  int sample_index = 0;
  json extra = json::object();          // extra body fields, merged over the role's `extra`

  friend bool operator==(const Request&, const Request&) = default;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total() const { return prompt_tokens + completion_tokens; }
  friend bool operator==(const Usage&, const Usage&) = default;
};

struct Reply {
  std::string text;
  std::string finish_reason;            // "stop", "length", ... as the backend reported it
  Usage usage;
  double latency_s = 0.0;               // submit -> reply, retries included (recorded value on a hit)
  bool cached = false;                  // true: served from the cache, no model call was made
  int attempts = 1;                     // HTTP attempts it took (1 = no retry)
  std::string model;                    // the model name the backend answered with
};

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

enum class ErrorKind {
  transport,        // connection refused/reset, DNS, TLS, body cut off
  timeout,          // connect or total timeout
  http_status,      // a non-2xx answer (status() says which)
  bad_reply,        // 2xx but unusable: invalid JSON, no choices, null content
  budget_exceeded,  // the request would pass a budget (see BudgetExceeded)
  cache_miss,       // replay mode and the request is not in the cache
  prompt_too_long,  // the prompt does not fit the model's context
  config,           // the role or backend is not configured correctly
  invalid_request,  // the request itself cannot be sent (e.g. a message is not valid UTF-8)
  cancelled,        // the client shut down before the request finished
  internal,
};

std::string_view to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, int http_status = 0)
      : std::runtime_error(message), kind_(kind), http_status_(http_status) {}
  ErrorKind kind() const { return kind_; }
  int http_status() const { return http_status_; }
  // Worth retrying: connection errors, timeouts, 429 and 5xx. Nothing else is retried.
  bool transient() const;

 private:
  ErrorKind kind_;
  int http_status_;
};

// Thrown (or delivered) when a request would pass a role's budget. The caller can stop cleanly on
// it: nothing was sent, nothing was charged.
class BudgetExceeded : public Error {
 public:
  BudgetExceeded(std::string role, std::string limit, const std::string& message)
      : Error(ErrorKind::budget_exceeded, message), role_(std::move(role)), limit_(std::move(limit)) {}
  const std::string& role() const { return role_; }
  const std::string& limit() const { return limit_; }  // "calls" | "tokens" | "dollars"

 private:
  std::string role_;
  std::string limit_;
};

// ---------------------------------------------------------------------------------------------
// Configuration: plain values, filled by maspo/config.hpp from YAML or by code.
// ---------------------------------------------------------------------------------------------

struct Price {
  double prompt_per_mtok = 0.0;      // dollars per million prompt tokens
  double completion_per_mtok = 0.0;  // dollars per million completion tokens
  double dollars(const Usage& u) const {
    return (static_cast<double>(u.prompt_tokens) * prompt_per_mtok +
            static_cast<double>(u.completion_tokens) * completion_per_mtok) / 1e6;
  }
};

struct RetryPolicy {
  int max_attempts = 5;          // attempts in all, the first included
  double base_delay_s = 0.5;     // first backoff; doubles each retry
  double max_delay_s = 30.0;     // cap on one backoff (Retry-After is honoured up to max_retry_after_s)
  double max_retry_after_s = 120.0;
};

struct Endpoint {
  std::string base_url;          // e.g. http://127.0.0.1:8080/v1  (…/chat/completions is appended)
};

struct RoleConfig {
  std::string backend;           // "openai" | "llama" | "scripted"
  // openai
  std::vector<Endpoint> endpoints;   // one or more replicas serving the same model
  std::string model;                 // model name sent in the body (openai) / shown in usage
  std::string api_key_env;           // name of the environment variable holding the key; never the key
  int max_concurrency = 16;          // requests in flight per endpoint
  double requests_per_minute = 0;    // 0 = unlimited (per role, over all its endpoints)
  double tokens_per_minute = 0;      // 0 = unlimited
  double connect_timeout_s = 10.0;
  double timeout_s = 600.0;          // whole request
  RetryPolicy retry;
  int endpoint_failure_threshold = 3;  // consecutive failures before an endpoint is backed off
  double endpoint_backoff_s = 30.0;    // how long it is left alone
  // llama
  std::string model_path;            // GGUF file; empty = the bundled default model
  int parallel = 0;                  // sequences decoded together; 0 = backend default
  int context_size = 0;              // tokens per sequence; 0 = backend default
  // scripted (test double)
  std::string rules_path;
  // all
  json extra = json::object();       // extra body fields sent with every request of this role
  Price price;
};

enum class CacheMode { read_write, replay, off };
std::string_view to_string(CacheMode mode);

struct CacheConfig {
  CacheMode mode = CacheMode::read_write;
  std::string path;                  // SQLite file; empty = "<cache dir>/llm-cache.sqlite"
};

struct Budget {
  std::optional<std::int64_t> calls;
  std::optional<std::int64_t> tokens;
  std::optional<double> dollars;
  bool unlimited() const { return !calls && !tokens && !dollars; }
};

// ---------------------------------------------------------------------------------------------
// Backends.
// ---------------------------------------------------------------------------------------------

// Called exactly once per submitted request, from any thread. On success `error` is null.
using Completion = std::function<void(Reply reply, std::exception_ptr error)>;

// A backend turns requests into replies. It never blocks in submit(): it queues the request and
// calls `done` later. `request.model` is already resolved and role extras already merged.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual void submit(Request request, Completion done) = 0;
  // Human-readable, secret-free description for logs ("openai: 2 endpoints, model qwen3-8b").
  virtual std::string describe() const = 0;
  // What identifies the model behind this backend in cache keys when the role names no `model`
  // (e.g. the GGUF file of an embedded model), so two different models never share a cache
  // entry. Empty: the role's model name is identity enough.
  virtual std::string model_fingerprint() const { return {}; }
};

// Builds the backend a role names. Roles that name the same llama model file share one backend.
class BackendFactory {
 public:
  virtual ~BackendFactory() = default;
  virtual std::shared_ptr<Backend> make(const std::string& role, const RoleConfig& config) = 0;
};

// The standard factory: openai, scripted and (when built with llama.cpp) llama.
std::shared_ptr<BackendFactory> default_backend_factory();

// ---------------------------------------------------------------------------------------------
// Usage, cost and budgets.
// ---------------------------------------------------------------------------------------------

struct UsageLine {
  std::string role;
  std::string model;
  std::int64_t calls = 0;            // model calls made (cache hits excluded)
  std::int64_t cached_calls = 0;     // answered from the cache
  std::int64_t failed_calls = 0;     // ended in an error (after retries)
  Usage usage;                       // tokens of the model calls made
  Usage cached_usage;                // tokens recorded with the cache hits (not spent again)
  double dollars = 0.0;
};

// ---------------------------------------------------------------------------------------------
// The client.
// ---------------------------------------------------------------------------------------------

struct ClientOptions {
  std::map<std::string, RoleConfig> roles;   // "agents", "optimizer", "judge", ...
  CacheConfig cache;
  std::map<std::string, Budget> budgets;     // per role
  std::shared_ptr<BackendFactory> factory;   // null: default_backend_factory()
};

class Cache;
class Meter;

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();  // waits for requests in flight
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Non-blocking. `done` is called exactly once (possibly before submit returns, on a cache hit or
  // a budget refusal).
  void submit(std::string_view role, Request request, Completion done);
  std::future<Reply> submit(std::string_view role, Request request);
  // Blocking convenience: the reply, or throws the request's llm::Error.
  Reply complete(std::string_view role, Request request);

  std::vector<UsageLine> usage() const;      // one line per (role, model)
  bool has_role(std::string_view role) const;
  const RoleConfig& role_config(std::string_view role) const;  // throws Error(config) if unknown

  // The canonical JSON (without secrets or endpoint addresses) and cache key of a request as this
  // client would send it for `role`.
  json canonical(std::string_view role, const Request& request) const;
  std::string cache_key(std::string_view role, const Request& request) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Canonical form of a request, as hashed for the cache: sorted keys, model resolved, role extras
// merged, sample index zeroed at temperature 0, the backend's model fingerprint when it has one.
// Never contains a key, URL or header.
json canonical_request(const Request& request, std::string_view model_fingerprint = {});
std::string cache_key(const json& canonical);   // lowercase hex SHA-256 of canonical.dump()

}  // namespace maspo::llm
