#include "llm/backoff.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace maspo::llm {
namespace {

RetryPolicy policy(double base, double cap, double max_retry_after = 120.0, int attempts = 5) {
  RetryPolicy p;
  p.base_delay_s = base;
  p.max_delay_s = cap;
  p.max_retry_after_s = max_retry_after;
  p.max_attempts = attempts;
  return p;
}

TEST(Backoff, TransientStatusesAre429And5xxOnly) {
  EXPECT_TRUE(backoff::transient_status(429));
  EXPECT_TRUE(backoff::transient_status(500));
  EXPECT_TRUE(backoff::transient_status(503));
  EXPECT_TRUE(backoff::transient_status(599));
  EXPECT_FALSE(backoff::transient_status(400));
  EXPECT_FALSE(backoff::transient_status(401));
  EXPECT_FALSE(backoff::transient_status(404));
  EXPECT_FALSE(backoff::transient_status(200));
  EXPECT_FALSE(backoff::transient_status(302));
}

TEST(Backoff, CurlCodesMapToTimeoutConfigOrTransport) {
  EXPECT_EQ(backoff::curl_error_kind(CURLE_OPERATION_TIMEDOUT), ErrorKind::timeout);
  EXPECT_EQ(backoff::curl_error_kind(CURLE_COULDNT_CONNECT), ErrorKind::transport);
  EXPECT_EQ(backoff::curl_error_kind(CURLE_PARTIAL_FILE), ErrorKind::transport);
  EXPECT_EQ(backoff::curl_error_kind(CURLE_GOT_NOTHING), ErrorKind::transport);
  EXPECT_EQ(backoff::curl_error_kind(CURLE_RECV_ERROR), ErrorKind::transport);
  EXPECT_EQ(backoff::curl_error_kind(CURLE_URL_MALFORMAT), ErrorKind::config);
  EXPECT_EQ(backoff::curl_error_kind(CURLE_UNSUPPORTED_PROTOCOL), ErrorKind::config);
}

TEST(Backoff, DelayDoublesFromBaseAndIsCapped) {
  const RetryPolicy p = policy(0.5, 3.0);
  // unit = 1 gives the undiminished delay.
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 1, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 2, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 3, 1.0), 2.0);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 4, 1.0), 3.0);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 1000, 1.0), 3.0);
}

TEST(Backoff, JitterStaysWithinHalfToFullDelay) {
  const RetryPolicy p = policy(1.0, 100.0);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 3, 0.0), 2.0);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 3, 0.5), 3.0);
  for (int i = 0; i <= 100; ++i) {
    const double d = backoff::delay_s(p, 2, i / 100.0);
    EXPECT_GE(d, 1.0);
    EXPECT_LE(d, 2.0);
  }
  // Out-of-range randomness cannot produce a negative or runaway delay.
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 1, -5.0), 0.5);
  EXPECT_DOUBLE_EQ(backoff::delay_s(p, 1, 7.0), 1.0);
}

TEST(Backoff, RetryAfterIsAFloorCappedByPolicy) {
  const RetryPolicy p = policy(0.1, 1.0, /*max_retry_after=*/10.0);
  EXPECT_DOUBLE_EQ(backoff::retry_delay_s(p, 1, std::nullopt, 1.0), 0.1);
  EXPECT_DOUBLE_EQ(backoff::retry_delay_s(p, 1, 4.0, 1.0), 4.0);   // longer than our delay, honoured
  EXPECT_DOUBLE_EQ(backoff::retry_delay_s(p, 1, 500.0, 1.0), 10.0);  // capped
  EXPECT_DOUBLE_EQ(backoff::retry_delay_s(p, 1, 0.0, 1.0), 0.1);   // shorter: our backoff still applies
  EXPECT_DOUBLE_EQ(backoff::retry_delay_s(p, 1, -3.0, 1.0), 0.1);
}

TEST(Backoff, OnlyTransientErrorsAreRetriedAndOnlyUpToMaxAttempts) {
  const RetryPolicy p = policy(0.1, 1.0, 10.0, /*attempts=*/3);
  const Error http503(ErrorKind::http_status, "503: busy", 503);
  const Error http400(ErrorKind::http_status, "400: bad", 400);
  EXPECT_TRUE(backoff::should_retry(p, http503, 1));
  EXPECT_TRUE(backoff::should_retry(p, http503, 2));
  EXPECT_FALSE(backoff::should_retry(p, http503, 3));
  EXPECT_FALSE(backoff::should_retry(p, http400, 1));
  EXPECT_TRUE(backoff::should_retry(p, Error(ErrorKind::timeout, "t"), 1));
  EXPECT_TRUE(backoff::should_retry(p, Error(ErrorKind::transport, "t"), 1));
  EXPECT_FALSE(backoff::should_retry(p, Error(ErrorKind::bad_reply, "b"), 1));
  EXPECT_FALSE(backoff::should_retry(p, Error(ErrorKind::config, "c"), 1));
}

}  // namespace
}  // namespace maspo::llm
