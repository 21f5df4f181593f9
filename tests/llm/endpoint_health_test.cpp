#include "llm/endpoint_health.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace maspo::llm {
namespace {

EndpointHealth ep(int in_flight, double backoff_until = 0.0) {
  EndpointHealth e;
  e.in_flight = in_flight;
  e.backoff_until = backoff_until;
  return e;
}

TEST(EndpointHealth, PicksHealthyEndpointWithFewestInFlight) {
  std::vector<EndpointHealth> eps{ep(3), ep(1), ep(2)};
  EXPECT_EQ(pick_endpoint(eps, 4, 0.0), 1);
  eps[1].in_flight = 4;
  EXPECT_EQ(pick_endpoint(eps, 4, 0.0), 2);
}

TEST(EndpointHealth, FullHealthyEndpointsMeanWaitNotABackedOffOne) {
  std::vector<EndpointHealth> eps{ep(2), ep(0, /*backoff_until=*/50.0)};
  EXPECT_EQ(pick_endpoint(eps, 2, 10.0), -1);
  EXPECT_EQ(pick_endpoint(eps, 3, 10.0), 0);
  // Once its backoff has ended it is healthy again and the least loaded.
  EXPECT_EQ(pick_endpoint(eps, 2, 50.0), 1);
}

TEST(EndpointHealth, AllBackedOffUsesTheOneEndingFirst) {
  std::vector<EndpointHealth> eps{ep(0, 30.0), ep(0, 20.0), ep(0, 25.0)};
  EXPECT_EQ(pick_endpoint(eps, 1, 10.0), 1);
  eps[1].in_flight = 1;  // full: the next earliest
  EXPECT_EQ(pick_endpoint(eps, 1, 10.0), 2);
}

TEST(EndpointHealth, NoEndpointsPicksNothing) {
  std::vector<EndpointHealth> eps;
  EXPECT_EQ(pick_endpoint(eps, 1, 0.0), -1);
}

TEST(EndpointHealth, BackoffStartsAtThresholdAndSuccessClearsIt) {
  EndpointHealth e;
  EXPECT_FALSE(record_failure(e, 3, 5.0, 100.0));
  EXPECT_FALSE(record_failure(e, 3, 5.0, 100.0));
  EXPECT_FALSE(e.backed_off(100.0));
  EXPECT_TRUE(record_failure(e, 3, 5.0, 100.0));
  EXPECT_TRUE(e.backed_off(104.9));
  EXPECT_FALSE(e.backed_off(105.0));
  // Half-open: a single failure after the backoff sends it back at once.
  EXPECT_TRUE(record_failure(e, 3, 5.0, 106.0));
  EXPECT_TRUE(e.backed_off(110.0));
  record_success(e);
  EXPECT_FALSE(e.backed_off(106.0));
  EXPECT_EQ(e.consecutive_failures, 0);
  EXPECT_FALSE(record_failure(e, 3, 5.0, 120.0));
}

TEST(EndpointHealth, SuccessBetweenFailuresResetsTheCount) {
  EndpointHealth e;
  record_failure(e, 2, 5.0, 0.0);
  record_success(e);
  EXPECT_FALSE(record_failure(e, 2, 5.0, 0.0));
  EXPECT_TRUE(record_failure(e, 2, 5.0, 0.0));
}

TEST(EndpointHealth, ThresholdBelowOneNeverBacksOff) {
  EndpointHealth e;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(record_failure(e, 0, 5.0, 0.0));
  EXPECT_FALSE(e.backed_off(0.0));
}

}  // namespace
}  // namespace maspo::llm
