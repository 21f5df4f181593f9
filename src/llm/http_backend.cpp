// HttpBackend: one thread per backend runs a libcurl multi loop over a pool of reusable easy
// handles. Everything below the public methods is touched by that thread only, except `incoming`
// (under `mu`), the wake flag and the per-endpoint counters that stats() reads.
#include "llm/http_backend.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <deque>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include <curl/curl.h>
#include <fmt/format.h>

#include "llm/backoff.hpp"
#include "llm/connection_ramp.hpp"
#include "llm/endpoint_health.hpp"
#include "llm/openai_wire.hpp"
#include "llm/rate_limiter.hpp"
#include "maspo/util.hpp"

namespace maspo::llm {

namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
// With nothing scheduled the loop sleeps until woken; this only bounds how long a missed wakeup
// could go unnoticed.
constexpr int kIdlePollMs = 1000;

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

long to_ms(double seconds) {
  if (seconds <= 0) return 0;  // libcurl: 0 = no timeout
  return std::max(1L, static_cast<long>(std::min(seconds * 1000.0, static_cast<double>(LONG_MAX / 2))));
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error(ErrorKind::internal, "curl_global_init failed");
  });
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One request, from submit() to its completion, across all its attempts.
struct Job {
  std::string body;            // serialized once, sent as-is by every attempt
  Completion done;
  double submitted = 0.0;
  double tokens = 0.0;         // the rate limiter's estimate
  double not_before = 0.0;     // earliest start of the next attempt (after a backoff)
  int attempts = 0;
  bool quota_held = false;     // a stalled try already took this attempt's rate quota
  int connect_tries = 0;       // stalled connect tries of the current attempt
  double connect_spent = 0.0;  // seconds those tries waited (bounded by connect_timeout_s)
};

// A reusable easy handle and the attempt it is carrying.
struct Transfer {
  CURL* easy = nullptr;
  std::string response;        // cleared, never shrunk: capacity is reused across attempts
  std::unique_ptr<Job> job;
  int endpoint = -1;
  int url_endpoint = -1;       // which endpoint's URL the handle holds, to skip resetting it
  char errbuf[CURL_ERROR_SIZE] = {};
  bool connected = false;      // the attempt has its connection (set by on_connected)
  bool opening = false;        // it was expected to open a new connection (counted by `ramp`)
  double started = 0.0;
  double try_timeout = 0.0;    // this attempt's connect timeout
  ConnectionRamp* ramp = nullptr;
  bool* any_connected = nullptr;   // the loop's "a connection slot came free" flag
};

// CURLOPT_PREREQFUNCTION: the transfer's connection is made (or reused) and the request is about
// to go out. Frees its place in the endpoint's connecting window.
int on_connected(void* user, char*, char*, int, int) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->connected) {
    t->connected = true;
    if (t->opening) {
      t->ramp->connected(steady_now() - t->started);
      *t->any_connected = true;
    }
  }
  return CURL_PREREQFUNC_OK;
}

struct EndpointSlot {
  std::string base_url;
  // Connections left open by finished transfers and not yet taken by a new one: an estimate (the
  // server may close an idle one), so the loop can tell whether a transfer must connect.
  int idle = 0;                // event loop only
  std::string url;             // base_url + "/chat/completions"
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> failures{0};
  std::atomic<double> backoff_until{0.0};
};

bool later(const std::unique_ptr<Job>& a, const std::unique_ptr<Job>& b) { return a->not_before > b->not_before; }

std::string chat_url(const std::string& base) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/chat/completions";
}

void deliver(Job& job, Reply reply, std::exception_ptr error) {
  // A throwing completion must not take the event loop (and every other request) down with it.
  try {
    job.done(std::move(reply), std::move(error));
  } catch (...) {
  }
}

}  // namespace

struct HttpBackend::Impl {
  std::string role;
  RoleConfig cfg;
  std::vector<EndpointSlot> endpoints;
  curl_slist* headers = nullptr;
  CURLM* multi = nullptr;

