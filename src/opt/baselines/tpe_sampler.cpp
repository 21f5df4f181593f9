// A Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) for categorical dimensions,
// the sampler MIPRO uses (through Optuna) to search joint instruction assignments. Written here
// because it is small: per dimension, a smoothed histogram of the good trials l(x) and of the
// rest g(x); the next point maximizes l(x)/g(x) among draws from l.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "maspo/baselines.hpp"
#include "opt/search.hpp"

namespace maspo::opt {

namespace {

// A double in [0, 1) from 53 random bits: the same on every standard library (the standard's
// distributions are not specified bit for bit).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

int draw(std::mt19937_64& rng, const std::vector<double>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double x = unit(rng) * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return static_cast<int>(i);
    x -= weights[i];
  }
  return static_cast<int>(weights.size()) - 1;
}

}  // namespace

TpeSampler::TpeSampler(std::vector<int> choices, int startup, double gamma, std::uint64_t seed, int ei_candidates)
    : choices_(std::move(choices)),
      startup_(std::max(0, startup)),
      gamma_(gamma),
      ei_candidates_(std::max(1, ei_candidates)),
      rng_(seed) {
  for (int c : choices_) {
    if (c < 1) throw std::invalid_argument("TpeSampler: every dimension needs at least one choice");
  }
  if (!(gamma_ > 0.0 && gamma_ < 1.0)) throw std::invalid_argument("TpeSampler: gamma must be in (0, 1)");
}

std::vector<double> TpeSampler::density(const std::vector<std::size_t>& trials, std::size_t dim) const {
  // Prior weight 1 spread evenly over the options, so an option never seen keeps some mass.
  const auto k = static_cast<std::size_t>(choices_[dim]);
  std::vector<double> w(k, 1.0 / static_cast<double>(k));
  for (std::size_t t : trials) w[static_cast<std::size_t>(assignments_[t][dim])] += 1.0;
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& x : w) x /= total;
  return w;
}

std::vector<int> TpeSampler::next() {
  const std::size_t n = scores_.size();
  std::vector<int> out(choices_.size());
  if (n < static_cast<std::size_t>(std::max(startup_, 2))) {
    for (std::size_t d = 0; d < choices_.size(); ++d) {
      out[d] = static_cast<int>(detail::uniform_index(rng_, static_cast<std::uint64_t>(choices_[d])));
    }
    return out;
  }
  // Split: the best ceil(gamma * n) trials (at least one, never all) are "good".
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores_[a] > scores_[b]; });
  const std::size_t n_good =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(gamma_ * static_cast<double>(n))), 1, n - 1);
  const std::vector<std::size_t> good(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_good));
  const std::vector<std::size_t> bad(order.begin() + static_cast<std::ptrdiff_t>(n_good), order.end());
  std::vector<std::vector<double>> l, g;
  for (std::size_t d = 0; d < choices_.size(); ++d) {
    l.push_back(density(good, d));
    g.push_back(density(bad, d));
  }
  double best = -INFINITY;
  for (int c = 0; c < ei_candidates_; ++c) {
    std::vector<int> x(choices_.size());
    double ratio = 0.0;
    for (std::size_t d = 0; d < choices_.size(); ++d) {
      x[d] = draw(rng_, l[d]);
      ratio += std::log(l[d][static_cast<std::size_t>(x[d])]) - std::log(g[d][static_cast<std::size_t>(x[d])]);
    }
    if (ratio > best) {
      best = ratio;
      out = x;
    }
  }
  return out;
}

void TpeSampler::observe(const std::vector<int>& assignment, double score) {
  if (assignment.size() != choices_.size()) throw std::invalid_argument("TpeSampler: assignment of the wrong size");
  for (std::size_t d = 0; d < choices_.size(); ++d) {
    if (assignment[d] < 0 || assignment[d] >= choices_[d]) {
      throw std::invalid_argument("TpeSampler: choice out of range in dimension " + std::to_string(d));
    }
  }
  assignments_.push_back(assignment);
  scores_.push_back(score);
}

std::vector<int> TpeSampler::best() const {
  // Mean over repeated trials of one assignment: each trial saw a different minibatch.
  std::map<std::vector<int>, std::pair<double, int>> sums;
  for (std::size_t i = 0; i < scores_.size(); ++i) {
    auto& s = sums[assignments_[i]];
    s.first += scores_[i];
    s.second += 1;
  }
  std::vector<int> out;
  double best = -INFINITY;
  for (std::size_t i = 0; i < scores_.size(); ++i) {
    const auto& s = sums.at(assignments_[i]);
    const double mean = s.first / s.second;
    if (mean > best) {
      best = mean;
      out = assignments_[i];
    }
  }
  return out;
}

double TpeSampler::best_score() const {
  const std::vector<int> b = best();
  if (b.empty()) return 0.0;
  double sum = 0.0;
  int count = 0;
  for (std::size_t i = 0; i < scores_.size(); ++i) {
    if (assignments_[i] == b) {
      sum += scores_[i];
      ++count;
    }
  }
  return sum / count;
}

std::string TpeSampler::save() const {
  return nlohmann::json{{"rng", detail::save_rng(rng_)}, {"assignments", assignments_}, {"scores", scores_}}.dump();
}

void TpeSampler::load(const std::string& state) {
  const auto j = nlohmann::json::parse(state);
  detail::load_rng(rng_, j.at("rng").get<std::string>());
  assignments_ = j.at("assignments").get<std::vector<std::vector<int>>>();
  scores_ = j.at("scores").get<std::vector<double>>();
}

}  // namespace maspo::opt
