#include "data/seeded_random.hpp"

namespace maspo::data::detail {

std::uint64_t SeededRandom::below(std::uint64_t bound) {
  // 2^64 mod bound: draws below it would make the low residues more likely.
  const std::uint64_t threshold = (std::uint64_t{0} - bound) % bound;
  for (;;) {
    const std::uint64_t r = engine_();
    if (r >= threshold) return r % bound;
  }
}

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace maspo::data::detail
