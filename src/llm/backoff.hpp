// Retry decisions for the HTTP backend, as pure functions so they can be tested without a network:
// which failures are worth another attempt, and how long to wait before it.
#pragma once

#include <optional>

#include "maspo/llm.hpp"

namespace maspo::llm::backoff {

// 429 and 5xx: the server may answer differently a moment later. Every other status will not.
bool transient_status(int http_status);

// What a failed libcurl transfer (a CURLcode) means to the caller: timeout, config (the URL or
// protocol itself is wrong, so retrying cannot help) or transport (everything else).
ErrorKind curl_error_kind(int curl_code);

// Seconds to wait after `failed_attempts` (>= 1) failures: base_delay_s * 2^(failed_attempts-1),
// capped at max_delay_s, scaled by a jitter factor in [0.5, 1.0] drawn from `unit` (in [0, 1)).
double delay_s(const RetryPolicy& policy, int failed_attempts, double unit);

// As delay_s, but never shorter than the server's Retry-After, itself capped at
// max_retry_after_s so a hostile or buggy server cannot park a request for hours.
double retry_delay_s(const RetryPolicy& policy, int failed_attempts, std::optional<double> retry_after_s,
                     double unit);

// Whether a request that has made `attempts` attempts and just failed with `error` gets another.
bool should_retry(const RetryPolicy& policy, const Error& error, int attempts);

}  // namespace maspo::llm::backoff