  // Event-loop state.
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::vector<Transfer*> idle;
  std::deque<std::unique_ptr<Job>> pending;   // FIFO; retries re-enter at the front
  std::vector<std::unique_ptr<Job>> waiting;  // min-heap on not_before: retries in backoff
  RateLimiter limiter;
  std::minstd_rand rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  std::vector<EndpointHealth> health;         // parallel to `endpoints`
  std::vector<ConnectionRamp> ramps;          // parallel to `endpoints`
  bool any_connected = false;                 // a transfer got its connection in the last perform
  double limiter_wake = kNever;
  double ramp_wake = kNever;                  // when a paced endpoint may open its next connection

  // Shared with submit().
  std::mutex mu;
  std::vector<std::unique_ptr<Job>> incoming;
  bool stopping = false;
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stop{false};

  std::thread thread;

  Impl(std::string role_name, RoleConfig config)
      : role(std::move(role_name)),
        cfg(std::move(config)),
        endpoints(cfg.endpoints.size()),
        limiter(cfg.requests_per_minute, cfg.tokens_per_minute, steady_now()) {}

  ~Impl() {
    for (auto& t : transfers) curl_easy_cleanup(t->easy);
    if (multi) curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
  }

  void configure();
  void setup_curl(const std::string& api_key);
  Transfer* acquire_transfer();

  void wake() {
    if (!wake_pending.exchange(true)) curl_multi_wakeup(multi);
  }

  void run();
  void drain_incoming();
  void promote_due(double now);
  void dispatch(double now);
  bool needs_connection(int endpoint) const;
  void start_attempt(std::unique_ptr<Job> job, int endpoint, double now);
  bool reap();
  void finish(Transfer& t, CURLcode code);
  bool connect_outcome(Transfer& t, Job& job, CURLcode code);
  void fail_attempt(std::unique_ptr<Job> job, int endpoint, const Error& error, std::optional<double> retry_after);
  int poll_timeout_ms(double now) const;
  void cancel_all();
};

void HttpBackend::Impl::configure() {
  if (cfg.endpoints.empty()) throw Error(ErrorKind::config, "role `" + role + "`: the openai backend needs at least one endpoint");
  if (cfg.max_concurrency < 1) {
    throw Error(ErrorKind::config, "role `" + role + "`: max_concurrency must be at least 1 (got " +
                                       std::to_string(cfg.max_concurrency) + ")");
  }
  cfg.retry.max_attempts = std::max(1, cfg.retry.max_attempts);
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    if (cfg.endpoints[i].base_url.empty()) {
      throw Error(ErrorKind::config, "role `" + role + "`: endpoint " + std::to_string(i + 1) + " has an empty base_url");
    }
    endpoints[i].base_url = cfg.endpoints[i].base_url;
    endpoints[i].url = chat_url(cfg.endpoints[i].base_url);
  }
  health.resize(endpoints.size());
  ramps.assign(endpoints.size(), ConnectionRamp(cfg.max_concurrency));
}

void HttpBackend::Impl::setup_curl(const std::string& api_key) {
  init_curl_once();
  multi = curl_multi_init();
  if (!multi) throw Error(ErrorKind::internal, "curl_multi_init failed");
  // Keep every connection a full pipeline can use alive between requests.
  const long pool = static_cast<long>(endpoints.size()) * cfg.max_concurrency + 4;
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, pool);

  auto add = [this](const std::string& line) {
    curl_slist* next = curl_slist_append(headers, line.c_str());
    if (!next) throw Error(ErrorKind::internal, "curl_slist_append failed");
    headers = next;
  };
  add("Content-Type: application/json");
  add("Accept: application/json");
  // No "Expect: 100-continue" round trip before large bodies.
  add("Expect:");
  if (!api_key.empty()) add("Authorization: Bearer " + api_key);
}

