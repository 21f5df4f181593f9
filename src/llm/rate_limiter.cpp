#include "llm/rate_limiter.hpp"

#include <algorithm>

namespace maspo::llm {

namespace {
// Float rounding in refill() must not turn "ready now" into a 1 ns wait and an extra wakeup.
constexpr double kSlack = 1e-9;
}  // namespace

TokenBucket::TokenBucket(double rate_per_s, double capacity, double now)
    : rate_(rate_per_s), capacity_(std::max(capacity, 1e-9)), level_(capacity_), last_(now) {}

void TokenBucket::refill(double now) {
  if (now > last_) {
    level_ = std::min(capacity_, level_ + (now - last_) * rate_);
    last_ = now;
  }
}

double TokenBucket::wait_s(double amount, double now) {
  if (unlimited()) return 0.0;
  refill(now);
  const double need = std::min(amount, capacity_);
  if (level_ + kSlack >= need) return 0.0;
  return (need - level_) / rate_;
}

void TokenBucket::take(double amount, double now) {
  if (unlimited()) return;
  refill(now);
  level_ -= amount;
}

void TokenBucket::give(double amount, double now) {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(capacity_, level_ + amount);
}

double TokenBucket::level(double now) {
  refill(now);
  return level_;
}

RateLimiter::RateLimiter(double requests_per_minute, double tokens_per_minute, double now)
    : requests_(requests_per_minute / 60.0, std::max(1.0, requests_per_minute / 60.0), now),
      tokens_(tokens_per_minute / 60.0, std::max(1.0, tokens_per_minute / 60.0), now) {}

double RateLimiter::wait_s(double tokens, double now) {
  return std::max(requests_.wait_s(1.0, now), tokens_.wait_s(tokens, now));
}

void RateLimiter::acquire(double tokens, double now) {
  requests_.take(1.0, now);
  tokens_.take(tokens, now);
}

void RateLimiter::correct_tokens(double estimated, double actual, double now) {
  const double delta = estimated - actual;
  if (delta > 0) {
    tokens_.give(delta, now);
  } else if (delta < 0) {
    tokens_.take(-delta, now);
  }
}

double estimate_tokens(double prompt_bytes, int max_tokens) {
  return prompt_bytes / 4.0 + static_cast<double>(std::max(0, max_tokens));
}

}  // namespace maspo::llm
