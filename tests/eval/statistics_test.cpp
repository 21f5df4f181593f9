// The bench's statistics: the bootstrap interval and the exact McNemar test, against values
// computed by hand (binomial tails) and properties any correct implementation has.
#include <gtest/gtest.h>

#include "maspo/eval.hpp"

namespace {

using maspo::eval::bootstrap_interval;
using maspo::eval::mcnemar_exact_p;

TEST(McNemar, ExactTwoSidedBinomialTail) {
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  // b=0, c=5: 2 * (1/2)^5 = 0.0625.
  EXPECT_NEAR(mcnemar_exact_p(0, 5), 0.0625, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(5, 0), 0.0625, 1e-12);
  // b=1, c=9: 2 * (1 + 10) / 1024.
  EXPECT_NEAR(mcnemar_exact_p(1, 9), 22.0 / 1024.0, 1e-12);
  // Balanced disagreements are no evidence at all: capped at 1.
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(4, 4), 1.0);
  // Large n stays finite and tiny when one side dominates.
  const double p = mcnemar_exact_p(10, 400);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1e-80);
}

TEST(Bootstrap, IntervalHoldsTheMeanAndShrinksWithMoreItems) {
  std::vector<double> small, large;
  for (int i = 0; i < 20; ++i) small.push_back(i % 2);
  for (int i = 0; i < 2000; ++i) large.push_back(i % 2);
  const auto a = bootstrap_interval(small, 2000, 1);
  const auto b = bootstrap_interval(large, 2000, 1);
  EXPECT_LT(a.low, 0.5);
  EXPECT_GT(a.high, 0.5);
  EXPECT_LT(b.high - b.low, (a.high - a.low) / 4);
  // For n = 20, p = 0.5 the normal half-width is 1.96 * sqrt(0.25 / 20) = 0.219.
  EXPECT_NEAR(a.high - a.low, 2 * 0.219, 0.1);
}

TEST(Bootstrap, DegenerateInputsAndReproducibility) {
  const auto all = bootstrap_interval(std::vector<double>(30, 1.0));
  EXPECT_DOUBLE_EQ(all.low, 1.0);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  const auto none = bootstrap_interval({});
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_DOUBLE_EQ(none.high, 1.0);
  std::vector<double> v = {1, 0, 0, 1, 1, 1, 0, 1};
  const auto x = bootstrap_interval(v, 500, 42);
  const auto y = bootstrap_interval(v, 500, 42);
  EXPECT_EQ(x.low, y.low);
  EXPECT_EQ(x.high, y.high);
}

}  // namespace
