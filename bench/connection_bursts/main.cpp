// bench_connection_bursts — a whole `maspo optimize` against a server with a small accept queue.
//
// The paper's configuration (maspo optimize's defaults: K=2, K_sub=2, |B|=10, |D|=50, T=3, D=3)
// on `sequential:2` over HTTP, cache off, 64 request slots per role, against
// tests/support/plain_openai_server.py (Python's http.server, HTTP/1.0: one connection per
// request, --latency-ms per call) listening with a backlog of 5, then the same run against a
// backlog of 1024: the baseline. The server answers every call with "<answer>42</answer>", so
// every proposal is rejected and every verdict unreadable: the run's decisions are not the point,
// its waves of requests are. Runs alternate (wide, narrow) --repeats times; prints each wall time
// and the ratio of the sums.
//
//   bench_connection_bursts [--latency-ms 100] [--repeats 2] [--python /usr/bin/python3]

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "support/cli_process.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"
#include "maspo/util.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  int latency_ms = 100;
  int repeats = 2;
  std::string python = "/usr/bin/python3";
};

[[noreturn]] void usage(const std::string& message, int code) {
  std::fprintf(code == 0 ? stdout : stderr, "%s%susage: bench_connection_bursts [--latency-ms N] [--repeats N] [--python PATH]\n",
               message.c_str(), message.empty() ? "" : "\n");
  std::exit(code);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "-h" || a == "--help") usage("", 0);
    else if (a == "--latency-ms" && has_value) o.latency_ms = std::atoi(argv[++i]);
    else if (a == "--repeats" && has_value) o.repeats = std::atoi(argv[++i]);
    else if (a == "--python" && has_value) o.python = argv[++i];
    else usage("bench_connection_bursts: unknown or incomplete argument " + a, 2);
  }
  if (o.latency_ms < 0 || o.repeats < 1) usage("bench_connection_bursts: --latency-ms >= 0 and --repeats >= 1", 2);
  return o;
}

// One whole run; its wall seconds, or a negative number when it failed.
double timed_run(const Options& o, const fs::path& dir, int backlog, const std::string& tag) {
  maspo::testing::ServerProcess server({o.python, std::string(MASPO_SOURCE_DIR) + "/tests/support/plain_openai_server.py",
                                        "--backlog", std::to_string(backlog), "--http", "1.0", "--latency-ms",
                                        std::to_string(o.latency_ms)});
  if (server.port() <= 0) {
    std::fprintf(stderr, "bench_connection_bursts: the plain server did not start\n");
    return -1;
  }
  const fs::path config = dir / ("config-" + tag + ".yaml");
  // The testbed's three roles on one server (the plain server ignores the model names), cache off.
  maspo::write_file_atomic(config, maspo::testing::testbed_http_config(server.port(), 64) + "cache: {mode: off}\n");
  const auto start = Clock::now();
  const auto r = maspo::testing::run_maspo(
      dir,
      {"--config", config.string(), "optimize", "sequential:2", "--data", "gsm8k=" + (dir / "test.jsonl").string(),
       "--pool", "gsm8k=" + (dir / "pool.jsonl").string(), "--eval-limit", "20", "--out", (dir / ("run-" + tag)).string()},
      {}, std::chrono::minutes(30));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (r.code != 0) {
    std::fprintf(stderr, "bench_connection_bursts: the %s run failed (exit %d):\n%s\n", tag.c_str(), r.code, r.err.c_str());
    return -1;
  }
  fs::remove_all(dir / ("run-" + tag));
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  maspo::testing::TempDir tmp("maspo-bench-bursts");
  maspo::write_file_atomic(tmp.path() / "test.jsonl", maspo::testing::testbed_gsm8k_jsonl(40));
  maspo::write_file_atomic(tmp.path() / "pool.jsonl", maspo::testing::testbed_gsm8k_jsonl(60));
  std::printf("whole maspo optimize (paper configuration, sequential:2), HTTP/1.0, %d ms per call, 64 slots per role\n",
              o.latency_ms);
  double wide = 0, narrow = 0;
  for (int i = 0; i < o.repeats; ++i) {
    const double w = timed_run(o, tmp.path(), 1024, "wide");
    const double n = timed_run(o, tmp.path(), 5, "narrow");
    if (w < 0 || n < 0) return 1;
    std::printf("repeat %d: backlog 1024 %.2f s, backlog 5 %.2f s (%.2fx)\n", i + 1, w, n, n / w);
    std::fflush(stdout);
    wide += w;
    narrow += n;
  }
  std::printf("sum: backlog 1024 %.2f s, backlog 5 %.2f s: ratio %.2fx\n", wide, narrow, narrow / wide);
  return 0;
}
