// bench_sandbox — code items graded per second through eval::Grader and the bubblewrap sandbox,
// beside the same programs run by a bare `python3 -c` in the same run.
//
// Items are real MBPP (sanitized) examples, each graded with its own reference solution, so
// every program imports, defines the function and runs its asserts, as a model's answer would.
// For 1, 2, 4 and 8 concurrent workers:
//   sandboxed : eval::Grader::grade (extract_code -> build_test_program -> Sandbox::run_python:
//               bwrap with fresh namespaces, rlimits, output capture, timeout)
//   plain     : the identical program text, posix_spawn("/usr/bin/python3", "-c", program) with
//               output to /dev/null and nothing else: the floor that any sandbox adds to
// The two alternate their order per concurrency so drift in machine load falls on both.
// Besides items/s (which a single slow item can bound at high concurrency: the pool ends when its
// last item does) it prints the mean wall time per item, whose difference is what the box adds.
//
//   bench_sandbox [--data PATH] [--items N] [--exclude ID[,ID...]] [--max-seconds S]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "maspo/data.hpp"
#include "maspo/eval.hpp"
#include "maspo/sandbox.hpp"
#include "support/shared_datasets.hpp"

extern char** environ;

namespace {

namespace data = maspo::data;
namespace eval = maspo::eval;
namespace sandbox = maspo::sandbox;
using Clock = std::chrono::steady_clock;

constexpr const char* kPython = "/usr/bin/python3";

struct Cell {
  int done = 0;      // items graded before the deadline
  int passed = 0;
  double seconds = 0;
  std::vector<double> item_seconds;   // per item index; 0 for items not run
  double per_second() const { return seconds > 0 ? done / seconds : 0; }
  double mean_item_ms() const {
    double sum = 0;
    for (double t : item_seconds) sum += t;
    return done > 0 ? sum / done * 1e3 : 0;
  }
};

// Runs `work(i)` for items 0..count-1 on `workers` threads; each returns whether the item passed.
// Stops handing out items at `deadline_s`, so a slow machine bounds the time, not the count.
Cell run_pool(int workers, int count, double deadline_s, const std::function<bool(int)>& work) {
  std::atomic<int> next{0}, done{0}, passed{0};
  std::vector<double> item_seconds(static_cast<std::size_t>(count), 0.0);   // each slot written by one thread
  const auto t0 = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (int i = next.fetch_add(1); i < count && elapsed() < deadline_s; i = next.fetch_add(1)) {
        const auto start = Clock::now();
        if (work(i)) passed.fetch_add(1);
        item_seconds[static_cast<std::size_t>(i)] = std::chrono::duration<double>(Clock::now() - start).count();
        done.fetch_add(1);
      }
    });
  }
  for (auto& t : pool) t.join();
  const double seconds = elapsed();
  return {done.load(), passed.load(), seconds, std::move(item_seconds)};
}

// A model output that holds exactly the reference solution, the way a model writes one.
std::string as_model_output(const data::Example& example) {
  return "```python\n" + example.code->canonical_solution + "\n```\n";
}

