// llm::Client: cache -> budget -> backend -> accounting -> cache, for every role.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include <spdlog/spdlog.h>

#include "llm/cache.hpp"
#include "llm/meter.hpp"
#include "maspo/llm.hpp"
#include "maspo/util.hpp"

namespace maspo::llm {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::transport: return "transport";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::http_status: return "http_status";
    case ErrorKind::bad_reply: return "bad_reply";
    case ErrorKind::budget_exceeded: return "budget_exceeded";
    case ErrorKind::cache_miss: return "cache_miss";
    case ErrorKind::prompt_too_long: return "prompt_too_long";
    case ErrorKind::config: return "config";
    case ErrorKind::invalid_request: return "invalid_request";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::internal: return "internal";
  }
  return "unknown";
}

bool Error::transient() const {
  switch (kind_) {
    case ErrorKind::transport:
    case ErrorKind::timeout:
      return true;
    case ErrorKind::http_status:
      return http_status_ == 429 || http_status_ >= 500;
    default:
      return false;
  }
}

std::string_view to_string(CacheMode mode) {
  switch (mode) {
    case CacheMode::read_write: return "read_write";
    case CacheMode::replay: return "replay";
    case CacheMode::off: return "off";
  }
  return "unknown";
}

json canonical_request(const Request& r, std::string_view model_fingerprint) {
  // nlohmann::json objects are std::map-backed, so dump() already sorts keys: the canonical text.
  json messages = json::array();
  for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  json j = {
      {"v", 1},
      {"model", r.model},
      {"messages", std::move(messages)},
      {"temperature", r.temperature},
      {"top_p", r.top_p ? json(*r.top_p) : json(nullptr)},
      {"max_tokens", r.max_tokens},
      {"stop", r.stop},
      {"seed", r.seed ? json(*r.seed) : json(nullptr)},
      // At temperature 0 every sample is the same reply, so the index must not split the cache.
      {"sample", r.temperature > 0.0 ? r.sample_index : 0},
      {"extra", r.extra.is_null() ? json::object() : r.extra},
  };
  if (!model_fingerprint.empty()) j["model_fingerprint"] = std::string(model_fingerprint);
  return j;
}

std::string cache_key(const json& canonical) {
  try {
    return sha256_hex(canonical.dump());
  } catch (const json::type_error&) {
    // dump() refuses invalid UTF-8; name the problem instead of leaking a JSON library error.
    throw Error(ErrorKind::invalid_request, "the request is not valid UTF-8 (a message, stop string or extra field)");
  }
}

namespace {

// Applies the role's defaults to a request: the model name and the role's extra body fields
// (request fields win over the role's).
Request resolve(const RoleConfig& cfg, Request r) {
  if (r.model.empty()) r.model = cfg.model;
  if (cfg.extra.is_object() && !cfg.extra.empty()) {
    json merged = cfg.extra;
    if (r.extra.is_object()) merged.update(r.extra);
    r.extra = std::move(merged);
  }
  return r;
}

// Whether a failed request reached the model (and so counts against a calls budget). Requests
// refused before sending — cancelled at shutdown, too long for the context, misconfigured — did not.
bool reached_model(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::cancelled:
      case ErrorKind::prompt_too_long:
      case ErrorKind::config:
      case ErrorKind::invalid_request:
      case ErrorKind::internal:
        return false;
      default:
        return true;
    }
  } catch (...) {
    return false;
  }
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::map<std::string, std::shared_ptr<Backend>, std::less<>> backends;
  std::map<std::string, std::string, std::less<>> fingerprints;  // per role, see Backend
  std::unique_ptr<Cache> cache;
  std::unique_ptr<Meter> meter;

  std::mutex mu;
  std::condition_variable idle;
  std::int64_t in_flight = 0;

  const RoleConfig& role(std::string_view name) const {
    auto it = options.roles.find(std::string(name));
    if (it == options.roles.end()) {
      std::string known;
      for (const auto& [k, _] : options.roles) known += (known.empty() ? "" : ", ") + k;
      throw Error(ErrorKind::config, "no model is configured for role `" + std::string(name) +
                                         "` (configured roles: " + (known.empty() ? "none" : known) + ")");
    }
    return it->second;
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  auto factory = impl_->options.factory ? impl_->options.factory : default_backend_factory();
  std::map<std::string, Price> prices;
  for (const auto& [name, cfg] : impl_->options.roles) {
    auto backend = factory->make(name, cfg);
    impl_->fingerprints[name] = backend->model_fingerprint();
    impl_->backends[name] = std::move(backend);
    prices[name] = cfg.price;
  }
  impl_->cache = std::make_unique<Cache>(impl_->options.cache);
  impl_->meter = std::make_unique<Meter>(impl_->options.budgets, std::move(prices));
}

