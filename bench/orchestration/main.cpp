// bench_orchestration — what maspo itself costs around its LLM calls in a whole MASPO run, beside
// the reference implementation's architecture (Python asyncio + the `openai` client), and how
// close to the dependency-chain bound the run finishes when every call takes 200 ms.
//
// Per latency (default 0 ms and 200 ms):
//   1. `maspo optimize` (the real binary, the paper's configuration: K=2, K_sub=2, |B|=10,
//      |D|=50, T=3, D=3, final evaluation off) on the synthetic testbed (a TEST DOUBLE) through
//      the standalone fake OpenAI server, with a cold cache and max_concurrency = --in-flight per
//      role. Wall time, and CPU time and peak RSS of the maspo process (wait4).
//   2. The server recorded every call; each agent and optimizer reply carried a "[call N]" tag, so
//      a request holding a tag was built from that call's reply: the run's data-dependency graph.
//      Its longest chain × latency is a lower bound on any run's wall time. It counts data
//      dependencies only: a beam selection waits on judge verdicts, which nothing quotes, so the
//      true critical path is longer and this bound is on the low side (the ratio is pessimistic).
//   3. bench/orchestration/replay_openai.py issues the same calls (same bodies) in the same
//      dependency order with the same per-model limit against a fresh server: the baseline. It
//      does no other work, so its CPU is a floor for a Python program of that architecture.
//
//   bench_orchestration [--latency-ms 0,200] [--in-flight 64] [--seed 1] [--python PATH] [--keep DIR]
//
// The Python side needs the `openai` package: bench/orchestration/setup-python makes the venv
// (build/bench-venv) this program uses by default.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli_process.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using maspo::testing::FakeServerProcess;

struct Options {
  std::vector<int> latencies_ms = {0, 200};
  int in_flight = 64;
  unsigned long long seed = 1;
  std::string python = std::string(MASPO_SOURCE_DIR) + "/build/bench-venv/bin/python3";
  std::string keep;   // copy each scenario's files here
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_orchestration: %s\nusage: bench_orchestration [--latency-ms 0,200] [--in-flight 64] "
               "[--seed 1] [--python PATH] [--keep DIR]\n",
               why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string v = argv[++i];
    try {
      if (flag == "--latency-ms") {
        o.latencies_ms.clear();
        for (std::size_t at = 0; at <= v.size();) {
          std::size_t comma = v.find(',', at);
          if (comma == std::string::npos) comma = v.size();
          o.latencies_ms.push_back(std::stoi(v.substr(at, comma - at)));
          at = comma + 1;
        }
      } else if (flag == "--in-flight") {
        o.in_flight = std::stoi(v);
      } else if (flag == "--seed") {
        o.seed = std::stoull(v);
      } else if (flag == "--python") {
        o.python = v;
      } else if (flag == "--keep") {
        o.keep = v;
      } else {
        usage("unknown flag " + flag);
      }
    } catch (const std::exception&) {
      usage("bad value '" + v + "' for " + flag);
    }
  }
  if (o.in_flight < 1 || o.latencies_ms.empty()) usage("--in-flight must be >= 1");
  return o;
}

// One child process, measured by wait4: wall time, its own CPU time (user + system) and peak RSS.
struct ChildRun {
  int code = -1;
  double wall_s = 0, cpu_s = 0;
  long max_rss_kb = 0;
  std::string out, err;
};

