// bench_llm_client — throughput and CPU cost of llm::Client's HTTP path, beside a naive baseline
// measured in the same run.
//
// The server is the standalone fake OpenAI server (zero latency) in a child process, so this
// process's CPU time (getrusage) is the client's alone. For 1, 16 and 64 requests in flight:
//   maspo  : llm::Client -> HttpBackend (one curl multi event loop), cache off
//   naive  : a pool of N threads, each request on a fresh blocking curl easy handle
// then cache hits/s through llm::Client (read_write cache, every request already stored).
//
//   bench_llm_client [--requests N] [--fake-server PATH]
#include <curl/curl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "maspo/llm.hpp"

#ifndef FAKE_SERVER_BIN
#define FAKE_SERVER_BIN "fake_openai_server"
#endif

namespace {

using Clock = std::chrono::steady_clock;
using maspo::llm::Request;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

struct Result {
  double seconds = 0;
  double cpu = 0;
  int ok = 0;
};

// Starts the fake server as a child; reads "PORT <n>" from its stdout.
struct ServerProcess {
  pid_t pid = -1;
  int port = 0;
  explicit ServerProcess(const std::string& path) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid = fork();
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl(path.c_str(), path.c_str(), "--port", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[128];
    while (fgets(line, sizeof line, out) != nullptr) {
      if (std::sscanf(line, "PORT %d", &port) == 1) break;
    }
    if (port == 0) throw std::runtime_error("fake server did not report a port: " + path);
  }
  ~ServerProcess() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

Request make_request(int i) {
  Request r;
  r.messages = {{"user", "question number " + std::to_string(i)}};
  r.max_tokens = 16;
  return r;
}

maspo::llm::RoleConfig http_role(int port, int in_flight) {
  maspo::llm::RoleConfig cfg;
  cfg.backend = "openai";
  cfg.endpoints = {{"http://127.0.0.1:" + std::to_string(port) + "/v1"}};
  cfg.model = "fake";
  cfg.max_concurrency = in_flight;
  return cfg;
}

// Keeps `in_flight` requests outstanding through llm::Client until `total` are answered.
Result run_maspo(int port, int in_flight, int total, maspo::llm::CacheConfig cache, int offset = 0) {
  maspo::llm::ClientOptions opts;
  opts.roles["agents"] = http_role(port, in_flight);
  opts.cache = std::move(cache);
  maspo::llm::Client client(opts);
  std::atomic<int> next{0}, done{0}, ok{0};
  std::mutex mu;
  std::condition_variable cv;
  std::function<void()> launch = [&] {
    int i = next.fetch_add(1);
    if (i >= total) return;
    client.submit("agents", make_request(offset + i), [&](maspo::llm::Reply, std::exception_ptr err) {
      if (!err) ok.fetch_add(1);
      if (done.fetch_add(1) + 1 == total) {
        std::lock_guard lock(mu);
        cv.notify_all();
      } else {
        launch();
      }
    });
  };
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int k = 0; k < in_flight; ++k) launch();
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(120), [&] { return done.load() == total; });
  }
  Result r{std::chrono::duration<double>(Clock::now() - t0).count(), cpu_seconds() - cpu0, ok.load()};
  return r;
}

// Every request is already in the cache: each submit answers synchronously.
Result run_cache_hits(int port, int total, const maspo::llm::CacheConfig& cache, int offset) {
  maspo::llm::ClientOptions opts;
  opts.roles["agents"] = http_role(port, 1);
  opts.cache = cache;
  maspo::llm::Client client(opts);
  int ok = 0;
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int i = 0; i < total; ++i) {
    client.submit("agents", make_request(offset + i), [&](maspo::llm::Reply reply, std::exception_ptr err) {
      if (!err && reply.cached) ++ok;
    });
  }
  return {std::chrono::duration<double>(Clock::now() - t0).count(), cpu_seconds() - cpu0, ok};
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

// The naive design: N threads, each request a fresh blocking easy handle.
Result run_naive(int port, int threads, int total) {
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions";
  std::atomic<int> next{0}, ok{0};
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next.fetch_add(1); i < total; i = next.fetch_add(1)) {
        std::string body = R"({"model":"fake","max_tokens":16,"messages":[{"role":"user","content":"question number )" +
                           std::to_string(i) + R"("}]})";
        CURL* h = curl_easy_init();
        curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
            status == 200) {
          ok.fetch_add(1);
        }
        curl_slist_free_all(headers);
        curl_easy_cleanup(h);
      }
    });
  }
  for (auto& th : pool) th.join();
  return {std::chrono::duration<double>(Clock::now() - t0).count(), cpu_seconds() - cpu0, ok.load()};
}

}  // namespace

int main(int argc, char** argv) {
  int total = 20000;
  std::string server_bin = FAKE_SERVER_BIN;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--requests") && i + 1 < argc) total = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--fake-server") && i + 1 < argc) server_bin = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--requests N] [--fake-server PATH]\n", argv[0]);
      return 2;
    }
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ServerProcess server(server_bin);
  maspo::llm::CacheConfig off{maspo::llm::CacheMode::off, ""};

  std::printf("bench_llm_client: %d requests per cell, fake server (zero latency) in a child process, %u cores\n",
              total, std::thread::hardware_concurrency());
  std::printf("%-9s | %12s %14s | %12s %14s | %9s\n", "in flight", "maspo req/s", "maspo CPU us/req", "naive req/s",
              "naive CPU us/req", "ratio");
  run_maspo(server.port, 16, std::min(total, 2000), off);  // warm-up: connections, allocator
  bool all_ok = true;
  for (int n : {1, 16, 64}) {
    int cell = n == 1 ? std::max(total / 10, 100) : total;  // one at a time is slow on both sides
    Result m = run_maspo(server.port, n, cell, off);
    Result b = run_naive(server.port, n, cell);
    all_ok = all_ok && m.ok == cell && b.ok == cell;
    double mr = cell / m.seconds, br = cell / b.seconds;
    std::printf("%-9d | %12.0f %14.1f | %12.0f %14.1f | %8.2fx\n", n, mr, m.cpu / cell * 1e6, br, b.cpu / cell * 1e6,
                mr / br);
  }

  // Cache hits: fill a cache, then replay the same requests.
  auto dir = std::filesystem::temp_directory_path() / ("maspo-bench-cache-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  maspo::llm::CacheConfig rw{maspo::llm::CacheMode::read_write, (dir / "cache.sqlite").string()};
  int hits = std::min(total, 20000);
  run_maspo(server.port, 64, hits, rw, 1000000);  // fills the cache
  Result h = run_cache_hits(server.port, hits, rw, 1000000);
  all_ok = all_ok && h.ok == hits;
  std::printf("cache hits: %.0f/s, %.1f CPU us/hit (%d requests, one thread; a hit is answered inside submit)\n",
              hits / h.seconds, h.cpu / hits * 1e6, hits);
  std::filesystem::remove_all(dir);
  if (!all_ok) {
    std::printf("ERROR: some requests failed\n");
    return 1;
  }
  return 0;
}