Client::~Client() {
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait(lock, [&] { return impl_->in_flight == 0; });
  lock.unlock();
  try {
    impl_->cache->flush();
  } catch (const std::exception& e) {
    // A destructor cannot report it; the replies were delivered, only their cache copies are lost.
    spdlog::warn("{}", e.what());
  }
}

bool Client::has_role(std::string_view role) const {
  return impl_->options.roles.count(std::string(role)) > 0;
}

const RoleConfig& Client::role_config(std::string_view role) const { return impl_->role(role); }

json Client::canonical(std::string_view role, const Request& request) const {
  return canonical_request(resolve(impl_->role(role), request), impl_->fingerprints.find(role)->second);
}

std::string Client::cache_key(std::string_view role, const Request& request) const {
  return llm::cache_key(canonical(role, request));
}

std::vector<UsageLine> Client::usage() const { return impl_->meter->lines(); }

void Client::submit(std::string_view role_name, Request request, Completion done) {
  Impl& im = *impl_;
  std::string role(role_name);
  Request resolved;
  json canon;
  std::string key;
  Meter::Reservation reservation;
  std::optional<Reply> hit;
  try {
    const RoleConfig& cfg = im.role(role);
    resolved = resolve(cfg, std::move(request));
    canon = canonical_request(resolved, im.fingerprints.find(role)->second);
    key = llm::cache_key(canon);

    if (im.cache->mode() != CacheMode::off) hit = im.cache->get(key);
    if (hit) {
      im.meter->record_cache_hit(role, resolved.model, hit->usage);
    } else {
      if (im.cache->mode() == CacheMode::replay) {
        throw Error(ErrorKind::cache_miss, "replay mode: request for role `" + role + "` (key " + key.substr(0, 16) +
                                               "…) is not in the cache " + im.cache->path());
      }
      reservation = im.meter->reserve(role, resolved.model, Meter::estimate_prompt_tokens(resolved),
                                      resolved.max_tokens);
    }
  } catch (...) {
    done(Reply{}, std::current_exception());
    return;
  }
  // Outside the try: an exception thrown by `done` itself must not make us call it a second time.
  if (hit) {
    done(std::move(*hit), nullptr);
    return;
  }

  {
    std::lock_guard lock(im.mu);
    ++im.in_flight;
  }
  auto started = std::chrono::steady_clock::now();
  auto finish = [&im, role, key, canon = std::move(canon), reservation, started,
                 done = std::move(done)](Reply reply, std::exception_ptr error) mutable {
    // Whatever `done` does (even throw), the request is no longer in flight afterwards; else the
    // destructor would wait for it forever.
    struct Leave {
      Impl& im;
      ~Leave() {
        std::lock_guard lock(im.mu);
        if (--im.in_flight == 0) im.idle.notify_all();
      }
    } leave{im};
    if (error) {
      im.meter->settle_failure(reservation, reached_model(error));
    } else {
      reply.cached = false;
      reply.latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      im.meter->settle_success(reservation, reply.usage);
      im.cache->put(key, canon, reply);
    }
    done(std::move(reply), error);
  };
  // The backend gets a run-once wrapper: if its submit() throws after (or instead of) answering,
  // the caller still hears exactly once and the request still leaves the in-flight count.
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));
  try {
    im.backends.find(role)->second->submit(std::move(resolved), [once, shared_finish](Reply r, std::exception_ptr e) {
      if (!once->exchange(true)) (*shared_finish)(std::move(r), e);
    });
  } catch (...) {
    // Already answered: the exception came out of the caller's own callback; it is theirs.
    if (once->exchange(true)) throw;
    (*shared_finish)(Reply{}, std::current_exception());
  }
}

std::future<Reply> Client::submit(std::string_view role, Request request) {
  auto promise = std::make_shared<std::promise<Reply>>();
  auto future = promise->get_future();
  submit(role, std::move(request), [promise](Reply reply, std::exception_ptr error) {
    if (error) {
      promise->set_exception(error);
    } else {
      promise->set_value(std::move(reply));
    }
  });
  return future;
}

Reply Client::complete(std::string_view role, Request request) { return submit(role, std::move(request)).get(); }

}  // namespace maspo::llm
