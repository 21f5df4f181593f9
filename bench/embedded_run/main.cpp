// bench_embedded_run — generated tokens per second of a real MASPO run on the embedded model,
// beside what the same engine reaches when its batch is kept full, measured in the same run.
//
//   1. Baseline: bench_llama_batching (the binary beside this one) with --repeats 1
//      --llama-server none: 16 story requests decoded together, the engine's best throughput on
//      this machine (bench/llama_batching/README.md). Its "16 in flight, concurrent" tok/s.
//   2. The run: `maspo optimize` exactly as scripts/setup's main job (README "On the embedded
//      model": examples/configs/embedded-small.yaml, 2 agents, GSM8K, |D|=10, |B|=5, T=2, D=1,
//      final evaluation on 10 items), cold cache. tokens/s = completion tokens of every model call
//      of the session (the run store's last_session_usage) / the process's wall time.
//   The ratio shows how much of the engine's batch capacity a real run leaves idle: agent chains
//   wait on their predecessors, judge and optimizer phases are narrow, prompt processing of long
//   optimizer prompts takes steps that generate nothing.
//
//   bench_embedded_run [--threads N] [--datasets DIR] [--keep DIR]
// Both sides use the same llama.cpp thread count: --threads, else $MASPO_LLAMA_THREADS, else nproc.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "maspo/store.hpp"
#include "maspo/util.hpp"
#include "support/cli_process.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using maspo::testing::EnvChanges;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "bench_embedded_run: %s\n", why.c_str());
  std::exit(1);
}

// Runs argv with stdout/stderr in files under `dir`; exit code, wall seconds, output.
struct Child {
  int code = -1;
  double wall_s = 0;
  std::string out, err;
};

Child run(const std::vector<std::string>& argv, const EnvChanges& env, const fs::path& dir, const std::string& name) {
  const fs::path out = dir / (name + ".stdout"), err = dir / (name + ".stderr");
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = maspo::testing::spawn_captured(argv, env, out, err);
  if (pid < 0) fail("cannot start " + argv.at(0));
  Child c;
  c.code = maspo::testing::wait_exit(pid, std::chrono::minutes(30));
  c.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.out = maspo::testing::slurp(out);
  c.err = maspo::testing::slurp(err);
  return c;
}

