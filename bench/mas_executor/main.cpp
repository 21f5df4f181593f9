// bench_mas_executor — what mas::Executor adds on top of the llm::Client calls it makes.
//
// One process, one llm::Client (role "agents", backend openai, cache off so every call goes over
// HTTP) pointed at the in-process fake OpenAI server with zero latency. Per context mode:
//   executor : N questions through builtin "sequential:2" (4 agents, math seeds) with
//              Executor::run_jobs, 16 questions in flight
//   bare     : the same N chains issued by hand with Client::submit: each question a chain of
//              dependent calls (the next prompt needs the previous reply), 16 chains in flight,
//              byte-for-byte the requests the executor sends (mas::agent_request,
//              mas::compression_request, mas::format_template)
// Both sides alternate over several repeats (the order flips each repeat, so drift in machine
// load falls on both); the medians and the median ratio are printed.
//
//   bench_mas_executor [--questions N (1000)] [--repeats R (7)]
//
// 1000 questions make one side of one repeat last about a second here: shorter runs were
// dominated by scheduling noise on a shared 2-core machine.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "maspo/llm.hpp"
#include "maspo/mas.hpp"
#include "support/fake_openai_server.hpp"

namespace {

namespace llm = maspo::llm;
namespace mas = maspo::mas;
using Clock = std::chrono::steady_clock;

constexpr int kInFlight = 16;   // questions (chains) in flight, as the executor's default

// This process's CPU time and context switches (all threads: client, executor, server).
struct ProcessUsage {
  double cpu = 0;
  long switches = 0;   // voluntary + involuntary
};

ProcessUsage process_usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {tv(ru.ru_utime) + tv(ru.ru_stime), ru.ru_nvcsw + ru.ru_nivcsw};
}

struct Sample {
  double seconds = 0;
  double cpu = 0;     // whole process: client, executor and the in-process server
  long switches = 0;  // context switches of the whole process
  long calls = 0;     // HTTP calls answered
  int failed = 0;     // questions with an error
};

// Fills in the time, CPU and switches spent since `before` / `t0`.
void stop_clock(Sample& s, const ProcessUsage& before, Clock::time_point t0) {
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const ProcessUsage after = process_usage();
  s.cpu = after.cpu - before.cpu;
  s.switches = after.switches - before.switches;
}

std::vector<std::string> make_questions(int n) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back("A train travels " + std::to_string(40 + i % 60) + " km in " + std::to_string(1 + i % 7) +
                  " hours. What is its average speed in km/h? (item " + std::to_string(i) + ")");
  }
  return out;
}

llm::Client make_client(const maspo::testing::FakeOpenAIServer& server) {
  llm::RoleConfig role;
  role.backend = "openai";
  role.endpoints = {{server.base_url()}};
  role.model = "fake";
  role.max_concurrency = kInFlight;
  llm::ClientOptions opts;
  opts.roles["agents"] = role;
  opts.cache = {llm::CacheMode::off, ""};
  return llm::Client(opts);
}

// ---- executor side ---------------------------------------------------------------------------

Sample run_executor(mas::Executor& executor, const std::vector<std::string>& questions) {
  std::vector<mas::Job> jobs;
  jobs.reserve(questions.size());
  for (const auto& q : questions) jobs.push_back({q, nullptr, nullptr, ""});
  Sample s;
  const ProcessUsage before = process_usage();
  const auto t0 = Clock::now();
  const auto traces = executor.run_jobs(std::move(jobs));
  stop_clock(s, before, t0);
  for (const auto& t : traces) {
    if (!t.error.empty()) ++s.failed;
    for (const auto& a : t.agents) s.calls += a.calls;
  }
  return s;
}

// ---- bare side -------------------------------------------------------------------------------

// One question's chain of dependent calls, built the way the executor builds them for a
// sequential system: agent k's {context} is agent k-1's output (raw) or its compression (summary).
class Chain : public std::enable_shared_from_this<Chain> {
 public:
  // `done(ok, calls)` is called once, when the last call of the chain answers or one fails.
  Chain(llm::Client& client, const mas::System& system, std::string question, std::function<void(bool, long)> done)
      : client_(client), system_(system), question_(std::move(question)), done_(std::move(done)) {}

  void start() { call_agent(0, ""); }

 private:
  bool summarize(std::size_t i) const {
    return system_.context_mode() == mas::ContextMode::summary && i + 1 < system_.agents().size();
  }

