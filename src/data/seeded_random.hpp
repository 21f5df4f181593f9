// Seeded randomness that gives the same numbers with every standard library. std::mt19937_64's
// output sequence is fixed by the standard; std::uniform_int_distribution and std::shuffle are
// not (libstdc++ and libc++ differ), so bounded draws and shuffles are done here by hand.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace maspo::data::detail {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, bound); bound > 0. Rejection sampling: no modulo bias.
  std::uint64_t below(std::uint64_t bound);

  // Fisher–Yates, drawing with below().
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// FNV-1a 64: a platform-independent hash, to derive a per-item seed from an item id.
std::uint64_t stable_hash(std::string_view text);

}  // namespace maspo::data::detail
