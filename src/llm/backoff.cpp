#include "llm/backoff.hpp"

#include <algorithm>
#include <cmath>

#include <curl/curl.h>

namespace maspo::llm::backoff {

bool transient_status(int http_status) { return http_status == 429 || (http_status >= 500 && http_status <= 599); }

ErrorKind curl_error_kind(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::timeout;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    // TLS and login failures: the same certificate or credentials fail the same way next time.
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_LOGIN_DENIED:
    case CURLE_REMOTE_ACCESS_DENIED:
      return ErrorKind::config;
    default:
      return ErrorKind::transport;
  }
}

double delay_s(const RetryPolicy& policy, int failed_attempts, double unit) {
  const int doublings = std::clamp(failed_attempts - 1, 0, 62);
  const double uncapped = policy.base_delay_s * std::ldexp(1.0, doublings);
  const double capped = std::max(0.0, std::min(uncapped, policy.max_delay_s));
  // Equal jitter: clients that failed together spread out, yet none retries at once.
  return capped * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0));
}

double retry_delay_s(const RetryPolicy& policy, int failed_attempts, std::optional<double> retry_after_s,
                     double unit) {
  const double ours = delay_s(policy, failed_attempts, unit);
  if (!retry_after_s) return ours;
  const double theirs = std::clamp(*retry_after_s, 0.0, std::max(0.0, policy.max_retry_after_s));
  return std::max(ours, theirs);
}

bool should_retry(const RetryPolicy& policy, const Error& error, int attempts) {
  return error.transient() && attempts < policy.max_attempts;
}

}  // namespace maspo::llm::backoff
