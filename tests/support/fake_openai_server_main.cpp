// TEST DOUBLE: the fake OpenAI server as a process, for tests that drive the maspo binary.
//   fake_openai_server [--port N] [--latency-ms N] [--fault KIND:COUNT[:RETRY_AFTER_S]]... [--responder echo|testbed]
// --responder testbed answers as the synthetic testbed's role named by the request's model
// ("testbed-agents", "testbed-optimizer", "testbed-judge"; tests/support/synthetic_testbed.hpp).
// Prints "PORT <n>" once listening; runs until SIGTERM or SIGINT.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

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
  bool testbed = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "fake_openai_server: " << message << "\n"
            << "usage: fake_openai_server [--port N] [--latency-ms N] [--fault KIND:COUNT[:RETRY_AFTER_S]]... "
               "[--responder echo|testbed]\n";
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
    } else if (flag == "--fault") {
      args.faults.push_back(parse_fault(value));
    } else {
      usage_error("unknown flag " + flag);
    }
  }
  return args;
}

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
  try {
    maspo::testing::FakeOpenAIServer server(options);
    for (const auto& f : args.faults) server.push_fault(f.fault, f.count, f.retry_after_s);
    if (args.testbed) {
      server.set_responder([](const maspo::llm::Request& r) {
        const std::string prefix = "testbed-";
        const std::string role = r.model.rfind(prefix, 0) == 0 ? r.model.substr(prefix.size()) : "agents";
        return maspo::testing::testbed_reply(role, r);
      });
    }
    std::cout << "PORT " << server.port() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
  } catch (const std::exception& e) {
    std::cerr << "fake_openai_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
