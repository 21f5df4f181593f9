// Every canonical solution of the bundled HumanEval, HumanEval-ET and MBPP files passes its own
// tests in the real sandbox, and a deliberately wrong one (the function replaced by one that
// returns None) fails or errors. This pins the whole code path at once: loader -> test program
// -> bubblewrap -> classification. Slow (~800 sandboxed programs), hence the label.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/sandbox.hpp"
#include "support/shared_datasets.hpp"

namespace {

namespace fs = std::filesystem;
using namespace maspo;

const fs::path kData = maspo::testing::shared_datasets().value_or("/nonexistent");

struct Outcome {
  std::vector<std::string> canonical_failed;   // id: status detail
  std::vector<std::string> wrong_passed;
};

// A wrong solution: the canonical program, then the entry point rebound to a function that
// returns None (so every assertion on its result fails).
std::string wrong_solution(const data::Example& e) {
  return e.code->canonical_solution + "\n\ndef " + e.code->entry_point + "(*args, **kwargs):\n    return None\n";
}

Outcome grade_all(const data::Dataset& d) {
  sandbox::Options options;
  options.limits.wall_s = 20.0;
  options.limits.cpu_s = 20.0;
  eval::Grader grader(std::make_shared<const sandbox::Sandbox>(options));
  Outcome out;
  std::mutex mu;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < d.examples.size(); i = next++) {
      const data::Example& e = d.examples[i];
      auto good = grader.grade(e, "```python\n" + e.code->canonical_solution + "\n```");
      auto bad = grader.grade(e, "```python\n" + wrong_solution(e) + "\n```");
      std::lock_guard lock(mu);
      if (!good.correct) out.canonical_failed.push_back(e.id + ": " + good.status + " " + good.detail.substr(0, 300));
      if (bad.correct) out.wrong_passed.push_back(e.id);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return out;
}

// HumanEval-ET's extended tests are wrong for a few tasks: the canonical solution fails them outside
// any sandbox too (checked with plain `python3`): HumanEval/2 compares floats exactly
// (3.452 % 1.0 == 0.452); /38, /44, /50, /53 and /151 have asserts that name undefined variables
// (NameError). Pinned, so a change in which solutions fail is noticed either way.
const std::set<std::string> kHumanEvalEtDefects = {"HumanEval/2",  "HumanEval/38", "HumanEval/44",
                                                   "HumanEval/50", "HumanEval/53", "HumanEval/151"};
// Inputs that take the reference solution 10–25 s of CPU (/39 prime Fibonacci, /55 and /63
// recursive Fibonacci): they may pass or time out at the 20 s limit, depending on the machine's load.
const std::set<std::string> kSlowAllowedToTimeOut = {"HumanEval/39", "HumanEval/55", "HumanEval/63"};

void check(const std::string& name, const fs::path& path, std::size_t expected_items,
           const std::set<std::string>& known_defects = {}, const std::set<std::string>& may_time_out = {}) {
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path << " (shared datasets are not beside this checkout)";
  data::Dataset d = data::load_dataset(name, path);
  ASSERT_EQ(d.examples.size(), expected_items);
  Outcome o = grade_all(d);
  std::set<std::string> failed;
  std::string details;
  for (const auto& f : o.canonical_failed) {
    const std::string id = f.substr(0, f.find(':'));
    const bool timed_out = f.find(": timeout") != std::string::npos;
    if (!(timed_out && may_time_out.count(id))) failed.insert(id);
    details += f.substr(0, f.find('\n')) + "\n";
  }
  EXPECT_EQ(failed, known_defects) << details;
  EXPECT_TRUE(o.wrong_passed.empty()) << o.wrong_passed.size() << " wrong solutions passed, first: "
                                      << o.wrong_passed.front();
}

TEST(CanonicalSolutions, HumanEval) { check("humaneval", kData / "humaneval" / "HumanEval.jsonl.gz", 164); }
TEST(CanonicalSolutions, HumanEvalET) {
  check("humaneval_et", kData / "humaneval_et" / "HumanEval_ET.jsonl", 164, kHumanEvalEtDefects, kSlowAllowedToTimeOut);
}
TEST(CanonicalSolutions, Mbpp) { check("mbpp", kData / "mbpp" / "sanitized-mbpp.jsonl", 427); }

}  // namespace
