#include "llm/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace maspo::llm {
namespace {

TEST(TokenBucket, UnlimitedNeverWaits) {
  TokenBucket b(0.0, 1.0, 0.0);
  EXPECT_TRUE(b.unlimited());
  for (int i = 0; i < 1000; ++i) b.take(1e6, 0.0);
  EXPECT_EQ(b.wait_s(1e9, 0.0), 0.0);
}

TEST(TokenBucket, StartsFullThenRefillsAtRate) {
  TokenBucket b(/*rate=*/2.0, /*capacity=*/4.0, /*now=*/10.0);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(b.wait_s(1.0, 10.0), 0.0);
    b.take(1.0, 10.0);
  }
  EXPECT_DOUBLE_EQ(b.wait_s(1.0, 10.0), 0.5);
  EXPECT_DOUBLE_EQ(b.wait_s(1.0, 10.25), 0.25);
  EXPECT_EQ(b.wait_s(1.0, 10.5), 0.0);
  // Refill stops at the capacity, however long it has been idle.
  EXPECT_DOUBLE_EQ(b.level(1000.0), 4.0);
}

TEST(TokenBucket, OversizedAmountGoesWhenFullAndLeavesDebt) {
  TokenBucket b(1.0, 2.0, 0.0);
  EXPECT_EQ(b.wait_s(10.0, 0.0), 0.0);  // full: a request bigger than the bucket may go
  b.take(10.0, 0.0);
  EXPECT_DOUBLE_EQ(b.level(0.0), -8.0);
  // The debt is paid at the configured rate before anything else goes.
  EXPECT_DOUBLE_EQ(b.wait_s(1.0, 0.0), 9.0);
  EXPECT_DOUBLE_EQ(b.wait_s(10.0, 0.0), 10.0);
}

TEST(TokenBucket, GiveRefundsButNeverOverfills) {
  TokenBucket b(1.0, 5.0, 0.0);
  b.take(5.0, 0.0);
  b.give(3.0, 0.0);
  EXPECT_DOUBLE_EQ(b.level(0.0), 3.0);
  b.give(100.0, 0.0);
  EXPECT_DOUBLE_EQ(b.level(0.0), 5.0);
}

TEST(RateLimiter, RequestsPerMinuteAllowOneSecondBurstThenPace) {
  RateLimiter r(/*rpm=*/120.0, /*tpm=*/0.0, 0.0);  // 2/s, burst 2
  double now = 0.0;
  int sent = 0;
  // Simulate a greedy sender for 10 s of virtual time.
  for (int step = 0; step < 10000 && now < 10.0; ++step) {
    const double w = r.wait_s(100.0, now);
    if (w > 0) {
      now += w;
      continue;
    }
    r.acquire(100.0, now);
    ++sent;
  }
  // 2 in the initial burst + 2/s for 10 s.
  EXPECT_GE(sent, 21);
  EXPECT_LE(sent, 23);
}

TEST(RateLimiter, TokensPerMinuteUseEstimateThenCorrection) {
  RateLimiter r(/*rpm=*/0.0, /*tpm=*/600.0, 0.0);  // 10 tokens/s, burst 10
  EXPECT_EQ(r.wait_s(10.0, 0.0), 0.0);
  r.acquire(10.0, 0.0);
  EXPECT_DOUBLE_EQ(r.wait_s(10.0, 0.0), 1.0);
  // The reply used only 4 tokens: 6 come back, so 6 more may go now.
  r.correct_tokens(10.0, 4.0, 0.0);
  EXPECT_EQ(r.wait_s(6.0, 0.0), 0.0);
  EXPECT_GT(r.wait_s(7.0, 0.0), 0.0);
  // A reply that used more than estimated puts the bucket in debt.
  r.correct_tokens(0.0, 16.0, 0.0);
  EXPECT_DOUBLE_EQ(r.wait_s(1.0, 0.0), 1.1);
}

TEST(RateLimiter, BothLimitsApplyTheLongerWaitWins) {
  RateLimiter r(/*rpm=*/60.0, /*tpm=*/60.0, 0.0);  // 1 req/s, 1 token/s
  r.acquire(1.0, 0.0);
  EXPECT_DOUBLE_EQ(r.wait_s(1.0, 0.0), 1.0);
  r.correct_tokens(1.0, 4.0, 0.0);  // 3 tokens of debt
  EXPECT_DOUBLE_EQ(r.wait_s(1.0, 0.0), 4.0);
}

TEST(RateLimiter, EstimateIsPromptBytesOverFourPlusMaxTokens) {
  EXPECT_DOUBLE_EQ(estimate_tokens(400.0, 100), 200.0);
  EXPECT_DOUBLE_EQ(estimate_tokens(400.0, 0), 100.0);
  EXPECT_DOUBLE_EQ(estimate_tokens(0.0, -5), 0.0);
}

}  // namespace
}  // namespace maspo::llm