Transfer* HttpBackend::Impl::acquire_transfer() {
  if (!idle.empty()) {
    Transfer* t = idle.back();
    idle.pop_back();
    return t;
  }
  auto t = std::make_unique<Transfer>();
  t->easy = curl_easy_init();
  if (!t->easy) return nullptr;
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->response);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &on_connected);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
  t->any_connected = &any_connected;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(cfg.timeout_s));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "maspo");
  transfers.push_back(std::move(t));
  return transfers.back().get();
}

void HttpBackend::Impl::run() {
  while (!stop.load(std::memory_order_acquire)) {
    drain_incoming();
    const double now = steady_now();
    promote_due(now);
    dispatch(now);
    int running = 0;
    any_connected = false;
    curl_multi_perform(multi, &running);
    // Finished transfers free slots, and connected ones free room in a connecting window: fill
    // them before sleeping.
    if (reap()) continue;
    if (any_connected && !pending.empty()) continue;
    curl_multi_poll(multi, nullptr, 0, poll_timeout_ms(steady_now()), nullptr);
  }
  cancel_all();
}

void HttpBackend::Impl::drain_incoming() {
  // Cleared before taking the queue, so a submit racing with us either lands in this batch or
  // sends a fresh wakeup.
  wake_pending.store(false);
  std::vector<std::unique_ptr<Job>> batch;
  {
    std::lock_guard lock(mu);
    if (incoming.empty()) return;
    batch.swap(incoming);
  }
  for (auto& job : batch) pending.push_back(std::move(job));
}

void HttpBackend::Impl::promote_due(double now) {
  while (!waiting.empty() && waiting.front()->not_before <= now) {
    std::pop_heap(waiting.begin(), waiting.end(), later);
    pending.push_front(std::move(waiting.back()));
    waiting.pop_back();
  }
}

// Whether the endpoint's next transfer needs a new connection: none of its sockets is idle.
bool HttpBackend::Impl::needs_connection(int endpoint) const {
  const auto i = static_cast<std::size_t>(endpoint);
  return endpoints[i].idle <= 0;
}

void HttpBackend::Impl::dispatch(double now) {
  limiter_wake = kNever;
  ramp_wake = kNever;
  while (!pending.empty()) {
    for (std::size_t i = 0; i < health.size(); ++i) {
      health[i].opening_full = needs_connection(static_cast<int>(i)) && !ramps[i].may_open(now);
      if (health[i].opening_full && ramps[i].connecting() < ramps[i].window()) {
        ramp_wake = std::min(ramp_wake, ramps[i].next_open());
      }
    }
    const int endpoint = pick_endpoint(health, cfg.max_concurrency, now);
    if (endpoint < 0) return;  // every usable endpoint is full; a completion will wake us
    const double wait = pending.front()->quota_held ? 0.0 : limiter.wait_s(pending.front()->tokens, now);
    if (wait > 0) {
      // FIFO: nothing overtakes the head of the queue while it waits for its quota.
      limiter_wake = now + wait;
      return;
    }
    std::unique_ptr<Job> job = std::move(pending.front());
    pending.pop_front();
    start_attempt(std::move(job), endpoint, now);
  }
}