// "       16 | ... tok/s |   201.1 tok/s | ..." -> the concurrent column of the 16-in-flight row.
double concurrent_16(const std::string& table) {
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    std::istringstream row(line);
    int n = 0;
    std::string bar, unit, bar2;
    double one = 0, concurrent = 0;
    if (row >> n >> bar >> one >> unit >> bar2 >> concurrent && n == 16 && bar == "|") return concurrent;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  std::string datasets, keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("usage: bench_embedded_run [--threads N] [--datasets DIR] [--keep DIR]\n"
                  "(bench/README.md says what it measures)\n");
      return 0;
    }
    if (i + 1 >= argc) fail("missing value after " + a);
    if (a == "--threads") {
      threads = std::atoi(argv[++i]);
      if (threads <= 0) fail(std::string("--threads wants a positive number, got '") + argv[i] + "'");
    } else if (a == "--datasets") {
      datasets = argv[++i];
    } else if (a == "--keep") {
      keep = argv[++i];
    } else {
      fail("unknown argument " + a + " (usage: bench_embedded_run [--threads N] [--datasets DIR] [--keep DIR])");
    }
  }
  if (threads <= 0) {
    const char* env = std::getenv("MASPO_LLAMA_THREADS");
    threads = env != nullptr && std::atoi(env) > 0 ? std::atoi(env)
                                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (datasets.empty()) {
    for (const char* d : {static_cast<const char*>(std::getenv("MASPO_DATASETS")), MASPO_SOURCE_DIR "/../shared/datasets"}) {
      if (d != nullptr && fs::exists(fs::path(d) / "gsm8k" / "test.jsonl")) {
        datasets = d;
        break;
      }
    }
  }
  if (datasets.empty()) fail("the GSM8K files were not found (--datasets DIR or $MASPO_DATASETS)");

  maspo::testing::TempDir tmp("maspo-bench-embedded");
  const fs::path dir = tmp.path();
  const std::string src = MASPO_SOURCE_DIR;
  // A cold reply cache, but the model files where scripts/fetch-model put them.
  if (!fs::is_directory(maspo::cache_dir() / "models")) {
    fail("no model files in " + (maspo::cache_dir() / "models").string() + " (run scripts/fetch-model)");
  }
  fs::create_directories(dir / "cache");
  fs::create_directory_symlink(maspo::cache_dir() / "models", dir / "cache" / "models");
  const EnvChanges env = {{"MASPO_LLAMA_THREADS", std::to_string(threads)},
                          {"MASPO_CACHE_DIR", (dir / "cache").string()},
                          {"MASPO_CONFIG", std::nullopt}};

  std::printf("bench_embedded_run: %d llama.cpp threads, nproc %u\n", threads, std::thread::hardware_concurrency());
  std::fflush(stdout);
  const fs::path self = fs::read_symlink("/proc/self/exe");
  const Child b = run({(self.parent_path() / "bench_llama_batching").string(), "--repeats", "1", "--llama-server", "none",
                       "--threads", std::to_string(threads)},
                      env, dir, "batching");
  const double best = concurrent_16(b.out);
  if (b.code != 0 || best <= 0) fail("bench_llama_batching failed (exit " + std::to_string(b.code) + "):\n" + b.out + b.err);

  const Child m = run({MASPO_BIN, "--config", src + "/examples/configs/embedded-small.yaml", "optimize",
                       src + "/examples/systems/gsm8k-embedded.yaml", "--data", "gsm8k=" + datasets + "/gsm8k/test.jsonl",
                       "--pool", "gsm8k=" + datasets + "/gsm8k/train.jsonl", "--pool-size", "10", "--batch-size", "5",
                       "--layers", "2", "--rounds", "1", "--eval-limit", "10", "--out", (dir / "run").string()},
                      env, dir, "maspo");
  if (m.code != 0) fail("maspo optimize failed (exit " + std::to_string(m.code) + "):\n" + m.err);
  auto store = maspo::store::RunStore::open(dir / "run");
  const auto usage = store->result("last_session_usage");
  if (!usage || !usage->is_array()) fail("the run recorded no last_session_usage");
  long long completion = 0, prompt = 0, calls = 0;
  std::printf("\n%-10s %7s %14s %18s\n", "role", "calls", "prompt tokens", "completion tokens");
  for (const auto& u : *usage) {
    completion += u.at("completion_tokens").get<long long>();
    prompt += u.at("prompt_tokens").get<long long>();
    calls += u.at("calls").get<long long>();   // model calls made; cache hits are counted apart
    std::printf("%-10s %7lld %14lld %18lld\n", u.at("role").get<std::string>().c_str(),
                u.at("calls").get<long long>(),
                u.at("prompt_tokens").get<long long>(), u.at("completion_tokens").get<long long>());
  }
  const double rate = static_cast<double>(completion) / m.wall_s;
  std::printf("\nMASPO run (main job): %lld model calls, %lld prompt + %lld completion tokens in %.1f s\n", calls, prompt,
              completion, m.wall_s);
  std::printf("  generated tokens/s        %8.1f\n", rate);
  std::printf("batching best (16 in flight, bench_llama_batching --repeats 1)\n");
  std::printf("  generated tokens/s        %8.1f\n", best);
  std::printf("run / best                  %8.2f   (the rest of the engine's capacity was idle or spent on prompts)\n",
              rate / best);
  if (!keep.empty()) {
    fs::create_directories(keep);
    for (const char* f : {"batching.stdout", "maspo.stdout", "maspo.stderr"}) {
      fs::copy_file(dir / f, fs::path(keep) / f, fs::copy_options::overwrite_existing);
    }
  }
  return 0;
}
