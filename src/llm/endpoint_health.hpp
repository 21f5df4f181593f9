// Choosing an endpoint and tracking its health: a pure value per endpoint, owned by the backend's
// event loop, so the policy can be tested without sockets.
#pragma once

#include <span>

namespace maspo::llm {

struct EndpointHealth {
  int in_flight = 0;
  int consecutive_failures = 0;   // transient failures since the last success
  double backoff_until = 0.0;     // steady-clock seconds; the endpoint is healthy once now >= this
  bool opening_full = false;      // as many transfers connecting as its ConnectionRamp allows: counts as full
  bool backed_off(double now) const { return now < backoff_until; }
};

// The endpoint the next attempt goes to: the healthy one with the fewest in flight; when every
// endpoint is backed off, the one whose backoff ends first (a slow answer beats no answer).
// -1 when the chosen class of endpoints is full (at `max_in_flight`, or opening_full): the
// attempt waits.
int pick_endpoint(std::span<const EndpointHealth> endpoints, int max_in_flight, double now);

// A transient failure. After `threshold` in a row (threshold < 1: never) the endpoint is left
// alone for `backoff_s`. Returns true when this failure started a backoff.
bool record_failure(EndpointHealth& endpoint, int threshold, double backoff_s, double now);

void record_success(EndpointHealth& endpoint);

}  // namespace maspo::llm