  void call_agent(std::size_t i, const std::string& context) {
    const auto& agent = system_.agents()[i];
    auto request = mas::agent_request(agent, mas::format_template(agent.prompt, question_, context));
    submit(std::move(request), [self = shared_from_this(), i](std::string output) {
      if (self->summarize(i)) {
        self->call_compression(i, output);
      } else {
        self->next(i, output);
      }
    });
  }

  void call_compression(std::size_t i, const std::string& output) {
    auto request = mas::compression_request(system_.agents()[i], system_.task(), output);
    submit(std::move(request), [self = shared_from_this(), i](std::string summary) { self->next(i, summary); });
  }

  void next(std::size_t i, const std::string& context) {
    if (i + 1 < system_.agents().size()) {
      call_agent(i + 1, context);
    } else {
      done_(true, calls_);
    }
  }

  void submit(llm::Request request, std::function<void(std::string)> then) {
    client_.submit("agents", std::move(request),
                   [self = shared_from_this(), then = std::move(then)](llm::Reply reply, std::exception_ptr err) {
                     if (err) {
                       self->done_(false, self->calls_);
                       return;
                     }
                     ++self->calls_;
                     then(std::move(reply.text));
                   });
  }

  llm::Client& client_;
  const mas::System& system_;
  std::string question_;
  std::function<void(bool, long)> done_;
  long calls_ = 0;   // touched by one callback at a time: the chain's calls are sequential
};

// Keeps kInFlight chains outstanding until every question is done, as run_jobs does.
Sample run_bare(llm::Client& client, const mas::System& system, const std::vector<std::string>& questions) {
  const int total = static_cast<int>(questions.size());
  std::atomic<int> next{0}, done{0}, failed{0};
  std::atomic<long> calls{0};
  std::mutex mu;
  std::condition_variable cv;
  std::function<void()> launch = [&] {
    const int i = next.fetch_add(1);
    if (i >= total) return;
    auto chain = std::make_shared<Chain>(client, system, questions[static_cast<std::size_t>(i)], [&](bool ok, long n) {
      calls.fetch_add(n);
      if (!ok) failed.fetch_add(1);
      // The next chain starts before this one counts as done: once `done` reaches the total no
      // callback is still inside `launch`, so returning (and destroying it) is safe.
      launch();
      if (done.fetch_add(1) + 1 == total) {
        std::lock_guard lock(mu);
        cv.notify_all();
      }
    });
    chain->start();
  };
  Sample s;
  const ProcessUsage before = process_usage();
  const auto t0 = Clock::now();
  for (int k = 0; k < kInFlight; ++k) launch();
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(120), [&] { return done.load() == total; })) {
      throw std::runtime_error("bare chains did not finish within 120 s");
    }
  }
  stop_clock(s, before, t0);
  s.calls = calls.load();
  s.failed = failed.load();
  return s;
}

// ---- reporting -------------------------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One side of one row, per call: what the table prints.
struct Side {
  double seconds = 0;
  double wall_us = 0;
  double cpu_us = 0;
  double switches = 0;
};

Side per_call(const Sample& s) {
  const double n = s.calls > 0 ? static_cast<double>(s.calls) : 1;
  return {s.seconds, s.seconds / n * 1e6, s.cpu / n * 1e6, static_cast<double>(s.switches) / n};
}

// The median of every column over the repeats (each column on its own).
Side median_side(const std::vector<Sample>& v) {
  std::vector<double> seconds, wall, cpu, sw;
  for (const auto& s : v) {
    const Side p = per_call(s);
    seconds.push_back(p.seconds);
    wall.push_back(p.wall_us);
    cpu.push_back(p.cpu_us);
    sw.push_back(p.switches);
  }
  return {median(seconds), median(wall), median(cpu), median(sw)};
}

void print_header() {
  std::printf("%-7s %6s | %-34s | %-34s | %s\n", "", "", "executor (run_jobs)", "bare (Client::submit chains)",
              "executor vs bare");
  std::printf("%-7s %6s | %8s %8s %8s %7s | %8s %8s %8s %7s | %8s %8s\n", "context", "repeat", "wall s", "us/call",
              "CPU us", "csw", "wall s", "us/call", "CPU us", "csw", "wall", "CPU");
}

void print_row(const std::string& mode, const std::string& tag, const Side& e, const Side& b, double wall_ratio,
               double cpu_ratio) {
  std::printf("%-7s %6s | %8.3f %8.1f %8.1f %7.2f | %8.3f %8.1f %8.1f %7.2f | %+7.1f%% %+7.1f%%\n", mode.c_str(),
              tag.c_str(), e.seconds, e.wall_us, e.cpu_us, e.switches, b.seconds, b.wall_us, b.cpu_us, b.switches,
              (wall_ratio - 1) * 100, (cpu_ratio - 1) * 100);
}

