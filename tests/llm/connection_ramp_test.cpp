// The connection ramp's policy, without sockets: window, pacing and connect tries.
#include "llm/connection_ramp.hpp"

#include <gtest/gtest.h>

namespace maspo::llm {
namespace {

TEST(ConnectionRamp, OpensAFewAtOnceThenGrowsByOnePerConnectionMade) {
  ConnectionRamp r(64);
  for (int i = 0; i < ConnectionRamp::kInitialWindow; ++i) {
    ASSERT_TRUE(r.may_open(0.0)) << i;
    r.opening(0.0);
  }
  EXPECT_FALSE(r.may_open(0.0));  // the window is full until one connects
  r.connected(0.0001);
  EXPECT_EQ(r.window(), ConnectionRamp::kInitialWindow + 1);
  EXPECT_TRUE(r.may_open(0.0));
  EXPECT_EQ(r.gap(), 0.0);  // never stalled: never paced
}

TEST(ConnectionRamp, WindowNeverExceedsTheSlots) {
  ConnectionRamp r(6);
  for (int i = 0; i < 20; ++i) {
    r.opening(0.0);
    r.connected(0.0001);
  }
  EXPECT_EQ(r.window(), 6);
}

TEST(ConnectionRamp, AStallHalvesTheWindowOncePerBurstAndStartsPacing) {
  ConnectionRamp r(64);
  for (int i = 0; i < 12; ++i) {
    r.opening(0.0);
    r.connected(0.0001);
  }
  ASSERT_EQ(r.window(), 16);
  for (int i = 0; i < 5; ++i) r.opening(1.0);
  // Five stalls within one try timeout are one event.
  for (int i = 0; i < 5; ++i) r.stalled(1.0 + 0.0001 * i);
  EXPECT_EQ(r.window(), 8);
  EXPECT_EQ(r.connecting(), 0);
  EXPECT_DOUBLE_EQ(r.gap(), ConnectionRamp::kFirstGap);
  // Paced: after one opening, the next waits one gap.
  r.opening(2.0);
  EXPECT_FALSE(r.may_open(2.0));
  EXPECT_DOUBLE_EQ(r.next_open(), 2.0 + ConnectionRamp::kFirstGap);
  EXPECT_TRUE(r.may_open(2.0 + ConnectionRamp::kFirstGap));
  // A later stall (past the try timeout) is a new event: the gap doubles, the window halves.
  r.stalled(3.0);
  EXPECT_DOUBLE_EQ(r.gap(), 2 * ConnectionRamp::kFirstGap);
  EXPECT_EQ(r.window(), 4);
}

TEST(ConnectionRamp, PaceRelaxesAndWindowGrowsSlowlyAfterAStall) {
  ConnectionRamp r(64);
  r.opening(0.0);
  r.stalled(0.0);
  const double gap = r.gap();
  const int window = r.window();
  for (int i = 0; i < 4 * window; ++i) {
    r.opening(1.0 + i);
    r.connected(0.0001);
  }
  EXPECT_LT(r.gap(), gap);
  // About one per window's worth of connections, not one per connection.
  EXPECT_GT(r.window(), window);
  EXPECT_LT(r.window(), 3 * window);
}

TEST(ConnectionRamp, TryTimeoutIsLearnedFromConnectsAndDoublesPerRetry) {
  ConnectionRamp r(8);
  EXPECT_DOUBLE_EQ(r.try_timeout(0), ConnectionRamp::kFirstTry);
  r.opening(0.0);
  r.connected(0.00005);  // loopback: the floor applies
  EXPECT_DOUBLE_EQ(r.try_timeout(0), ConnectionRamp::kMinTry);
  EXPECT_DOUBLE_EQ(r.try_timeout(3), 8 * ConnectionRamp::kMinTry);
  r.opening(0.0);
  r.connected(0.1);  // a far server: a few times its connect time
  EXPECT_NEAR(r.try_timeout(0), 0.4, 1e-9);
  // An old slow connect is forgotten as fast ones come.
  for (int i = 0; i < 100; ++i) {
    r.opening(0.0);
    r.connected(0.00005);
  }
  EXPECT_DOUBLE_EQ(r.try_timeout(0), ConnectionRamp::kMinTry);
}

TEST(ConnectionRamp, AbandonedAndUncountedTransfersFreeTheirPlaceOnce) {
  ConnectionRamp r(8);
  r.opening(0.0);
  r.opening(0.0);
  r.abandoned();
  EXPECT_EQ(r.connecting(), 1);
  r.stalled(0.0, /*counted=*/false);  // a transfer that expected to reuse a connection
  EXPECT_EQ(r.connecting(), 1);
  r.abandoned();
  r.abandoned();
  EXPECT_EQ(r.connecting(), 0);
}

}  // namespace
}  // namespace maspo::llm