void HttpBackend::Impl::start_attempt(std::unique_ptr<Job> job, int endpoint, double now) {
  Transfer* t = acquire_transfer();
  if (!t) {
    deliver(*job, Reply{}, std::make_exception_ptr(Error(ErrorKind::internal, "curl_easy_init failed")));
    return;
  }
  EndpointSlot& slot = endpoints[static_cast<std::size_t>(endpoint)];
  if (t->url_endpoint != endpoint) {
    curl_easy_setopt(t->easy, CURLOPT_URL, slot.url.c_str());
    t->url_endpoint = endpoint;
  }
  // Connecting gets its own short try (ConnectionRamp); the tries of one attempt together stay
  // within connect_timeout_s.
  ConnectionRamp& ramp = ramps[static_cast<std::size_t>(endpoint)];
  t->try_timeout = std::min(ramp.try_timeout(job->connect_tries), cfg.connect_timeout_s - job->connect_spent);
  curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, to_ms(std::max(0.001, t->try_timeout)));
  t->connected = false;
  t->opening = needs_connection(endpoint);
  t->started = now;
  t->ramp = &ramp;
  if (!t->opening) --slot.idle;
  curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(job->body.size()));
  curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, job->body.data());
  t->response.clear();
  t->errbuf[0] = '\0';
  t->endpoint = endpoint;
  ++job->attempts;
  if (!job->quota_held) limiter.acquire(job->tokens, now);
  job->quota_held = false;
  t->job = std::move(job);
  if (curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
    std::unique_ptr<Job> failed = std::move(t->job);
    idle.push_back(t);
    deliver(*failed, Reply{}, std::make_exception_ptr(Error(ErrorKind::internal, "curl_multi_add_handle failed")));
    return;
  }
  if (t->opening) ramp.opening(now);
  ++health[static_cast<std::size_t>(endpoint)].in_flight;
  slot.requests.fetch_add(1, std::memory_order_relaxed);
}

bool HttpBackend::Impl::reap() {
  bool any = false;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;  // msg is invalid once the handle is removed
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
    // Still connected after the transfer: the connection waits in curl's cache for the next one.
    // Asked before the handle leaves the multi handle, which is where curl looks it up.
    curl_socket_t socket = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK && socket != CURL_SOCKET_BAD) {
      EndpointSlot& slot = endpoints[static_cast<std::size_t>(t->endpoint)];
      slot.idle = std::min(slot.idle + 1, cfg.max_concurrency);
    }
    curl_multi_remove_handle(multi, easy);
    finish(*t, code);
    any = true;
  }
  return any;
}

void HttpBackend::Impl::finish(Transfer& t, CURLcode code) {
  std::unique_ptr<Job> job = std::move(t.job);
  const int endpoint = t.endpoint;
  EndpointSlot& slot = endpoints[static_cast<std::size_t>(endpoint)];
  EndpointHealth& h = health[static_cast<std::size_t>(endpoint)];
  --h.in_flight;
  // Safe to hand back before reading its response: nothing below starts another attempt.
  idle.push_back(&t);
  if (!connect_outcome(t, *job, code)) {
    // A stalled connect try: the server's accept queue is likely full (a dropped handshake).
    // Try again at once, with a longer try, instead of waiting for the kernel's SYN retry; not
    // an attempt, and not the endpoint's failure; the rate quota it took carries over to the next
    // try (the server saw nothing).
    job->quota_held = true;
    --job->attempts;
    slot.requests.fetch_sub(1, std::memory_order_relaxed);  // it sent nothing
    pending.push_front(std::move(job));
    return;
  }

  if (code != CURLE_OK) {
    std::string detail = t.errbuf[0] ? std::string(t.errbuf) : std::string(curl_easy_strerror(code));
    if (!t.connected && code == CURLE_OPERATION_TIMEDOUT) {
      detail = fmt::format("no connection within connect_timeout_s = {:g} s ({} tries)", cfg.connect_timeout_s,
                           job->connect_tries);
      job->connect_tries = 0;
      job->connect_spent = 0.0;
    }
    fail_attempt(std::move(job), endpoint, Error(backoff::curl_error_kind(code), slot.base_url + ": " + detail),
                 std::nullopt);
    return;
  }
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    std::optional<double> retry_after;
    curl_header* header = nullptr;
    if (curl_easy_header(t.easy, "Retry-After", 0, CURLH_HEADER, -1, &header) == CURLHE_OK && header && header->value) {
      retry_after = wire::parse_retry_after(header->value, unix_now());
    }
    const int s = static_cast<int>(status);
    fail_attempt(std::move(job), endpoint,
                 Error(ErrorKind::http_status, std::to_string(s) + ": " + wire::error_message(t.response), s),
                 retry_after);
    return;
  }
  // A 200 whose body is not JSON at all was corrupted on the way (a proxy, a cut connection, an
  // overloaded server): worth another attempt, like a dropped connection, and it counts against
  // the endpoint's health (a replica answering HTML pages gets backed off). A well-formed body the
  // model filled badly (no choices, null content) is the reply, and retrying would repeat it.
  if (!nlohmann::json::accept(t.response)) {
    fail_attempt(std::move(job), endpoint,
                 Error(ErrorKind::transport, "the reply body from " + endpoints[static_cast<std::size_t>(endpoint)].base_url +
                                                 " is not valid JSON (corrupted, cut off, or not an OpenAI-compatible endpoint)"),
                 std::nullopt);
    return;
  }
  // The transport worked and the body is JSON: the endpoint is healthy.
  record_success(h);
  slot.backoff_until.store(0.0, std::memory_order_relaxed);
  const double now = steady_now();
  Reply reply;
  try {
    reply = wire::parse_chat_reply(t.response);
  } catch (const Error&) {
    deliver(*job, Reply{}, std::current_exception());
    return;
  } catch (const std::exception& e) {
    deliver(*job, Reply{}, std::make_exception_ptr(Error(ErrorKind::bad_reply, e.what())));
    return;
  }
  // A server that reports no usage keeps the estimate: better than charging nothing.
  if (reply.usage.total() > 0) limiter.correct_tokens(job->tokens, static_cast<double>(reply.usage.total()), now);
  reply.latency_s = now - job->submitted;
  reply.attempts = job->attempts;
  reply.cached = false;
  if (reply.model.empty()) reply.model = cfg.model;
  deliver(*job, std::move(reply), nullptr);
}

