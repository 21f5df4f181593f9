// bench_llama_batching: aggregate generated tokens/s of the embedded llama.cpp backend with 1, 4
// and 16 requests in flight, against the same requests one after another, and against llama.cpp's
// own llama-server (built from the same source by scripts/fetch-llama) with the same model,
// --parallel 16, the same thread count and per-sequence context, on 127.0.0.1.
//
//   bench_llama_batching [--model PATH] [--llama-server PATH|none] [--max-tokens 64] [--threads N]
//                        [--repeats 3]
//
// Every measurement uses fresh prompts (a run number opens each prompt), so no run is helped by
// the prompt cache of an earlier one; each figure is the median of --repeats runs, maspo and
// llama-server interleaved so that both see the same machine load. Temperature 0, story prompts
// (so most replies run to max_tokens); tokens/s = completion tokens of all requests / wall time.
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "maspo/llm.hpp"

#ifdef MASPO_WITH_LLAMA
#include <ggml-cpu.h>
#include <llama.h>

#include "llm/llama_backend.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
namespace fs = std::filesystem;

struct Options {
  std::string model;
  std::string llama_server;
  int max_tokens = 64;
  int threads = 0;
  int repeats = 3;
  int context = 512;  // per sequence: prompt (~40 tokens) + reply fit
};

const std::vector<std::string> kTopics = {
    "a dragon in a lighthouse", "a robot learning to paint", "a lost city under the sea", "a talking cat detective",
    "a train that travels to the moon", "a garden that grows books", "a clockmaker who stops time",
    "a pirate afraid of water", "a library on a mountain", "a knight and a tiny fox", "a village of giants",
    "a map that redraws itself", "a wizard who forgot magic", "a storm that sings", "a bakery for ghosts",
    "a kite that never lands"};
const std::string kSystem = "You are a creative writer.";

std::vector<maspo::llm::Request> make_requests(int n, int run, int max_tokens) {
  std::vector<maspo::llm::Request> out;
  for (int i = 0; i < n; ++i) {
    maspo::llm::Request r;
    // An explicit system message: llama-server's Jinja rendering of SmolLM2's template adds a
    // default one when there is none, maspo's does not; with one, both send the same tokens.
    r.messages = {{"system", kSystem},
                  {"user", fmt::format("Story {}. Write a long story about {}.", run * 100 + i,
                                       kTopics[static_cast<std::size_t>(i) % kTopics.size()])}};
    r.max_tokens = max_tokens;
    r.temperature = 0.0;
    out.push_back(std::move(r));
  }
  return out;
}

