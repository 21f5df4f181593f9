#include "llm/endpoint_health.hpp"

#include <cstddef>

namespace maspo::llm {

int pick_endpoint(std::span<const EndpointHealth> endpoints, int max_in_flight, double now) {
  int best = -1;
  bool any_healthy = false;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const EndpointHealth& e = endpoints[i];
    if (e.backed_off(now)) continue;
    any_healthy = true;
    if (e.in_flight >= max_in_flight || e.opening_full) continue;
    if (best < 0 || e.in_flight < endpoints[static_cast<std::size_t>(best)].in_flight) best = static_cast<int>(i);
  }
  // A healthy endpoint that is merely busy is worth waiting for; a backed-off one is not used.
  if (any_healthy) return best;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const EndpointHealth& e = endpoints[i];
    if (e.in_flight >= max_in_flight || e.opening_full) continue;
    if (best < 0 || e.backoff_until < endpoints[static_cast<std::size_t>(best)].backoff_until) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

bool record_failure(EndpointHealth& endpoint, int threshold, double backoff_s, double now) {
  ++endpoint.consecutive_failures;
  if (threshold < 1 || endpoint.consecutive_failures < threshold) return false;
  endpoint.backoff_until = now + backoff_s;
  // Half-open afterwards: one more failure once the backoff ends sends it straight back.
  endpoint.consecutive_failures = threshold - 1;
  return true;
}

void record_success(EndpointHealth& endpoint) {
  endpoint.consecutive_failures = 0;
  endpoint.backoff_until = 0.0;
}

}  // namespace maspo::llm
