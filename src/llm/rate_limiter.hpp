// Requests/min and tokens/min limits as token buckets. Time is passed in (seconds on any steady
// clock), so the buckets are pure values the tests can drive without sleeping.
#pragma once

namespace maspo::llm {

class TokenBucket {
 public:
  // rate_per_s <= 0: unlimited. The bucket starts full.
  TokenBucket(double rate_per_s, double capacity, double now);

  bool unlimited() const { return rate_ <= 0; }
  // Seconds from `now` until `amount` may be taken; 0 when it may be taken now. An amount larger
  // than the capacity may go once the bucket is full, leaving it in debt, so a big request is
  // delayed, never refused forever.
  double wait_s(double amount, double now);
  void take(double amount, double now);
  // Returns tokens (a refund or a correction); the level never exceeds the capacity.
  void give(double amount, double now);
  double level(double now);

 private:
  void refill(double now);
  double rate_;
  double capacity_;
  double level_;
  double last_;
};

class RateLimiter {
 public:
  // 0 (or less) = unlimited. Bursts are allowed up to one second's worth of each rate (at least
  // one request): enough to keep a pipeline full, small enough that a minute's quota is not spent
  // in the first instant.
  RateLimiter(double requests_per_minute, double tokens_per_minute, double now);

  double wait_s(double tokens, double now);
  void acquire(double tokens, double now);
  // After the reply: the real token count replaces the estimate taken by acquire().
  void correct_tokens(double estimated, double actual, double now);

 private:
  TokenBucket requests_;
  TokenBucket tokens_;
};

// Tokens a request is charged before it is sent: prompt bytes / 4 (a rough, model-independent
// bytes-per-token ratio) plus the completion budget.
double estimate_tokens(double prompt_bytes, int max_tokens);

}  // namespace maspo::llm
