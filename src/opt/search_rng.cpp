#include <algorithm>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "opt/search.hpp"

namespace maspo::opt::detail {

std::string save_rng(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

void load_rng(std::mt19937_64& rng, const std::string& state) {
  std::istringstream in(state);
  in >> rng;
  if (!in) throw std::invalid_argument("rng_state: not a saved std::mt19937_64 state");
}

std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n) {
  if (n <= 1) return 0;
  // Rejection sampling: drop the top partial block so every residue is equally likely.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % n;
}

std::vector<std::size_t> choose(std::mt19937_64& rng, std::size_t n, std::size_t k) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, n);
  for (std::size_t i = 0; i < k; ++i) {
    std::size_t j = i + uniform_index(rng, n - i);
    std::swap(idx[i], idx[j]);
  }
  idx.resize(k);
  return idx;
}

Batch draw_batch(std::mt19937_64& rng, std::size_t pool_size, int size, std::vector<std::size_t> inject,
                 int max_injected) {
  Batch batch;
  const std::size_t want = std::min(pool_size, static_cast<std::size_t>(std::max(size, 0)));
  // De-duplicate the injection candidates, keeping their order (it is deterministic).
  std::vector<std::size_t> unique;
  for (std::size_t i : inject) {
    if (i < pool_size && std::find(unique.begin(), unique.end(), i) == unique.end()) unique.push_back(i);
  }
  const std::size_t cap = std::min<std::size_t>(want, static_cast<std::size_t>(std::max(max_injected, 0)));
  if (unique.size() > cap) {
    std::vector<std::size_t> picked;
    for (std::size_t k : choose(rng, unique.size(), cap)) picked.push_back(unique[k]);
    unique = std::move(picked);
  }
  std::vector<bool> taken(pool_size, false);
  for (std::size_t i : unique) {
    batch.items.push_back(i);
    batch.injected.push_back(true);
    taken[i] = true;
  }
  std::vector<std::size_t> rest;
  for (std::size_t i = 0; i < pool_size; ++i) {
    if (!taken[i]) rest.push_back(i);
  }
  for (std::size_t k : choose(rng, rest.size(), want - batch.items.size())) {
    batch.items.push_back(rest[k]);
    batch.injected.push_back(false);
  }
  return batch;
}

}  // namespace maspo::opt::detail