// The bodies the server received for one question sent each way: the bare side must send the
// very requests the executor sends, or the comparison would not be about the executor.
bool same_requests(const maspo::testing::FakeOpenAIServer& server, llm::Client& client, mas::Executor& executor,
                   const std::string& question) {
  auto bodies_of = [&](const std::function<void()>& send) {
    const auto before = static_cast<std::ptrdiff_t>(server.bodies().size());
    send();
    const auto all = server.bodies();
    return std::vector<llm::json>(all.begin() + before, all.end());
  };
  const auto by_executor = bodies_of([&] { run_executor(executor, {question}); });
  const auto by_hand = bodies_of([&] { run_bare(client, executor.system(), {question}); });
  return !by_executor.empty() && by_executor == by_hand;
}

// Runs both sides `repeats` times, alternating; prints each repeat and the medians. Returns
// whether every call of every run succeeded.
bool bench_mode(const maspo::testing::FakeOpenAIServer& server, llm::Client& client, mas::ContextMode mode, const std::vector<std::string>& questions, int repeats) {
  auto system = std::make_shared<const mas::System>(
      mas::builtin_system("sequential:2", maspo::data::TaskType::math, mode));
  mas::Executor executor(client, system, {kInFlight});
  const std::vector<std::string> warm(questions.begin(), questions.begin() + std::min<std::size_t>(questions.size(), 32));
  run_executor(executor, warm);   // connections, allocator, first-touch of the templates
  run_bare(client, *system, warm);
  if (!same_requests(server, client, executor, questions.front())) {
    std::printf("ERROR: the bare chain does not send the requests the executor sends (%s)\n",
                std::string(mas::to_string(mode)).c_str());
    return false;
  }

  const std::string name(mas::to_string(mode));
  std::vector<Sample> ex, bare;
  std::vector<double> wall_ratios, cpu_ratios;
  bool ok = true;
  for (int r = 0; r < repeats; ++r) {
    Sample e, b;
    if (r % 2 == 0) {
      e = run_executor(executor, questions);
      b = run_bare(client, *system, questions);
    } else {
      b = run_bare(client, *system, questions);
      e = run_executor(executor, questions);
    }
    ok = ok && e.failed == 0 && b.failed == 0 && e.calls == b.calls;
    wall_ratios.push_back(e.seconds / b.seconds);
    cpu_ratios.push_back(e.cpu / b.cpu);
    print_row(name, std::to_string(r + 1), per_call(e), per_call(b), wall_ratios.back(), cpu_ratios.back());
    ex.push_back(e);
    bare.push_back(b);
  }
  // The ratio columns of the median row are medians of the per-repeat ratios (each repeat's two
  // sides ran back to back, under the same load), not ratios of the medians.
  print_row(name, "median", median_side(ex), median_side(bare), median(wall_ratios), median(cpu_ratios));
  std::printf("%-7s %ld calls per side and repeat (%ld per question)\n\n", name.c_str(), ex.front().calls,
              ex.front().calls / static_cast<long>(questions.size()));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  int questions = 1000;
  int repeats = 7;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--questions") && i + 1 < argc) questions = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--questions N] [--repeats R]\n", argv[0]);
      return 2;
    }
  }
  // Bounded: a mistyped count must not turn a one-minute bench into an hour.
  questions = std::clamp(questions, 16, 5000);
  repeats = std::clamp(repeats, 1, 15);

  maspo::testing::FakeOpenAIServer server({.latency_s = 0.0});
  llm::Client client = make_client(server);
  const auto qs = make_questions(questions);

  std::printf("bench_mas_executor: builtin sequential:2 (4 agents, math), %d questions x %d repeats, %d in flight,\n"
              "in-process fake server (zero latency), cache off, %u cores. Per call: wall us, CPU us and context\n"
              "switches (csw) of the whole process (client + executor + server). executor vs bare: wall and\n"
              "CPU of the executor side over the bare side, minus 1.\n\n",
              questions, repeats, kInFlight, std::thread::hardware_concurrency());
  print_header();
  bool ok = bench_mode(server, client, mas::ContextMode::raw, qs, repeats);
  ok = bench_mode(server, client, mas::ContextMode::summary, qs, repeats) && ok;
  if (!ok) {
    std::printf("ERROR: some calls failed, or the two sides made different numbers of calls\n");
    return 1;
  }
  return 0;
}
