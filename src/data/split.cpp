// Optimization pools: seeded samples, and the split between what the optimizer sees and what is
// scored (MASPO.md §9: the reference code samples its pool from the test file itself, unseeded).
#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "data/seeded_random.hpp"
#include "maspo/data.hpp"
#include "maspo/util.hpp"

namespace maspo::data {

namespace {

// Lower-cased, all whitespace removed: AQuA's tokenized test set ("22 % .") and untokenized dev
// set ("22%.") must compare equal when they hold the same question.
std::string comparable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') continue;
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

// Indices of a seeded sample of n of size items, in increasing order. Partial Fisher–Yates: the
// first n positions of a seeded shuffle.
std::vector<std::size_t> sample_indices(std::size_t size, std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> indices(size);
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  detail::SeededRandom random(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const auto j = i + static_cast<std::size_t>(random.below(size - i));
    std::swap(indices[i], indices[j]);
  }
  indices.resize(n);
  std::sort(indices.begin(), indices.end());
  return indices;
}

}  // namespace

std::vector<Example> sample(const std::vector<Example>& items, int n, std::uint64_t seed) {
  if (n <= 0 || static_cast<std::size_t>(n) >= items.size()) return items;
  std::vector<Example> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::size_t i : sample_indices(items.size(), static_cast<std::size_t>(n), seed)) out.push_back(items[i]);
  return out;
}

namespace {

bool limited(std::size_t available, int score_limit) {
  return score_limit > 0 && static_cast<std::size_t>(score_limit) < available;
}

}  // namespace

Split make_split(const Dataset& test, const Dataset* separate_pool, int pool_size, std::uint64_t seed,
                 int score_limit) {
  if (pool_size <= 0) {
    throw InputError("pool size " + std::to_string(pool_size) + ": expected a positive number of questions");
  }
  const std::string seed_text = " (seed " + std::to_string(seed) + ")";
  Split split;

  if (separate_pool != nullptr) {
    const std::size_t available = separate_pool->examples.size();
    split.pool = sample(separate_pool->examples, pool_size, seed);
    split.test = test.examples;
    split.pool_source = "separate split " + separate_pool->path.string();

    std::unordered_set<std::string> test_questions;
    for (const auto& example : test.examples) test_questions.insert(comparable_text(example.question));
    split.overlap = static_cast<int>(std::count_if(split.pool.begin(), split.pool.end(), [&](const Example& e) {
      return test_questions.count(comparable_text(e.question)) > 0;
    }));

    split.note = "Optimization pool: " + std::to_string(split.pool.size()) + " questions sampled" + seed_text +
                 " from the separate split " + separate_pool->path.string();
    if (static_cast<std::size_t>(pool_size) > available) {
      split.note += " (asked for " + std::to_string(pool_size) + ", it has only " + std::to_string(available) +
                    ", so all were taken)";
    }
    const std::size_t n = split.test.size();
    split.note += "; the test set " + test.path.string() +
                  (limited(n, score_limit) ? " is scored on its first " + std::to_string(score_limit) + " of " +
                                                 std::to_string(n) + " questions"
                                           : " is scored whole (" + std::to_string(n) + " questions)") +
                  "; " + std::to_string(split.overlap) + " pool questions also appear in the test set.";
    return split;
  }

  const std::size_t size = test.examples.size();
  if (static_cast<std::size_t>(pool_size) >= size) {
    throw InputError(where(test.path.string(), 0, "",
                           "a pool of " + std::to_string(pool_size) + " held out of " + std::to_string(size) +
                               " questions leaves nothing to score; expected a pool smaller than the dataset, "
                               "or a separate split for the pool"));
  }
  const auto chosen = sample_indices(size, static_cast<std::size_t>(pool_size), seed);
  std::vector<bool> in_pool(size, false);
  for (std::size_t i : chosen) in_pool[i] = true;
  for (std::size_t i = 0; i < size; ++i) (in_pool[i] ? split.pool : split.test).push_back(test.examples[i]);
  split.pool_source = "held out of " + test.path.string();
  split.overlap = 0;
  split.note = "Optimization pool: " + std::to_string(split.pool.size()) + " questions held out of " +
               test.path.string() + seed_text + "; the reported score covers " +
               (limited(split.test.size(), score_limit) ? "the first " + std::to_string(score_limit) + " of " : "") +
               "the other " + std::to_string(split.test.size()) + " questions and excludes the pool.";
  return split;
}

}  // namespace maspo::data
