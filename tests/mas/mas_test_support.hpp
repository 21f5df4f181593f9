// Backends and clients for the executor tests: every request goes through a real llm::Client
// (cache, budgets, accounting) into a test double that records what it was sent.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llm/scripted_backend.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"

namespace maspo::mas::testing {

// One request as a backend saw it, with the role it was sent under.
struct Seen {
  std::string role;
  llm::Request request;
  const std::string& prompt() const { return request.messages.back().content; }
};

// A log shared by the backends of one client.
class RequestLog {
 public:
  void add(const std::string& role, const llm::Request& r) {
    std::lock_guard lock(mu_);
    seen_.push_back({role, r});
  }
  std::vector<Seen> all() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::vector<std::string> prompts() const {
    std::vector<std::string> out;
    for (const auto& s : all()) out.push_back(s.prompt());
    return out;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
};

using Script = std::function<llm::Reply(const llm::Request&)>;

inline bool is_compression(const llm::Request& r) { return r.messages.back().content.rfind("In at most ", 0) == 0; }

// What a compression call was asked to compress.
inline std::string compressed_text(const llm::Request& r) {
  const std::string& p = r.messages.back().content;
  return p.substr(p.find("Text:\n") + 6);
}

// The default script: a role call answers "O<prompt>", a compression call "S<text>", so every
// prompt downstream shows exactly what it was built from.
inline llm::Reply echo_script(const llm::Request& r) {
  llm::Reply reply;
  reply.text = is_compression(r) ? "S<" + compressed_text(r) + ">" : "O<" + r.messages.back().content + ">";
  reply.usage = {10, 1};
  return reply;
}

// Every role gets a ScriptedBackend (answers synchronously) that logs, then runs `script`.
class ScriptFactory : public llm::BackendFactory {
 public:
  ScriptFactory(std::shared_ptr<RequestLog> log, Script script) : log_(std::move(log)), script_(std::move(script)) {}
  std::shared_ptr<llm::Backend> make(const std::string& role, const llm::RoleConfig&) override {
    auto log = log_;
    auto script = script_;
    return std::make_shared<llm::ScriptedBackend>([log, script, role](const llm::Request& r) {
      log->add(role, r);
      return script(r);
    });
  }

 private:
  std::shared_ptr<RequestLog> log_;
  Script script_;
};

// Holds every request until the test releases it, so a test can see what was submitted together.
class HoldingBackend : public llm::Backend {
 public:
  HoldingBackend(std::shared_ptr<RequestLog> log, Script script) : log_(std::move(log)), script_(std::move(script)) {}

  void submit(llm::Request request, llm::Completion done) override {
    log_->add("agents", request);
    std::lock_guard lock(mu_);
    held_.push_back({std::move(request), std::move(done)});
    cv_.notify_all();
  }
  std::string describe() const override { return "holding (test double)"; }

  std::size_t held() const {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  // Waits until at least `n` requests are held; false after `timeout`.
  bool wait_held(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_.size() >= n; });
  }
  // Answers every request held now (not those their answers cause); returns how many.
  std::size_t release() {
    std::deque<std::pair<llm::Request, llm::Completion>> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(held_);
    }
    for (auto& [request, done] : batch) done(script_(request), nullptr);
    return batch.size();
  }

 private:
  std::shared_ptr<RequestLog> log_;
  Script script_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<llm::Request, llm::Completion>> held_;
};

class SingleBackendFactory : public llm::BackendFactory {
 public:
  explicit SingleBackendFactory(std::shared_ptr<llm::Backend> backend) : backend_(std::move(backend)) {}
  std::shared_ptr<llm::Backend> make(const std::string&, const llm::RoleConfig&) override { return backend_; }

 private:
  std::shared_ptr<llm::Backend> backend_;
};

// Answers on its own thread after `delay`, and records how many requests were in flight at most.
class AsyncBackend : public llm::Backend {
 public:
  AsyncBackend(Script script, std::chrono::microseconds delay) : script_(std::move(script)), delay_(delay) {
    worker_ = std::thread([this] { loop(); });
  }
  ~AsyncBackend() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  void submit(llm::Request request, llm::Completion done) override {
    int now = ++in_flight_;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(request), std::move(done)});
    cv_.notify_all();
  }
  std::string describe() const override { return "async (test double)"; }

  std::atomic<int> max_in_flight{0};

 private:
  void loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto [request, done] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      std::this_thread::sleep_for(delay_);
      llm::Reply reply = script_(request);
      --in_flight_;
      done(std::move(reply), nullptr);
      lock.lock();
    }
  }

  Script script_;
  std::chrono::microseconds delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<llm::Request, llm::Completion>> queue_;
  bool stop_ = false;
  std::atomic<int> in_flight_{0};
  std::thread worker_;
};

// Client options with the roles `agents` and `judge` on `factory` and the cache off, so nothing
// touches the user's cache.
inline llm::ClientOptions client_options(std::shared_ptr<llm::BackendFactory> factory) {
  llm::ClientOptions o;
  llm::RoleConfig role;
  role.backend = "scripted";
  role.model = "test-model";
  o.roles["agents"] = role;
  o.roles["judge"] = role;
  o.cache.mode = llm::CacheMode::off;
  o.factory = std::move(factory);
  return o;
}

}  // namespace maspo::mas::testing