// The unsandboxed floor: python3 -c PROGRAM, output discarded, a minimal environment (nothing of
// ours, as in the box), no limits, no capture, no timeout.
bool run_plain(const std::string& program) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string python = kPython, flag = "-c", code = program;
  char* argv[] = {python.data(), flag.data(), code.data(), nullptr};
  std::string path = "PATH=/usr/bin:/bin";
  char* envp[] = {path.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, kPython, &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// $MASPO_DATASETS/mbpp/sanitized-mbpp.jsonl, else the datasets folder beside the checkout (the
// tests' lookup); with neither, the load names the path it tried.
std::string default_data() {
  const auto root = maspo::testing::shared_datasets().value_or(MASPO_SOURCE_DIR "/../shared/datasets");
  return (root / "mbpp" / "sanitized-mbpp.jsonl").string();
}

struct Options {
  std::string data = default_data();
  int items = 100;
  std::set<std::string> exclude;   // example ids left out (the first `items` of the rest are used)
  double max_seconds = 60;         // per cell
};

std::set<std::string> split_ids(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.insert(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--data") && i + 1 < argc) o.data = argv[++i];
    else if (!std::strcmp(argv[i], "--items") && i + 1 < argc) o.items = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--exclude") && i + 1 < argc) o.exclude = split_ids(argv[++i]);
    else if (!std::strcmp(argv[i], "--max-seconds") && i + 1 < argc) o.max_seconds = std::atof(argv[++i]);
    else return false;
  }
  o.items = std::clamp(o.items, 1, 1000);
  o.max_seconds = std::clamp(o.max_seconds, 1.0, 600.0);
  return true;
}

void print_row(int workers, const Cell& box, const Cell& plain) {
  std::printf("%7d | %4d %6d %8.1f %8.1f | %4d %6d %8.1f %8.1f | %6.2f %8.1f\n", workers, box.done, box.passed,
              box.per_second(), box.mean_item_ms(), plain.done, plain.passed, plain.per_second(), plain.mean_item_ms(),
              plain.per_second() > 0 ? box.per_second() / plain.per_second() : 0.0,
              box.mean_item_ms() - plain.mean_item_ms());
}

// The item that took longest unsandboxed: at high concurrency the pool waits for it alone.
void print_slowest(const std::vector<data::Example>& items, const Cell& plain) {
  const auto it = std::max_element(plain.item_seconds.begin(), plain.item_seconds.end());
  if (it == plain.item_seconds.end()) return;
  double total = 0;
  for (double t : plain.item_seconds) total += t;
  const auto i = static_cast<std::size_t>(it - plain.item_seconds.begin());
  std::printf("slowest item unsandboxed at 1 worker: %s, %.2f s (%.0f%% of all %d items' %.2f s)\n",
              items[i].id.c_str(), *it, total > 0 ? *it / total * 100 : 0.0, plain.done, total);
}

// The first `items` examples whose ids are not excluded.
std::vector<data::Example> select(const data::Dataset& dataset, const Options& o) {
  std::vector<data::Example> out;
  for (const auto& ex : dataset.examples) {
    if (static_cast<int>(out.size()) == o.items) break;
    if (!o.exclude.contains(ex.id)) out.push_back(ex);
  }
  return out;
}

int run(const Options& o) {
  const data::Dataset dataset = data::load_dataset("mbpp", o.data);
  const std::vector<data::Example> examples = select(dataset, o);
  const int count = static_cast<int>(examples.size());

  // Default options: throws sandbox::Unavailable (reported by main) where no box can be made,
  // rather than measuring something that is not the sandbox.
  auto box = std::make_shared<const sandbox::Sandbox>();
  const eval::Grader grader(box);
  // Built once, outside the timed part: the plain side runs exactly what the grader runs.
  std::vector<std::string> programs;
  for (int i = 0; i < count; ++i) {
    const auto& ex = examples[static_cast<std::size_t>(i)];
    programs.push_back(eval::build_test_program(ex, eval::extract_code(as_model_output(ex))));
  }
  auto graded = [&](int i) {
    const auto& ex = examples[static_cast<std::size_t>(i)];
    return grader.grade(ex, as_model_output(ex)).correct;
  };
  auto plain = [&](int i) { return run_plain(programs[static_cast<std::size_t>(i)]); };

  std::printf("bench_sandbox: first %d of %zu MBPP items (%s), %zu excluded by id, each graded with its\n"
              "reference solution; bubblewrap sandbox, %u cores; at most %.0f s per cell. ms/item: mean wall time of one item;\n"
              "ratio: items/s sandboxed / plain; +ms: what the box adds to an item's wall time.\n\n",
              count, dataset.examples.size(), o.data.c_str(), o.exclude.size(),
              std::thread::hardware_concurrency(), o.max_seconds);
  std::printf("%7s | %-29s | %-29s |\n", "", "sandboxed (eval::Grader)", "plain python3 -c");
  std::printf("%7s | %4s %6s %8s %8s | %4s %6s %8s %8s | %6s %8s\n", "workers", "done", "passed", "items/s", "ms/item",
              "done", "passed", "items/s", "ms/item", "ratio", "+ms");
  run_pool(2, std::min(count, 4), o.max_seconds, graded);   // warm-up: page cache, bwrap, python
  bool all_done = true;
  Cell plain_one_worker;
  for (int workers : {1, 2, 4, 8}) {
    Cell b, p;
    if (workers % 4 == 0) {   // 4, 8: plain first; 1, 2: sandboxed first
      p = run_pool(workers, count, o.max_seconds, plain);
      b = run_pool(workers, count, o.max_seconds, graded);
    } else {
      b = run_pool(workers, count, o.max_seconds, graded);
      p = run_pool(workers, count, o.max_seconds, plain);
    }
    all_done = all_done && b.done == count && p.done == count;
    print_row(workers, b, p);
    if (workers == 1) plain_one_worker = std::move(p);
  }
  print_slowest(examples, plain_one_worker);
  if (!all_done) std::printf("note: some cells stopped at the time limit before grading every item\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: %s [--data PATH] [--items N] [--exclude ID[,ID...]] [--max-seconds S]\n", argv[0]);
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sandbox: %s\n", e.what());
    return 1;
  }
}
