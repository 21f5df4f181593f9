#include "llm/connection_ramp.hpp"

#include <cmath>

namespace maspo::llm {

namespace {
// A try waits this many times the slowest recent connect before it is called stalled.
constexpr double kTryFactor = 4.0;
// How fast an old slow connect is forgotten (per connection made).
constexpr double kSlowestDecay = 0.9;
// How fast the pace between new connections relaxes (per connection made).
constexpr double kGapDecay = 0.98;
}  // namespace

void ConnectionRamp::opening(double now) {
  ++connecting_;
  if (gap_ > 0) next_open_ = std::max(now, next_open_) + gap_;
}

void ConnectionRamp::connected(double seconds) {
  connecting_ = std::max(0, connecting_ - 1);
  const bool stalled_before = gap_ > 0;
  window_ = std::min(static_cast<double>(max_window_), window_ + (stalled_before ? 1.0 / window_ : 1.0));
  gap_ *= kGapDecay;
  seconds = std::max(0.0, seconds);
  slowest_ = slowest_ < 0 ? seconds : std::max(seconds, slowest_ * kSlowestDecay);
}

void ConnectionRamp::stalled(double now, bool counted) {
  if (counted) connecting_ = std::max(0, connecting_ - 1);
  // The stalls of one burst are one event: their tries all ran out within one try timeout.
  if (now - last_stall_ < try_timeout(0)) return;
  last_stall_ = now;
  window_ = std::max(1.0, window_ / 2.0);
  gap_ = std::clamp(gap_ * 2.0, kFirstGap, kMaxGap);
}

double ConnectionRamp::try_timeout(int tries) const {
  const double first = slowest_ < 0 ? kFirstTry : std::max(kMinTry, kTryFactor * slowest_);
  return first * std::pow(2.0, std::clamp(tries, 0, 20));
}

}  // namespace maspo::llm