ChildRun run_child(const std::vector<std::string>& argv, const maspo::testing::EnvChanges& env, const fs::path& dir,
                   const std::string& name, std::chrono::seconds timeout) {
  const fs::path out = dir / (name + ".stdout"), err = dir / (name + ".stderr");
  ChildRun r;
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = maspo::testing::spawn_captured(argv, env, out, err);
  if (pid < 0) {
    r.err = "cannot start " + argv.at(0);
    return r;
  }
  int status = 0;
  rusage ru{};
  for (;;) {
    const pid_t got = wait4(pid, &status, WNOHANG, &ru);
    if (got == pid) break;
    if (std::chrono::steady_clock::now() - t0 > timeout) {
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      r.err = name + " ran past " + std::to_string(timeout.count()) + " s and was killed\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.max_rss_kb = ru.ru_maxrss;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = maspo::testing::slurp(out);
  r.err += maspo::testing::slurp(err);
  return r;
}

struct Graph {
  json calls = json::array();                 // [{id, deps, body}] for the replay
  std::map<std::string, int> per_role;
  int longest_chain = 0;                      // in calls
};

// Reads the server's record: deps from the "[call N]" tags each request quotes.
Graph read_graph(const fs::path& record) {
  static const std::regex tag(R"(\[call (\d+)\])");
  Graph g;
  std::ifstream in(record);
  std::vector<int> depth;
  for (std::string line; std::getline(in, line);) {
    const json c = json::parse(line);
    const int id = c.at("id");
    if (id != static_cast<int>(depth.size())) throw std::runtime_error("record out of order at call " + std::to_string(id));
    std::vector<int> deps;
    for (const auto& m : c.at("body").at("messages")) {
      const std::string text = m.at("content");
      for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator(); ++it) {
        const int dep = std::stoi((*it)[1]);
        if (dep >= id) throw std::runtime_error("call " + std::to_string(id) + " quotes a later call");
        deps.push_back(dep);
      }
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    int d = 1;
    for (int dep : deps) d = std::max(d, depth[static_cast<std::size_t>(dep)] + 1);
    depth.push_back(d);
    g.longest_chain = std::max(g.longest_chain, d);
    ++g.per_role[c.at("role").get<std::string>()];
    g.calls.push_back({{"id", id}, {"deps", deps}, {"body", c.at("body")}});
  }
  return g;
}

std::string config(int port, int in_flight) {
  std::string out = "models:\n";
  for (const char* role : {"agents", "optimizer", "judge"}) {
    out += std::string("  ") + role + ":\n    backend: openai\n    base_url: http://127.0.0.1:" + std::to_string(port) +
           "/v1\n    model: testbed-" + role + "\n    max_concurrency: " + std::to_string(in_flight) +
           "\n    timeout_s: 120\n";
  }
  return out;
}

std::vector<std::string> server_flags(int latency_ms, const std::string& record = "") {
  std::vector<std::string> f = {"--responder", "testbed", "--latency-ms", std::to_string(latency_ms), "--threads", "512"};
  if (!record.empty()) f.insert(f.end(), {"--record", record});
  return f;
}

double mb(long kb) { return static_cast<double>(kb) / 1024.0; }

int scenario(const Options& o, int latency_ms) {
  maspo::testing::TempDir tmp("maspo-bench-orch");
  const fs::path dir = tmp.path();
  maspo::testing::write_testbed_files(dir, 10, 50);
  const fs::path record = dir / "calls.jsonl";

  ChildRun m;
  {
    FakeServerProcess server(server_flags(latency_ms, record.string()));
    if (server.port() <= 0) {
      std::fprintf(stderr, "bench_orchestration: the fake server did not start\n");
      return 1;
    }
    std::ofstream(dir / "config.yaml") << config(server.port(), o.in_flight);
    m = run_child({MASPO_BIN, "--config", (dir / "config.yaml").string(), "optimize", (dir / "testbed.yaml").string(),
                   "--data", "syn:gsm8k=" + (dir / "test.jsonl").string(), "--pool",
                   "syn:gsm8k=" + (dir / "pool.jsonl").string(), "--no-final-eval", "--seed", std::to_string(o.seed),
                   "--out", (dir / "run").string()},
                  {{"MASPO_CACHE_DIR", (dir / "cache").string()}, {"MASPO_CONFIG", std::nullopt}}, dir, "maspo",
                  std::chrono::seconds(1800));
  }  // the server writes its record as it stops
  if (m.code != 0) {
    std::fprintf(stderr, "bench_orchestration: maspo failed (exit %d):\n%s\n", m.code, m.err.c_str());
    return 1;
  }
  const Graph g = read_graph(record);
  const std::size_t n = g.calls.size();
  std::ofstream(dir / "calls.json") << g.calls.dump();

  ChildRun py;
  json pj;
  {
    FakeServerProcess server(server_flags(latency_ms));
    py = run_child({o.python, std::string(MASPO_SOURCE_DIR) + "/bench/orchestration/replay_openai.py", "--calls",
                    (dir / "calls.json").string(), "--base-url", "http://127.0.0.1:" + std::to_string(server.port()) + "/v1",
                    "--in-flight", std::to_string(o.in_flight)},
                   {}, dir, "python", std::chrono::seconds(1800));
  }
  try {
    pj = json::parse(py.out);
  } catch (const std::exception&) {
  }
  if (py.code != 0 || !pj.is_object()) {
    std::fprintf(stderr, "bench_orchestration: the Python replay failed (exit %d; is %s set up? run "
                 "bench/orchestration/setup-python):\n%s%s\n", py.code, o.python.c_str(), py.out.c_str(), py.err.c_str());
    return 1;
  }
  if (!o.keep.empty()) {
    const fs::path to = fs::path(o.keep) / ("latency-" + std::to_string(latency_ms));
    fs::create_directories(to);
    for (const char* f : {"calls.json", "calls.jsonl", "maspo.stderr", "python.stdout", "config.yaml"}) {
      fs::copy_file(dir / f, to / f, fs::copy_options::overwrite_existing);
    }
  }

  const double py_cpu = pj.at("replay_cpu_s").get<double>();
  const double py_wall = pj.at("replay_wall_s").get<double>();
  std::printf("\n== latency %d ms, %d in flight per role ==\n", latency_ms, o.in_flight);
  std::printf("calls %zu (agents %d, optimizer %d, judge %d); longest dependency chain %d calls\n", n,
              g.per_role.count("agents") ? g.per_role.at("agents") : 0,
              g.per_role.count("optimizer") ? g.per_role.at("optimizer") : 0,
              g.per_role.count("judge") ? g.per_role.at("judge") : 0, g.longest_chain);
  std::printf("%-28s %9s %9s %12s %12s\n", "", "wall s", "CPU s", "CPU us/call", "peak RSS MB");
  std::printf("%-28s %9.2f %9.2f %12.1f %12.1f\n", "maspo optimize (process)", m.wall_s, m.cpu_s, 1e6 * m.cpu_s / n,
              mb(m.max_rss_kb));
  std::printf("%-28s %9.2f %9.2f %12.1f %12.1f\n", "python replay (replay only)", py_wall, py_cpu, 1e6 * py_cpu / n,
              mb(pj.at("peak_rss_kb").get<long>()));
  std::printf("%-28s %9.2f %9.2f %12.1f %12s   (import openai: %.2f s CPU)\n", "python replay (process)", py.wall_s,
              py.cpu_s, 1e6 * py.cpu_s / n, "", pj.at("import_cpu_s").get<double>());
  std::printf("CPU per call, python replay-only / maspo whole process: %.2fx\n", py_cpu / m.cpu_s);
  if (latency_ms > 0) {
    const double bound = g.longest_chain * latency_ms / 1000.0;
    std::printf("critical-path bound %d x %d ms = %.2f s; maspo wall / bound = %.2fx; python wall / bound = %.2fx\n",
                g.longest_chain, latency_ms, bound, m.wall_s / bound, py_wall / bound);
  }
  std::printf("(python %s, openai %s)\n", pj.at("python").get<std::string>().c_str(),
              pj.at("openai_version").get<std::string>().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::printf("bench_orchestration: whole MASPO run, paper configuration (K=2 K_sub=2 |B|=10 |D|=50 T=3 D=3, no final\n"
              "evaluation), synthetic testbed (TEST DOUBLE) via the fake OpenAI server; seed %llu; nproc %u\n",
              o.seed, std::thread::hardware_concurrency());
  for (int latency : o.latencies_ms) {
    if (int rc = scenario(o, latency); rc != 0) return rc;
  }
  return 0;
}
