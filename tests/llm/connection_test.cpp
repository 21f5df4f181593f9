// How HttpBackend opens connections, against a plain Python http.server
// (tests/support/plain_openai_server.py): bursts against a small accept queue, and reuse.
//
// The method sends its calls in waves (a batch of judgements, then the next step): every wave
// starts with up to max_concurrency requests at once. Against a server that closes each
// connection (HTTP/1.0) and listens with a backlog of 5, opening them all at once overflows the
// accept queue; the kernel drops the extra handshakes and the client waits for its SYN retries
// (1, 3, 7 s). These tests compare two runs made by the same test, so a loaded machine slows both.
#include "llm/http_backend.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/cli_process.hpp"

namespace maspo::llm {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kServer = std::string(MASPO_SOURCE_DIR) + "/tests/support/plain_openai_server.py";

struct PlainServer : testing::ServerProcess {
  PlainServer(int backlog, const std::string& http, int latency_ms)
      : ServerProcess({"/usr/bin/python3", kServer, "--backlog", std::to_string(backlog), "--http", http, "--latency-ms",
                       std::to_string(latency_ms)}) {}
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/v1"; }
};

// GET /stats of the plain server: {"connections": N, "requests": M}.
json server_stats(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return nullptr;
  }
  const std::string get = "GET /stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  [[maybe_unused]] auto sent = ::write(fd, get.data(), get.size());
  std::string response;
  char buf[1024];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? json(nullptr) : json::parse(response.substr(body + 4), nullptr, false);
}

RoleConfig config_for(const std::string& url, int max_concurrency) {
  RoleConfig c;
  c.backend = "openai";
  c.model = "plain";
  c.endpoints.push_back({url});
  c.max_concurrency = max_concurrency;
  c.timeout_s = 60.0;
  c.retry.max_attempts = 6;
  return c;
}

// Sends `waves` waves of `per_wave` requests, each wave after the last one's replies (as the
// method's steps do). Returns the seconds it took; counts the failed requests.
double run_waves(HttpBackend& backend, int waves, int per_wave, int& failed) {
  const auto start = Clock::now();
  for (int w = 0; w < waves; ++w) {
    std::mutex mu;
    std::condition_variable cv;
    int left = per_wave;
    for (int i = 0; i < per_wave; ++i) {
      Request r;
      r.messages = {{"user", "wave " + std::to_string(w) + " item " + std::to_string(i)}};
      r.max_tokens = 8;
      backend.submit(std::move(r), [&](Reply, std::exception_ptr error) {
        std::lock_guard lock(mu);
        if (error) ++failed;
        if (--left == 0) cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return left == 0; });
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double timed_waves(int backlog, int waves, int per_wave, int max_concurrency, int& failed) {
  PlainServer server(backlog, "1.0", 100);
  if (server.port() <= 0) return -1;
  HttpBackend backend("agents", config_for(server.base_url(), max_concurrency));
  return run_waves(backend, waves, per_wave, failed);
}

// 100 ms per call (a fast model). Before connections were ramped up and their tries kept short,
// one backlog-5 run of these waves (with 20 ms per call) had not finished after 300 s.
TEST(Connections, BurstsAgainstABacklogOfFiveCostAtMostTwiceABacklogOf1024) {
  constexpr int kWaves = 12, kPerWave = 64, kSlots = 64;
  int failed_wide = 0, failed_narrow = 0;
  double wide = 0, narrow = 0;
  // Alternated, twice each, so a load that comes and goes weighs on both alike.
  for (int round = 0; round < 2; ++round) {
    const double w = timed_waves(1024, kWaves, kPerWave, kSlots, failed_wide);
    const double n = timed_waves(5, kWaves, kPerWave, kSlots, failed_narrow);
    ASSERT_GT(w, 0) << "the plain server did not start";
    ASSERT_GT(n, 0) << "the plain server did not start";
    wide += w;
    narrow += n;
  }
  EXPECT_EQ(failed_wide, 0);
  EXPECT_EQ(failed_narrow, 0);
  std::cout << "[ waves    ] backlog 1024: " << wide << " s, backlog 5: " << narrow << " s (" << narrow / wide
            << "x)\n";
  EXPECT_LT(narrow, 2.0 * wide) << "backlog 1024: " << wide << " s, backlog 5: " << narrow << " s";
}

TEST(Connections, AKeepAliveServerSeesAtMostOneConnectionPerSlot) {
  constexpr int kSlots = 16;
  PlainServer server(128, "1.1", 0);
  ASSERT_GT(server.port(), 0) << "the plain server did not start";
  int failed = 0;
  {
    HttpBackend backend("agents", config_for(server.base_url(), kSlots));
    // 1,000 requests: one flood, then waves that start from idle connections.
    run_waves(backend, 1, 500, failed);
    run_waves(backend, 10, 50, failed);
  }
  EXPECT_EQ(failed, 0);
  const json stats = server_stats(server.port());
  ASSERT_TRUE(stats.is_object()) << stats;
  EXPECT_EQ(stats.at("requests"), 1000);
  // The stats request itself is one more accepted socket.
  EXPECT_LE(stats.at("connections").get<int>() - 1, kSlots) << stats;
}

}  // namespace
}  // namespace maspo::llm