// Tells the endpoint's ramp how the attempt's connecting went. False when the connect try
// stalled and the connect budget allows another try.
bool HttpBackend::Impl::connect_outcome(Transfer& t, Job& job, CURLcode code) {
  ConnectionRamp& ramp = *t.ramp;
  if (t.connected) {
    job.connect_tries = 0;
    job.connect_spent = 0.0;
    return true;
  }
  if (code != CURLE_OPERATION_TIMEDOUT) {
    if (t.opening) ramp.abandoned();
    return true;
  }
  ramp.stalled(steady_now(), t.opening);
  ++job.connect_tries;
  job.connect_spent += t.try_timeout;
  return job.connect_spent >= cfg.connect_timeout_s - 1e-6;
}

void HttpBackend::Impl::fail_attempt(std::unique_ptr<Job> job, int endpoint, const Error& error,
                                     std::optional<double> retry_after) {
  EndpointSlot& slot = endpoints[static_cast<std::size_t>(endpoint)];
  EndpointHealth& h = health[static_cast<std::size_t>(endpoint)];
  slot.failures.fetch_add(1, std::memory_order_relaxed);
  const double now = steady_now();
  // The failed attempt consumed a request, but no tokens were generated for it.
  limiter.correct_tokens(job->tokens, 0.0, now);
  if (error.transient()) {
    if (record_failure(h, cfg.endpoint_failure_threshold, cfg.endpoint_backoff_s, now)) {
      slot.backoff_until.store(h.backoff_until, std::memory_order_relaxed);
    }
  }
  if (backoff::should_retry(cfg.retry, error, job->attempts)) {
    job->not_before = now + backoff::retry_delay_s(cfg.retry, job->attempts, retry_after, unit(rng));
    waiting.push_back(std::move(job));
    std::push_heap(waiting.begin(), waiting.end(), later);
    return;
  }
  std::string message = error.what();
  if (job->attempts > 1) message += " (after " + std::to_string(job->attempts) + " attempts)";
  deliver(*job, Reply{}, std::make_exception_ptr(Error(error.kind(), message, error.http_status())));
}

