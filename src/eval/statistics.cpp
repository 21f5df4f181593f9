// Confidence intervals and the paired test the bench tables use.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "maspo/eval.hpp"

namespace maspo::eval {

// Wilson rather than the normal approximation: it stays inside [0, 1] and is honest at the small n
// (10–50 items) that prompt-optimization runs are scored on.
Interval wilson_interval(int successes, int n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval bootstrap_interval(const std::vector<double>& outcomes, int resamples, std::uint64_t seed) {
  if (outcomes.empty()) return {0.0, 1.0};
  const std::size_t n = outcomes.size();
  std::mt19937_64 rng(seed);
  std::vector<double> means;
  means.reserve(static_cast<std::size_t>(std::max(1, resamples)));
  for (int r = 0; r < std::max(1, resamples); ++r) {
    double sum = 0.0;
    // Index from the top bits of one draw: unbiased enough for n << 2^32 and the same on every
    // standard library (the standard's distributions are not specified bit for bit).
    for (std::size_t i = 0; i < n; ++i) sum += outcomes[static_cast<std::size_t>((rng() >> 32) * n >> 32)];
    means.push_back(sum / static_cast<double>(n));
  }
  std::sort(means.begin(), means.end());
  auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(std::floor(q * static_cast<double>(means.size() - 1) + 0.5));
    return means[std::min(k, means.size() - 1)];
  };
  return {at(0.025), at(0.975)};
}

double mcnemar_exact_p(int b, int c) {
  const int n = b + c;
  if (n <= 0) return 1.0;
  const int k = std::min(b, c);
  // P[X <= k] for X ~ Bin(n, 1/2), summed in log space: n may be in the thousands.
  double tail = 0.0;
  for (int i = 0; i <= k; ++i) {
    tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  }
  return std::min(1.0, 2.0 * tail);
}

}  // namespace maspo::eval
