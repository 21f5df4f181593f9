#include <algorithm>
#include <cmath>

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

}  // namespace maspo::eval
