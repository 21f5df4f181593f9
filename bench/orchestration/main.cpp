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
//      Its longest chain × latency is a lower bound on any run's wall time. Data dependencies
//      alone make a loose bound: a beam selection waits on judge verdicts, which nothing quotes.
//      A second chain adds the method's step order, read from the run store: a call of a step
//      depends on the judge calls of the earlier steps of the agents whose state it uses
//      (read_graph says which). That is the bound the aim is about.
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
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/mas.hpp"
#include "maspo/store.hpp"
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
    if (flag == "-h" || flag == "--help") {
      std::printf("usage: bench_orchestration [--latency-ms 0,200] [--in-flight 64] [--seed 1] [--python PATH] "
                  "[--keep DIR]\n(bench/README.md says what it measures)\n");
      std::exit(0);
    }
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string v = argv[++i];
    try {
      if (flag == "--latency-ms") {
        o.latencies_ms.clear();
        for (std::size_t at = 0; at <= v.size();) {
          std::size_t comma = v.find(',', at);
          if (comma == std::string::npos) comma = v.size();
          std::size_t used = 0;
          const std::string one = v.substr(at, comma - at);
          const int ms = std::stoi(one, &used);
          if (used != one.size() || ms < 0) throw std::invalid_argument(one);
          o.latencies_ms.push_back(ms);
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
  if (o.in_flight < 1) usage("--in-flight must be at least 1");
  if (o.latencies_ms.empty()) usage("--latency-ms wants at least one latency");
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
  int steps = 0;                              // run-store steps that made calls
  int longest_chain = 0;                      // in calls, data dependencies only
  int longest_chain_with_steps = 0;           // in calls, data and step-order dependencies
  int unplaced = 0;                           // calls no store row could place in a step
  int contradicted = 0;                       // step-order links the schedule contradicts (dropped)
};

std::vector<int> call_tags(const std::string& text) {
  static const std::regex tag(R"(\[call (\d+)\])");
  std::vector<int> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

// What the run store says about the run's steps.
struct Steps {
  std::vector<int> of_call;                 // step that made each call; -1: not placed
  std::map<int, std::string> agent;         // the agent each step optimized or refreshed
  std::set<int> refreshes;                  // refresh steps (their batch injects nothing)
};

// Places each call in the step that made it, from the tags the run store kept: an optimizer call
// is in the step of the proposal holding its reply, a judge call in the step of the judgement
// holding it, and an agent call in the earliest step of a call built from its reply. Cached
// replies are quoted again in later steps; the earliest step is when the call was made.
Steps read_steps(const fs::path& run_dir, const std::vector<std::vector<int>>& deps) {
  Steps st;
  st.of_call.assign(deps.size(), -1);
  const auto place = [&](int call, int s) {
    if (call < 0 || static_cast<std::size_t>(call) >= deps.size()) {
      throw std::runtime_error("the run store quotes call " + std::to_string(call) + ", which the server never made");
    }
    int& at = st.of_call[static_cast<std::size_t>(call)];
    at = at < 0 ? s : std::min(at, s);
  };
  const auto store = maspo::store::RunStore::open(run_dir);
  for (const auto& row : store->rows("proposals")) {
    const int s = row.at("step").get<int>();
    st.agent[s] = row.at("agent").get<std::string>();
    for (int call : call_tags(row.at("reply").get<std::string>())) place(call, s);
  }
  for (const auto& row : store->rows("judgements")) {
    const int s = row.at("step").get<int>();
    st.agent[s] = row.at("agent").get<std::string>();
    if (row.at("context") == "refresh") st.refreshes.insert(s);
    for (const auto& reply : row.at("replies")) {
      for (int call : call_tags(reply.get<std::string>())) place(call, s);
    }
  }
  for (std::size_t i = deps.size(); i-- > 0;) {   // later calls first: a call's users are later
    if (st.of_call[i] < 0) continue;
    for (int d : deps[i]) {
      int& at = st.of_call[static_cast<std::size_t>(d)];   // can only move a call earlier
      if (at < 0 || at > st.of_call[i]) at = st.of_call[i];
    }
  }
  return st;
}

// The testbed agent an agent call ran: its own prompt comes first in the request, before any
// upstream output it quotes.
std::string agent_of_call(const json& body) {
  const std::string first = body.at("messages").at(0).at("content");
  std::string role = maspo::testing::role_of(first);
  if (role.empty()) throw std::runtime_error("an agent call without a testbed ROLE= prompt: " + first.substr(0, 200));
  return role;
}

// Reads the server's record and the run store.
//
// Data dependencies: a request quoting "[call N]" was built from call N's reply. Their longest
// chain is a loose bound, because a MASPO step also waits on judge verdicts that nothing quotes.
//
// Step order: maspo's steps (one layer of one agent's visit, or one refresh; the run store's
// `step`) run one after another, and a step's verdicts select only its own agent's beam, best
// prompt and misalignment buffer. So a call of step s depends on the judge calls of the earlier
// steps of exactly the agents whose state it uses:
//   - an agent call: the steps of the agent it runs (its prompt: the best, a beam parent, or a
//     child of one);
//   - an optimizer call: the steps of the step's agent (the parents and their cases);
//   - every non-judge call of a layer step: the steps of the step's agent's direct predecessors,
//     whose buffers chose the injected questions of the batch (a refresh injects none; so would
//     `sampling: random`, which this bench does not use).
// Judge calls depend on nothing but the outputs they compare (data links). Left out, so the bound
// stays low: verdict links inside a step (failure cases are chosen by verdicts), and links
// through the shared random stream (how many draws a batch takes depends on the buffers).
// The placement comes from the store, not from the schedule; the schedule is a check: a link the
// record contradicts (the judge answered after the call was sent; record times are reply times,
// so a call was sent at its time minus the latency) would mean a call placed in the wrong step,
// and is dropped and counted.
Graph read_graph(const fs::path& record, const fs::path& run_dir, const maspo::mas::System& system, double latency_s) {
  Graph g;
  std::ifstream in(record);
  if (!in) throw std::runtime_error("cannot read the server's record " + record.string());
  std::vector<json> records;
  std::vector<std::vector<int>> deps;
  for (std::string line; std::getline(in, line);) {
    json c = json::parse(line);
    const int id = c.at("id");
    if (id != static_cast<int>(records.size())) throw std::runtime_error("record out of order at call " + std::to_string(id));
    std::vector<int> d;
    for (const auto& m : c.at("body").at("messages")) {
      for (int dep : call_tags(m.at("content").get<std::string>())) {
        if (dep >= id) throw std::runtime_error("call " + std::to_string(id) + " quotes a later call");
        d.push_back(dep);
      }
    }
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    deps.push_back(std::move(d));
    records.push_back(std::move(c));
  }
  if (records.empty()) throw std::runtime_error("the server recorded no call in " + record.string());
  const Steps steps = read_steps(run_dir, deps);
  const std::vector<int>& step = steps.of_call;

  // Judge calls per agent, in record order: (step, answered at, depth with step order).
  struct Judge {
    int step;
    double answered;
    int depth;
  };
  std::map<std::string, std::vector<Judge>> judges_of;
  std::map<std::string, std::map<int, int>> judge_count;   // agent -> step -> judge calls
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (step[i] >= 0 && records[i].at("role") == "judge") ++judge_count[steps.agent.at(step[i])][step[i]];
  }
  std::vector<int> depth(records.size()), depth_steps(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const json& c = records[i];
    const std::string role = c.at("role");
    const double sent = c.at("t").get<double>() - latency_s;
    int d = 1, ds = 1;
    for (int dep : deps[i]) {
      d = std::max(d, depth[static_cast<std::size_t>(dep)] + 1);
      ds = std::max(ds, depth_steps[static_cast<std::size_t>(dep)] + 1);
    }
    const int s = step[i];
    if (s < 0) {
      ++g.unplaced;
    } else if (role != "judge") {
      const std::string& step_agent = steps.agent.at(s);
      std::set<std::string> uses = {role == "agents" ? agent_of_call(c.at("body")) : step_agent};
      if (!steps.refreshes.count(s)) {
        for (const auto& p : system.predecessors(step_agent)) uses.insert(p);
      }
      for (const auto& a : uses) {
        int linked = 0, owed = 0;   // judges of earlier steps of `a`: linked, and all of them
        for (const auto& [js, n] : judge_count[a]) {
          if (js < s) owed += n;
        }
        for (const Judge& j : judges_of[a]) {
          if (j.step < s && j.answered <= sent + 1e-3) {
            ds = std::max(ds, j.depth + 1);
            ++linked;
          }
        }
        g.contradicted += owed - linked;   // answered after this call went out (or not yet)
      }
    }
    depth[i] = d;
    depth_steps[i] = ds;
    if (role == "judge" && s >= 0) judges_of[steps.agent.at(s)].push_back({s, c.at("t").get<double>(), ds});
    g.longest_chain = std::max(g.longest_chain, d);
    g.longest_chain_with_steps = std::max(g.longest_chain_with_steps, ds);
    ++g.per_role[role];
    g.calls.push_back({{"id", i}, {"deps", deps[i]}, {"body", c.at("body")}});
  }
  std::set<int> placed(step.begin(), step.end());
  placed.erase(-1);
  g.steps = static_cast<int>(placed.size());
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
  const Graph g = read_graph(record, dir / "run", maspo::mas::load_system(dir / "testbed.yaml"), latency_ms / 1000.0);
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
  std::printf("calls %zu (agents %d, optimizer %d, judge %d); longest dependency chain %d calls (data), %d calls "
              "(data + step order)\n", n,
              g.per_role.count("agents") ? g.per_role.at("agents") : 0,
              g.per_role.count("optimizer") ? g.per_role.at("optimizer") : 0,
              g.per_role.count("judge") ? g.per_role.at("judge") : 0, g.longest_chain, g.longest_chain_with_steps);
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
    const double bound_steps = g.longest_chain_with_steps * latency_ms / 1000.0;
    std::printf("critical-path bound, data only:         %3d x %d ms = %6.2f s; maspo wall / bound = %.2fx; python "
                "replay / bound = %.2fx\n", g.longest_chain, latency_ms, bound, m.wall_s / bound, py_wall / bound);
    std::printf("critical-path bound, data + step order: %3d x %d ms = %6.2f s; maspo wall / bound = %.2fx\n",
                g.longest_chain_with_steps, latency_ms, bound_steps, m.wall_s / bound_steps);
    std::printf("(%d steps; %d calls not placed in a step; %d step-order links contradicted by the schedule, "
                "dropped)\n", g.steps, g.unplaced, g.contradicted);
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
    try {
      if (int rc = scenario(o, latency); rc != 0) return rc;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_orchestration: latency %d ms: %s\n", latency, e.what());
      return 1;
    }
  }
  return 0;
}
