// TEST DOUBLE: the fake OpenAI server as a process, for tests that drive the maspo binary.
//   fake_openai_server [--port N] [--latency-ms N] [--threads N] [--fault KIND:COUNT[:RETRY_AFTER_S]]...
//                      [--responder echo|testbed] [--record FILE]
// --responder testbed answers as the synthetic testbed's role named by the request's model
// ("testbed-agents", "testbed-optimizer", "testbed-judge"; tests/support/synthetic_testbed.hpp).
// --record FILE (testbed only) tags every reply with "[call N]", N the order in which replies
// were made, and writes each request with its reply to FILE, one JSON line per call, on exit. A
// request that contains "[call N]" was built from call N's reply: that is how bench/orchestration
// reads the dependency graph of a whole run, and the tags that the run store keeps (in proposals
// and judgements) say which step made which call. A judge reply's tag comes first and has no
// upper-case letter, so the verdict parser reads "A" and "B" as it would untagged.
// Prints "PORT <n>" once listening; runs until SIGTERM or SIGINT.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_openai_server.hpp"
#include "support/synthetic_testbed.hpp"

namespace {

using maspo::testing::Fault;

struct FaultArg {
  Fault fault = Fault::none;
  int count = 1;
  double retry_after_s = 0.0;
};

struct Args {
  int port = 0;
  double latency_s = 0.0;
  std::vector<FaultArg> faults;
  int threads = 64;
  bool testbed = false;
  std::string record;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "fake_openai_server: " << message << "\n"
            << "usage: fake_openai_server [--port N] [--latency-ms N] [--threads N] [--fault KIND:COUNT[:RETRY_AFTER_S]]... "
               "[--responder echo|testbed] [--record FILE]\n";
  std::exit(2);
}

std::optional<double> number(const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size() || v < 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

FaultArg parse_fault(const std::string& spec) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t colon = spec.find(':', start);
    parts.push_back(spec.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) usage_error("--fault wants KIND:COUNT[:RETRY_AFTER_S], got '" + spec + "'");
  FaultArg f;
  auto kind = maspo::testing::fault_from_name(parts[0]);
  if (!kind) usage_error("unknown fault kind '" + parts[0] + "'");
  f.fault = *kind;
  auto count = number(parts[1]);
  if (!count || *count < 1 || *count != static_cast<int>(*count)) usage_error("bad fault count in '" + spec + "'");
  f.count = static_cast<int>(*count);
  if (parts.size() == 3) {
    auto ra = number(parts[2]);
    if (!ra) usage_error("bad Retry-After seconds in '" + spec + "'");
    f.retry_after_s = *ra;
  }
  return f;
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) usage_error("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--port") {
      auto p = number(value);
      if (!p || *p > 65535 || *p != static_cast<int>(*p)) usage_error("bad port '" + value + "'");
      args.port = static_cast<int>(*p);
    } else if (flag == "--latency-ms") {
      auto ms = number(value);
      if (!ms) usage_error("bad latency '" + value + "'");
      args.latency_s = *ms / 1000.0;
    } else if (flag == "--responder") {
      if (value != "echo" && value != "testbed") usage_error("--responder wants echo or testbed, got '" + value + "'");
      args.testbed = value == "testbed";
    } else if (flag == "--threads") {
      auto n = number(value);
      if (!n || *n < 1 || *n > 1024 || *n != static_cast<int>(*n)) usage_error("bad thread count '" + value + "'");
      args.threads = static_cast<int>(*n);
    } else if (flag == "--record") {
      if (value.empty()) usage_error("--record wants a file path");
      args.record = value;
    } else if (flag == "--fault") {
      args.faults.push_back(parse_fault(value));
    } else {
      usage_error("unknown flag " + flag);
    }
  }
  if (!args.record.empty() && !args.testbed) usage_error("--record needs --responder testbed");
  return args;
}

// The calls of a --record run, in the order their replies were made.
class Recorder {
 public:
  // The reply, tagged; the call recorded.
  std::string record(const std::string& role, const maspo::llm::Request& r, std::string reply) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int id = static_cast<int>(calls_.size());
    const std::string tag = "[call " + std::to_string(id) + "] ";
    if (role == "agents" || role == "judge") {
      reply = tag + reply;
    } else if (role == "optimizer") {
      // Inside the proposed prompt, so every request rendered from it carries the tag.
      const std::size_t at = reply.find("<prompt>");
      reply.insert(at == std::string::npos ? 0 : at + 8, tag);
    }
    nlohmann::json body = {{"model", r.model}, {"temperature", r.temperature}, {"messages", nlohmann::json::array()}};
    for (const auto& m : r.messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
    if (r.top_p) body["top_p"] = *r.top_p;
    if (r.max_tokens > 0) body["max_tokens"] = r.max_tokens;
    if (!r.stop.empty()) body["stop"] = r.stop;
    if (r.seed) body["seed"] = *r.seed;
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    calls_.push_back({{"id", id}, {"role", role}, {"t", t}, {"body", std::move(body)}, {"reply", reply}});
    return reply;
  }
  bool write(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::ofstream out(path, std::ios::trunc);
    for (const auto& c : calls_) out << c.dump() << "\n";
    return static_cast<bool>(out.flush());
  }

 private:
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> calls_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);

  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  maspo::testing::FakeOpenAIServer::Options options;
  options.port = args.port;
  options.latency_s = args.latency_s;
  options.threads = args.threads;
  Recorder recorder;   // outlives the server: its threads may still be answering while it stops
  const bool recording = !args.record.empty();
  try {
    maspo::testing::FakeOpenAIServer server(options);
    for (const auto& f : args.faults) server.push_fault(f.fault, f.count, f.retry_after_s);
    if (args.testbed) {
      server.set_responder([&recorder, recording](const maspo::llm::Request& r) {
        const std::string prefix = "testbed-";
        const std::string role = r.model.rfind(prefix, 0) == 0 ? r.model.substr(prefix.size()) : "agents";
        std::string reply = maspo::testing::testbed_reply(role, r);
        return recording ? recorder.record(role, r, std::move(reply)) : reply;
      });
    }
    std::cout << "PORT " << server.port() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
  } catch (const std::exception& e) {
    std::cerr << "fake_openai_server: " << e.what() << "\n";
    return 1;
  }
  if (recording && !recorder.write(args.record)) {
    std::cerr << "fake_openai_server: cannot write " << args.record << "\n";
    return 1;
  }
  return 0;
}
