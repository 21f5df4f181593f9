// The TPE sampler on plain objective functions: no model, no system. It must learn where the good
// region is and spend its trials there, which random search does not.
#include <gtest/gtest.h>

#include <algorithm>

#include "maspo/baselines.hpp"

namespace {

using maspo::opt::TpeSampler;

// Good region: every dimension on choice 2. Score = dimensions on it (0..3), the rest flat.
double objective(const std::vector<int>& x) {
  return static_cast<double>(std::count(x.begin(), x.end(), 2));
}

// Fraction of the last `tail` trials with at least two dimensions in the good region.
double concentration(int startup, std::uint64_t seed) {
  TpeSampler s({5, 5, 5}, startup, 0.25, seed);
  std::vector<std::vector<int>> tried;
  for (int t = 0; t < 60; ++t) {
    auto x = s.next();
    s.observe(x, objective(x));
    tried.push_back(x);
  }
  int hits = 0;
  for (std::size_t t = 30; t < tried.size(); ++t) hits += objective(tried[t]) >= 2 ? 1 : 0;
  return hits / 30.0;
}

TEST(TpeSampler, ProposalsConcentrateOnTheGoodRegionUnlikeRandomSearch) {
  // Uniform sampling lands there with p = 3*(1/5)^2*(4/5) + (1/5)^3 = 0.104.
  for (std::uint64_t seed : {1, 2, 3}) {
    const double tpe = concentration(8, seed);
    const double random = concentration(1000, seed);   // startup never ends: pure random search
    EXPECT_GE(tpe, 0.5) << "seed " << seed;
    EXPECT_LE(random, 0.3) << "seed " << seed;
    EXPECT_GT(tpe, random + 0.25) << "seed " << seed;
  }
}

TEST(TpeSampler, BestIsTheAssignmentWithTheBestMeanOverItsTrials) {
  TpeSampler s({3, 3}, 100, 0.25, 7);
  s.observe({0, 0}, 1.0);
  s.observe({1, 1}, 0.9);
  s.observe({0, 0}, 0.0);   // {0,0} averages 0.5 over two minibatches
  s.observe({2, 2}, 0.9);
  EXPECT_EQ(s.best(), (std::vector<int>{1, 1}));   // first of the equals
  EXPECT_DOUBLE_EQ(s.best_score(), 0.9);
  EXPECT_EQ(s.trials(), 4u);
}

TEST(TpeSampler, SavedStateContinuesWithTheSameDraws) {
  TpeSampler a({4, 3, 2}, 3, 0.25, 99);
  for (int t = 0; t < 6; ++t) {
    auto x = a.next();
    a.observe(x, objective(x));
  }
  TpeSampler b({4, 3, 2}, 3, 0.25, 12345);
  b.load(a.save());
  for (int t = 0; t < 5; ++t) {
    auto xa = a.next();
    auto xb = b.next();
    ASSERT_EQ(xa, xb) << "draw " << t;
    a.observe(xa, objective(xa));
    b.observe(xb, objective(xb));
  }
}

TEST(TpeSampler, RejectsBadDimensionsAndAssignments) {
  EXPECT_THROW(TpeSampler({3, 0}, 1, 0.25, 1), std::invalid_argument);
  EXPECT_THROW(TpeSampler({3}, 1, 1.0, 1), std::invalid_argument);
  TpeSampler s({3, 2}, 1, 0.25, 1);
  EXPECT_THROW(s.observe({3, 0}, 1.0), std::invalid_argument);
  EXPECT_THROW(s.observe({0}, 1.0), std::invalid_argument);
  EXPECT_TRUE(s.best().empty());
}

TEST(TpeSampler, EveryDrawStaysInRange) {
  TpeSampler s({2, 7, 1}, 2, 0.3, 5);
  for (int t = 0; t < 40; ++t) {
    auto x = s.next();
    ASSERT_EQ(x.size(), 3u);
    EXPECT_LT(x[0], 2);
    EXPECT_LT(x[1], 7);
    EXPECT_EQ(x[2], 0);
    s.observe(x, x[1] == 6 ? 1.0 : 0.0);
  }
  EXPECT_EQ(s.best()[1], 6);
}

}  // namespace
