// Opening connections to one endpoint without flooding its accept queue: a pure value owned by
// the HTTP backend's event loop, so the policy is tested without sockets.
//
// Why: a wave of requests (a batch of judgements) starts up to max_concurrency transfers at once.
// Against a server that keeps connections alive they reuse idle ones; against one that closes
// every connection (HTTP/1.0), or before any is open, each needs a new connection. A server with
// a small listen backlog (Python's http.server: 5) drops the handshakes that do not fit, and the
// kernel retries a dropped SYN only after 1, 3, 7, 15 s. A client cannot see the server's accept
// queue; it sees only a connect that does not complete. So, per endpoint:
//   - a connect try has its own short timeout, learned from how long connects take (a few times
//     the slowest recent one, at least kMinTry), doubling on every retry of the same request; a
//     stalled try is retried at once instead of waiting for the kernel's SYN retry (the backend
//     bounds the sum of a request's tries by its connect_timeout_s);
//   - at most `window` new connections are being opened at once: it starts at kInitialWindow,
//     grows by one per connection made until the first stall, then by one per window's worth;
//     a stall halves it (once per try timeout), as TCP's congestion window does;
//   - once a stall has been seen, new connections are also spaced in time: the gap doubles on
//     every stall (from kFirstGap) and shrinks a little with every connection made, so the pace
//     settles near the rate at which the server accepts. An endpoint that never stalls is never
//     paced, and a transfer that can reuse an idle connection is neither paced nor counted.
#pragma once

#include <algorithm>

namespace maspo::llm {

class ConnectionRamp {
 public:
  static constexpr int kInitialWindow = 4;
  static constexpr double kFirstTry = 0.25;     // seconds: a connect try before any was measured
  // At least this long: curl checks a connect's timeout before its socket, so a loop that wakes
  // late on a loaded machine would call a finished connect stalled.
  static constexpr double kMinTry = 0.01;       // seconds
  static constexpr double kFirstGap = 0.0001;   // seconds between new connections after the first stall
  static constexpr double kMaxGap = 0.005;

  explicit ConnectionRamp(int max_window = 64) : max_window_(std::max(1, max_window)) {}

  // Whether a transfer that needs a new connection may start at `now`.
  bool may_open(double now) const { return connecting_ < window() && now >= next_open_; }
  // When may_open() turns true by the clock alone (the window needs a connect or a stall).
  double next_open() const { return next_open_; }
  int connecting() const { return connecting_; }
  int window() const { return std::min(max_window_, std::max(1, static_cast<int>(window_))); }
  double gap() const { return gap_; }

  // A transfer started opening a new connection at `now`.
  void opening(double now);
  // Its connection is made, after `seconds` of connecting.
  void connected(double seconds);
  // It ended without a connection, for a reason other than a stalled try (refused, cancelled).
  void abandoned() { connecting_ = std::max(0, connecting_ - 1); }
  // A connect try timed out at `now`; `counted`: the transfer was opening() (not expected to
  // reuse a connection).
  void stalled(double now, bool counted = true);

  // Timeout of a request's try number `tries` (0 = first) of connecting.
  double try_timeout(int tries) const;

 private:
  int max_window_;
  double window_ = kInitialWindow;
  int connecting_ = 0;
  double slowest_ = -1.0;           // decaying maximum of measured connect times; < 0: none yet
  double gap_ = 0.0;                // 0: not paced (no stall seen)
  double next_open_ = 0.0;
  double last_stall_ = -1e300;      // when the last stall shrank the window
};

}  // namespace maspo::llm