struct Measure {
  std::int64_t tokens = 0;
  double seconds = 0.0;
  double rate() const { return seconds > 0 ? static_cast<double>(tokens) / seconds : 0.0; }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// ----- maspo's embedded backend ---------------------------------------------------------------

Measure run_backend(maspo::llm::Backend& backend, const std::vector<maspo::llm::Request>& requests, bool together) {
  auto start = Clock::now();
  std::int64_t tokens = 0;
  auto submit = [&](const maspo::llm::Request& r) {
    auto promise = std::make_shared<std::promise<maspo::llm::Reply>>();
    auto future = promise->get_future();
    backend.submit(r, [promise](maspo::llm::Reply reply, std::exception_ptr e) {
      if (e) {
        promise->set_exception(e);
      } else {
        promise->set_value(std::move(reply));
      }
    });
    return future;
  };
  if (together) {
    std::vector<std::future<maspo::llm::Reply>> futures;
    for (const auto& r : requests) futures.push_back(submit(r));
    for (auto& f : futures) tokens += f.get().usage.completion_tokens;
  } else {
    for (const auto& r : requests) tokens += submit(r).get().usage.completion_tokens;
  }
  return {tokens, std::chrono::duration<double>(Clock::now() - start).count()};
}

// ----- llama-server ---------------------------------------------------------------------------

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class LlamaServer {
 public:
  LlamaServer(const Options& o, int threads) : port_(free_port()) {
    std::vector<std::string> args = {o.llama_server, "-m", o.model, "--host", "127.0.0.1", "--port",
                                     std::to_string(port_), "-np", "16", "-c", std::to_string(16 * o.context),
                                     "-t", std::to_string(threads), "-tb", std::to_string(threads),
                                     "--no-kv-unified", "-ngl", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    log_ = (fs::temp_directory_path() / ("bench-llama-server-" + std::to_string(getpid()) + ".log")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~LlamaServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      auto deadline = Clock::now() + std::chrono::seconds(10);
      while (waitpid(pid_, nullptr, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, nullptr, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      std::error_code ec;
      fs::remove(log_, ec);
    }
  }
  LlamaServer(const LlamaServer&) = delete;
  LlamaServer& operator=(const LlamaServer&) = delete;

  bool wait_ready(std::chrono::seconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (pid_ > 0 && Clock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) != 0) {
        pid_ = -1;  // it exited
        return false;
      }
      httplib::Client cli("127.0.0.1", port_);
      cli.set_connection_timeout(1, 0);
      auto res = cli.Get("/health");
      if (res && res->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  std::int64_t chat(const maspo::llm::Request& r) const {
    json messages = json::array();
    for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    json body = {{"messages", messages}, {"max_tokens", r.max_tokens}, {"temperature", 0}};
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(600, 0);
    auto res = cli.Post("/v1/chat/completions", body.dump(), "application/json");
    if (!res || res->status != 200) throw std::runtime_error("llama-server request failed");
    return json::parse(res->body)["usage"]["completion_tokens"].get<std::int64_t>();
  }

  Measure run(const std::vector<maspo::llm::Request>& requests) const {
    auto start = Clock::now();
    std::vector<std::future<std::int64_t>> futures;
    for (const auto& r : requests) futures.push_back(std::async(std::launch::async, [this, &r] { return chat(r); }));
    std::int64_t tokens = 0;
    for (auto& f : futures) tokens += f.get();
    return {tokens, std::chrono::duration<double>(Clock::now() - start).count()};
  }

  const std::string& log() const { return log_; }

 private:
  int port_;
  pid_t pid_ = -1;
  std::string log_;
};

// The ceiling batching can reach on this machine, with no engine, sampling or HTTP around it:
// llama_decode steps of one token for each of `width` sequences (40 tokens of context each),
// generated tokens per second. Returns {1 sequence, 16 sequences}.
std::pair<double, double> raw_decode_ceiling(const std::string& model_path, int threads) {
  llama_model* model = llama_model_load_from_file(model_path.c_str(), llama_model_default_params());
  if (model == nullptr) return {0, 0};
  llama_context_params cp = llama_context_default_params();
  cp.n_seq_max = 16;
  cp.n_ctx = 16 * 512;
  cp.kv_unified = false;
  cp.n_threads = cp.n_threads_batch = threads;
  llama_context* ctx = llama_init_from_model(model, cp);
  // A persistent thread pool, as maspo's engine and llama-server have.
  ggml_threadpool_params tpp = ggml_threadpool_params_default(threads);
  ggml_threadpool* pool = ggml_threadpool_new(&tpp);
  llama_attach_threadpool(ctx, pool, nullptr);
  llama_batch batch = llama_batch_init(1024, 0, 1);
  auto add = [&](llama_token t, llama_pos pos, llama_seq_id seq, bool logits) {
    int i = batch.n_tokens++;
    batch.token[i] = t;
    batch.pos[i] = pos;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = seq;
    batch.logits[i] = logits ? 1 : 0;
  };
  batch.n_tokens = 0;
  for (int s = 0; s < 16; ++s) {
    for (int p = 0; p < 40; ++p) add(100 + p + s, p, s, false);
  }
  llama_decode(ctx, batch);
  std::pair<double, double> rates{0, 0};
  for (int width : {1, 16}) {
    const int steps = 32;
    auto start = Clock::now();
    for (int k = 0; k < steps; ++k) {
      batch.n_tokens = 0;
      for (int s = 0; s < width; ++s) add(500 + k, 40 + k, s, true);
      llama_decode(ctx, batch);
    }
    double rate = width * steps / std::chrono::duration<double>(Clock::now() - start).count();
    (width == 1 ? rates.first : rates.second) = rate;
    for (int s = 0; s < 16; ++s) llama_memory_seq_rm(llama_get_memory(ctx), s, 40, -1);
  }
  llama_batch_free(batch);
  llama_detach_threadpool(ctx);
  llama_free(ctx);
  ggml_threadpool_free(pool);
  llama_model_free(model);
  return rates;
}

int usage_error(const std::string& message) {
  std::cerr << "bench_llama_batching: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
#ifdef MASPO_LLAMA_SERVER_BIN
  o.llama_server = MASPO_LLAMA_SERVER_BIN;
#endif
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") {
      o.model = value();
    } else if (a == "--llama-server") {
      o.llama_server = value();
    } else if (a == "--max-tokens") {
      o.max_tokens = std::atoi(value().c_str());
    } else if (a == "--threads") {
      o.threads = std::atoi(value().c_str());
    } else if (a == "--repeats") {
      o.repeats = std::atoi(value().c_str());
    } else {
      return usage_error("unknown argument " + a +
                         " (expected --model, --llama-server PATH|none, --max-tokens, --threads, --repeats)");
    }
  }
  if (o.max_tokens <= 0 || o.repeats <= 0 || o.repeats > 20) return usage_error("bad --max-tokens or --repeats");
  if (o.model.empty()) o.model = maspo::llm::default_llama_model_path().string();
  if (o.llama_server == "none") o.llama_server.clear();
  // Both sides get the same thread count: --threads, else $MASPO_LLAMA_THREADS, else one per
  // logical CPU.
  int threads = o.threads;
  if (threads <= 0) {
    const char* env = std::getenv("MASPO_LLAMA_THREADS");
    threads = env != nullptr && std::atoi(env) > 0 ? std::atoi(env)
                                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  setenv("MASPO_LLAMA_THREADS", std::to_string(threads).c_str(), 1);

  maspo::llm::RoleConfig cfg;
  cfg.backend = "llama";
  cfg.model_path = o.model;
  cfg.parallel = 16;
  cfg.context_size = o.context;
  std::unique_ptr<maspo::llm::LlamaBackend> backend;
  try {
    backend = std::make_unique<maspo::llm::LlamaBackend>("bench", cfg);
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }

  std::unique_ptr<LlamaServer> server;
  if (!o.llama_server.empty()) {
    if (!fs::exists(o.llama_server)) return usage_error(o.llama_server + ": not found (--llama-server none to skip)");
    server = std::make_unique<LlamaServer>(o, threads);
    if (!server->wait_ready(std::chrono::seconds(120))) {
      return usage_error("llama-server did not become ready (log: " + server->log() + ")");
    }
  }

  std::cout << fmt::format("model {}\n{} threads, {} sequences x {} tokens, max_tokens {}, median of {} runs\n",
                           o.model, threads, backend->parallel(), backend->context_size(), o.max_tokens, o.repeats);
  // Warm-up: first-touch of the weights and buffers on both sides.
  run_backend(*backend, make_requests(4, 9999, 8), true);
  if (server) server->run(make_requests(4, 9998, 8));

  std::cout << fmt::format("\n{:>9} | {:>18} | {:>18} | {:>8} | {:>18} | {:>12}\n", "in flight", "maspo one-by-one",
                           "maspo concurrent", "ratio", "llama-server -np16", "maspo/server");
  std::cout << fmt::format("{:->9}-+-{:->18}-+-{:->18}-+-{:->8}-+-{:->18}-+-{:->12}\n", "", "", "", "", "", "");
  int run_id = 0;
  for (int n : {1, 4, 16}) {
    std::vector<double> seq, conc, srv;
    for (int rep = 0; rep < o.repeats; ++rep) {
      conc.push_back(run_backend(*backend, make_requests(n, ++run_id, o.max_tokens), true).rate());
      if (server) srv.push_back(server->run(make_requests(n, ++run_id, o.max_tokens)).rate());
      seq.push_back(n == 1 ? conc.back() : run_backend(*backend, make_requests(n, ++run_id, o.max_tokens), false).rate());
    }
    double s = median(seq), c = median(conc), l = median(srv);
    auto list = [](const std::vector<double>& v) {
      std::string out;
      for (double x : v) out += fmt::format(" {:.1f}", x);
      return out;
    };
    std::cerr << fmt::format("  runs ({} in flight): one-by-one{}; concurrent{}; llama-server{}\n", n, list(seq),
                             list(conc), list(srv));
    std::cout << fmt::format("{:>9} | {:>12.1f} tok/s | {:>12.1f} tok/s | {:>7.2f}x | {:>18} | {:>12}\n", n, s, c,
                             s > 0 ? c / s : 0.0, server ? fmt::format("{:.1f} tok/s", l) : "-",
                             server && l > 0 ? fmt::format("{:.2f}x", c / l) : "-");
  }
  auto [one, sixteen] = raw_decode_ceiling(o.model, threads);
  std::cout << fmt::format("\nllama_decode alone (no engine, sampling or HTTP), one token per sequence per step:\n"
                           "  1 sequence {:.1f} tok/s, 16 sequences {:.1f} tok/s: batching can give at most {:.2f}x here\n",
                           one, sixteen, one > 0 ? sixteen / one : 0.0);
  auto st = backend->stats();
  std::cout << fmt::format("\nmaspo engine: {} requests, {} decode calls, up to {} sequences in one decode, "
                           "{} of {} prompt tokens reused\n",
                           st.requests, st.decode_calls, st.max_sequences_in_batch, st.reused_prompt_tokens,
                           st.prompt_tokens);
  return 0;
}

#else  // no llama.cpp in this build

int main() {
  std::cerr << "bench_llama_batching: maspo was built without llama.cpp (run scripts/setup)\n";
  return 2;
}

#endif
