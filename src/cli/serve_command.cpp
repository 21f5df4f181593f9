// `maspo serve`: the embedded llama.cpp model behind an OpenAI-compatible HTTP API
// (/v1/chat/completions, /v1/models, /health), so any other tool can use the same model.
//
//   maspo serve [--model PATH.gguf] [--host 127.0.0.1] [--port 8080] [--parallel N] [--context-size N]
//
// Prints `listening on http://HOST:PORT/v1` on stdout once bound (--port 0 picks a free port;
// scripts read the line), serves until SIGINT or SIGTERM, then stops cleanly: requests in flight
// finish or fail with `cancelled`, exit code 0.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <ctime>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "maspo/llm.hpp"
#include "maspo/serve.hpp"

namespace maspo::cli {

namespace {

struct ServeOptions {
  std::string model;   // empty: the bundled default model
  std::string host = "127.0.0.1";
  int port = 8080;
  int parallel = 0;    // 0: the backend's default
  int context_size = 0;
  int threads = 16;    // HTTP workers; a request waits in the backend, so more than `parallel`
};

int run_serve(const ServeOptions& o) {
  // Signals are taken by one thread with sigtimedwait, not by a handler: stop() is not
  // async-signal-safe. They are blocked before any other thread exists (the backend's decode
  // thread, the HTTP workers), so every thread inherits the mask and none is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{old_mask};

  llm::RoleConfig role;
  role.backend = "llama";
  role.model_path = o.model;
  role.parallel = o.parallel;
  role.context_size = o.context_size;
  // Errors (missing model, bad file) are llm::Error(config): main() prints them, exit code 2.
  std::shared_ptr<llm::Backend> backend = llm::default_backend_factory()->make("serve", role);

  serve::ServerOptions server_options;
  server_options.host = o.host;
  server_options.port = o.port;
  server_options.threads = o.threads;
  // The name clients see in /v1/models and replies: the model file without ".gguf".
  server_options.model_name = o.model.empty() ? "SmolLM2-135M-Instruct.Q4_1"
                                              : std::filesystem::path(o.model).stem().string();
  serve::OpenAIServer server(backend, server_options);
  server.start();  // throws std::runtime_error when the address cannot be bound
  std::cerr << "maspo serve: " << backend->describe() << "\n";
  std::cout << "listening on " << server.base_url() << std::endl;  // flushed: scripts wait for it

  std::atomic<bool> done{false};
  std::atomic<int> got_signal{0};
  std::thread signal_waiter([&] {
    // Polls with a timeout so that it also ends when the server stops for another reason.
    const timespec tick{0, 200'000'000};
    while (!done.load()) {
      int sig = sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        got_signal = sig;
        server.stop();
        return;
      }
    }
  });
  server.wait();
  done = true;
  signal_waiter.join();
  server.stop();
  if (got_signal.load() != 0) {
    std::cerr << "maspo serve: stopped (" << (got_signal.load() == SIGINT ? "SIGINT" : "SIGTERM") << ")\n";
  }
  return 0;
}

}  // namespace

Action add_serve_command(CLI::App& app, const GlobalOptions& /*global*/) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve the embedded model over an OpenAI-compatible HTTP API");
  cmd->add_option("--model", o->model, "GGUF model file (default: the bundled SmolLM2-135M-Instruct)");
  cmd->add_option("--host", o->host, "Address to bind")->capture_default_str();
  cmd->add_option("--port", o->port, "Port to bind (0: any free port)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--parallel", o->parallel, "Sequences decoded together (default 8)")->check(CLI::Range(1, 256));
  cmd->add_option("--context-size", o->context_size, "Context per sequence, in tokens (default 2048)")
      ->check(CLI::Range(16, 1 << 20));
  cmd->add_option("--http-threads", o->threads, "HTTP worker threads")->check(CLI::Range(1, 1024))->capture_default_str();
  return [o] { return run_serve(*o); };
}

}  // namespace maspo::cli