int HttpBackend::Impl::poll_timeout_ms(double now) const {
  double next = std::min(limiter_wake, ramp_wake);
  if (!waiting.empty()) next = std::min(next, waiting.front()->not_before);
  if (next == kNever) return kIdlePollMs;
  const double ms = std::ceil((next - now) * 1000.0);
  return static_cast<int>(std::clamp(ms, 0.0, static_cast<double>(kIdlePollMs)));
}

void HttpBackend::Impl::cancel_all() {
  {
    std::lock_guard lock(mu);
    for (auto& job : incoming) pending.push_back(std::move(job));
    incoming.clear();
  }
  const auto cancelled = [] {
    return std::make_exception_ptr(Error(ErrorKind::cancelled, "the HTTP backend shut down before the request finished"));
  };
  for (auto& t : transfers) {
    if (!t->job) continue;
    curl_multi_remove_handle(multi, t->easy);
    std::unique_ptr<Job> job = std::move(t->job);
    deliver(*job, Reply{}, cancelled());
  }
  for (auto& job : waiting) deliver(*job, Reply{}, cancelled());
  waiting.clear();
  for (auto& job : pending) deliver(*job, Reply{}, cancelled());
  pending.clear();
}

HttpBackend::HttpBackend(std::string role, RoleConfig config)
    : impl_(std::make_unique<Impl>(std::move(role), std::move(config))) {
  Impl& im = *impl_;
  im.configure();
  std::string key;
  if (!im.cfg.api_key_env.empty()) {
    std::optional<std::string> value = getenv_string(im.cfg.api_key_env.c_str());
    if (!value || value->empty()) {
      // Echo the name only when it looks like one: a user who pasted the key itself into
      // api_key_env must not see it printed into a terminal or a CI log.
      const std::string& name = im.cfg.api_key_env;
      const bool show = name.size() <= 64 && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                        std::all_of(name.begin(), name.end(), [](char c) {
                          return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                        });
      throw Error(ErrorKind::config, "role `" + im.role + "`: api_key_env names the environment variable " +
                                         (show ? "`" + im.cfg.api_key_env + "`" : "(value not shown)") +
                                         ", which is not set");
    }
    key = std::move(*value);
  }
  im.setup_curl(key);
  im.thread = std::thread([&im] { im.run(); });
}

HttpBackend::~HttpBackend() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->stop.store(true, std::memory_order_release);
  curl_multi_wakeup(impl_->multi);
  impl_->thread.join();
}

void HttpBackend::submit(Request request, Completion done) {
  auto job = std::make_unique<Job>();
  if (request.model.empty()) request.model = impl_->cfg.model;
  std::size_t prompt_bytes = 0;
  for (const Message& m : request.messages) prompt_bytes += m.content.size();
  job->tokens = estimate_tokens(static_cast<double>(prompt_bytes), request.max_tokens);
  // Serialized here, on the caller's thread, so the event loop only moves bytes.
  job->body = wire::chat_body(request).dump();
  job->done = std::move(done);
  job->submitted = steady_now();
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->incoming.push_back(std::move(job));
    }
  }
  if (job) {
    deliver(*job, Reply{}, std::make_exception_ptr(Error(ErrorKind::cancelled, "the HTTP backend is shutting down")));
    return;
  }
  impl_->wake();
}

std::string HttpBackend::describe() const {
  const std::size_t n = impl_->endpoints.size();
  return "openai: " + std::to_string(n) + (n == 1 ? " endpoint" : " endpoints") + ", model " +
         (impl_->cfg.model.empty() ? std::string("(per request)") : impl_->cfg.model);
}

std::vector<HttpBackend::EndpointStats> HttpBackend::stats() const {
  const double now = steady_now();
  std::vector<EndpointStats> out;
  out.reserve(impl_->endpoints.size());
  for (const EndpointSlot& e : impl_->endpoints) {
    out.push_back({e.base_url, e.requests.load(std::memory_order_relaxed), e.failures.load(std::memory_order_relaxed),
                   now < e.backoff_until.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace maspo::llm
