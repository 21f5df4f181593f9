// Runs the real `maspo` binary as a child process and checks its stdout, stderr and exit code.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "maspo/version.hpp"
#include "support/cli_process.hpp"
#include "support/subprocess.hpp"

namespace {

using maspo::testing::EnvChanges;
using maspo::testing::slurp;
using maspo::testing::spawn;
using maspo::testing::wait_exit;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;


using maspo::testing::Result;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A port on 127.0.0.1 that refuses connections: bound, so nobody else takes it, but not listening.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~ClosedPort() {
    if (fd_ >= 0) close(fd_);
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("maspo-cli-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

  // Every run gets its own cache dir and no inherited $MASPO_CONFIG unless a test sets them.
  Result maspo(const std::vector<std::string>& args, EnvChanges env = {}) {
    return maspo::testing::run_maspo(dir_, args, std::move(env));
  }

  // A scripted config: agents and judge answer from rules files, the optimizer is left out.
  fs::path scripted_config(const std::string& cache_mode = "read_write") {
    write("agents-rules.yaml", R"(rules:
  - match: "capital of France"
    reply: "Paris is the capital."
  - match: "(?s).*"
    reply: "agents heard: {last_user} [{system}]"
)");
    write("judge-rules.yaml", "rules:\n  - match: \"(?s).*\"\n    reply: \"judge says: {last_user}\"\n");
    return write("scripted.yaml", R"(models:
  agents:
    backend: scripted
    rules: agents-rules.yaml
    price: {prompt: 1000000, completion: 2000000}
  judge:
    backend: scripted
    rules: judge-rules.yaml
cache:
  mode: )" + cache_mode + "\n");
  }

  fs::path dir_;
};

TEST_F(CliTest, VersionPrintsTheProjectVersion) {
  Result r = maspo({"--version"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, std::string("maspo ") + MASPO_VERSION + "\n") << r;
}

TEST_F(CliTest, HelpListsAskAndTheGlobalFlags) {
  Result r = maspo({"--help"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_TRUE(contains(r.out, "ask")) << r;
  EXPECT_TRUE(contains(r.out, "--config")) << r;
  EXPECT_TRUE(contains(r.out, "--log-level")) << r;
  EXPECT_TRUE(contains(r.out, "--version")) << r;
}

TEST_F(CliTest, NoSubcommandIsBadInput) {
  Result r = maspo({});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_FALSE(r.err.empty()) << r;
}

TEST_F(CliTest, AskAnswersWithTheRulesReplyAndPrintsUsage) {
  auto config = scripted_config();
  Result r = maspo({"--config", config.string(), "ask", "What is the capital of France?", "--system", "Be brief."});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "Paris is the capital.\n") << r;
  // Scripted token counts are words: 2 (system) + 6 (user) prompt, 4 completion; the price is
  // $1 per prompt token and $2 per completion token, so 8 + 8 dollars.
  EXPECT_TRUE(contains(r.err, "usage: role=agents")) << r;
  EXPECT_TRUE(contains(r.err, "prompt_tokens=8 completion_tokens=4")) << r;
  EXPECT_TRUE(contains(r.err, "cached=no")) << r;
  EXPECT_TRUE(contains(r.err, "dollars=16.000000")) << r;
  EXPECT_TRUE(contains(r.err, "latency_s=")) << r;
}

TEST_F(CliTest, AskSendsTheSystemMessageAndTheRoleChoosesTheModel) {
  auto config = scripted_config("off");
  Result agents = maspo({"ask", "ping", "--system", "S1", "--config", config.string()});
  ASSERT_EQ(agents.code, 0) << agents;
  EXPECT_EQ(agents.out, "agents heard: ping [S1]\n") << agents;

  // The optimizer role is left out of the file, so it is the embedded model; ask must not need it.
  Result judge = maspo({"--config", config.string(), "ask", "--role", "judge", "hello there"});
  ASSERT_EQ(judge.code, 0) << judge;
  EXPECT_EQ(judge.out, "judge says: hello there\n") << judge;
  EXPECT_TRUE(contains(judge.err, "role=judge")) << judge;
}

TEST_F(CliTest, AskJsonPrintsOneObjectAndNoUsageLine) {
  auto config = scripted_config("off");
  Result r = maspo({"--config", config.string(), "ask", "What is the capital of France?", "--json"});
  ASSERT_EQ(r.code, 0) << r;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("text"), "Paris is the capital.");
  EXPECT_EQ(j.at("role"), "agents");
  EXPECT_EQ(j.at("usage").at("prompt_tokens"), 6);
  EXPECT_EQ(j.at("usage").at("completion_tokens"), 4);
  EXPECT_EQ(j.at("cached"), false);
  EXPECT_DOUBLE_EQ(j.at("dollars").get<double>(), 14.0);
  EXPECT_EQ(j.at("finish_reason"), "stop");
  EXPECT_FALSE(contains(r.err, "usage:")) << r;
}

TEST_F(CliTest, SecondIdenticalAskComesFromTheCacheAndCostsNothing) {
  auto config = scripted_config("read_write");
  std::vector<std::string> args = {"--config", config.string(), "ask", "What is the capital of France?"};
  Result first = maspo(args);
  ASSERT_EQ(first.code, 0) << first;
  EXPECT_TRUE(contains(first.err, "cached=no")) << first;
  Result second = maspo(args);
  ASSERT_EQ(second.code, 0) << second;
  EXPECT_EQ(second.out, first.out);
  EXPECT_TRUE(contains(second.err, "cached=yes")) << second;
  EXPECT_TRUE(contains(second.err, "dollars=0.000000")) << second;

  // --cache off bypasses it.
  args.push_back("--cache");
  args.push_back("off");
  Result third = maspo(args);
  EXPECT_TRUE(contains(third.err, "cached=no")) << third;
}

TEST_F(CliTest, MaspoConfigIsReadWhenNoFlagIsGiven) {
  auto config = scripted_config("off");
  Result r = maspo({"ask", "What is the capital of France?"}, {{"MASPO_CONFIG", config.string()}});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "Paris is the capital.\n") << r;
}

TEST_F(CliTest, LogLevelDebugLogsToStderrOnly) {
  auto config = scripted_config("off");
  Result r = maspo({"--log-level", "debug", "--config", config.string(), "ask", "ping"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_TRUE(contains(r.err, "[debug] config: " + config.string())) << r;
  EXPECT_EQ(r.out, "agents heard: ping []\n") << r;
}

TEST_F(CliTest, BadConfigExitsTwoNamingFileLineAndKey) {
  auto config = write("bad.yaml", "models:\n  agents:\n    backend: openai\n    base_url: http://127.0.0.1:9/v1\n"
                                  "    model: m\n    max_concurrency: many\n");
  Result r = maspo({"--config", config.string(), "ask", "hi"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, config.string() + ":6:")) << r;
  EXPECT_TRUE(contains(r.err, "models.agents.max_concurrency")) << r;
  EXPECT_TRUE(r.out.empty()) << r;
}

TEST_F(CliTest, InvalidYamlExitsTwoNamingFileAndLine) {
  auto config = write("broken.yaml", "models:\n  agents: {backend: llama\n");
  Result r = maspo({"--config", config.string(), "ask", "hi"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, config.string() + ":")) << r;
  EXPECT_TRUE(contains(r.err, "invalid YAML")) << r;
}

TEST_F(CliTest, LiteralKeyInConfigExitsTwoWithoutShowingIt) {
  const std::string secret = "sk-test-9f8e7d6c5b4a39281706";
  auto config = write("leak.yaml", "models:\n  agents:\n    backend: openai\n    base_url: http://127.0.0.1:9/v1\n"
                                   "    model: m\n    api_key_env: " + secret + "\n");
  Result r = maspo({"--config", config.string(), "ask", "hi"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, "environment variable")) << r;
  EXPECT_FALSE(contains(r.err + r.out, secret)) << r;
}

TEST_F(CliTest, MissingConfigFileExitsTwoNamingIt) {
  auto missing = (dir_ / "no-such-config.yaml").string();
  Result r = maspo({"--config", missing, "ask", "hi"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, missing)) << r;
}

TEST_F(CliTest, BadFlagsExitTwo) {
  auto config = scripted_config("off");
  for (std::vector<std::string> args : {
           std::vector<std::string>{"ask", "hi", "--no-such-flag"},
           std::vector<std::string>{"--config", config.string(), "ask", "hi", "--role", "planner"},
           std::vector<std::string>{"--config", config.string(), "ask", "hi", "--temperature", "-1"},
           std::vector<std::string>{"--config", config.string(), "ask", "hi", "--max-tokens", "0"},
           std::vector<std::string>{"--config", config.string(), "ask", "hi", "--cache", "sometimes"},
           std::vector<std::string>{"--log-level", "loud", "--config", config.string(), "ask", "hi"},
           std::vector<std::string>{"ask"},
       }) {
    Result r = maspo(args);
    EXPECT_EQ(r.code, 2) << args.back() << "\n" << r;
    EXPECT_FALSE(r.err.empty()) << r;
    EXPECT_TRUE(r.out.empty()) << r;
  }
}

std::string openai_config(int port, const std::string& more = "") {
  return "models:\n  agents:\n    backend: openai\n    base_url: http://127.0.0.1:" + std::to_string(port) +
         "/v1\n    model: fake-model\n    connect_timeout_s: 2\n    timeout_s: 5\n" + more;
}

TEST_F(CliTest, UnreachableEndpointExitsOne) {
  ClosedPort closed;
  ASSERT_GT(closed.port(), 0);
  auto config = write("closed.yaml", openai_config(closed.port(), "    retry: {max_attempts: 1}\n"));
  auto started = Clock::now();
  Result r = maspo({"--config", config.string(), "ask", "hi"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_FALSE(r.err.empty()) << r;
  EXPECT_TRUE(r.out.empty()) << r;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10)) << "one attempt should fail fast";
}

TEST_F(CliTest, UnsetApiKeyVariableIsAConfigErrorExitTwo) {
  ClosedPort closed;
  auto config = write("nokey.yaml", openai_config(closed.port(), "    api_key_env: MASPO_TEST_UNSET_KEY\n"));
  Result r = maspo({"--config", config.string(), "ask", "hi"}, {{"MASPO_TEST_UNSET_KEY", std::nullopt}});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, "MASPO_TEST_UNSET_KEY")) << r;
}

#ifdef FAKE_SERVER_BIN

// The standalone fake OpenAI server as a child process; stopped with SIGTERM when done.
using FakeServer = maspo::testing::FakeServerProcess;

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

TEST_F(CliTest, AskOverHttpKeepsTheKeyOutOfOutputAndCache) {
  FakeServer server({});
  ASSERT_GT(server.port(), 0) << "the fake server did not report its port";
  const std::string secret = "sk-e2e-7c1d2e3f4a5b6c7d8e9f";
  auto config = write("http.yaml", openai_config(server.port(), "    api_key_env: MASPO_E2E_KEY\n"
                                                                 "    retry: {max_attempts: 1}\n"));
  auto cache = dir_ / "http-cache";
  EnvChanges env = {{"MASPO_E2E_KEY", secret}, {"MASPO_CACHE_DIR", cache.string()}};

  Result first = maspo({"--log-level", "trace", "--config", config.string(), "ask", "hello over http"}, env);
  ASSERT_EQ(first.code, 0) << first;
  EXPECT_EQ(first.out, "echo: hello over http\n") << first;
  EXPECT_TRUE(contains(first.err, "usage: role=agents")) << first;
  EXPECT_TRUE(contains(first.err, "cached=no")) << first;

  Result second = maspo({"--config", config.string(), "ask", "hello over http", "--json"}, env);
  ASSERT_EQ(second.code, 0) << second;
  EXPECT_EQ(nlohmann::json::parse(second.out).at("cached"), true) << second;

  auto files = files_under(cache);
  ASSERT_FALSE(files.empty()) << "nothing was cached, so the check below would prove nothing";
  for (const auto& f : files) EXPECT_FALSE(contains(slurp(f), secret)) << "the key is in " << f;
  for (const Result* r : {&first, &second}) EXPECT_FALSE(contains(r->out + r->err, secret)) << *r;
}

TEST_F(CliTest, RetryPolicyFromTheConfigIsHonoured) {
  {
    FakeServer server({"--fault", "status_503:1"});
    ASSERT_GT(server.port(), 0);
    auto config = write("retry2.yaml", openai_config(server.port(), "    retry: {max_attempts: 2, base_delay_s: 0}\n"));
    Result r = maspo({"--config", config.string(), "ask", "again", "--json", "--cache", "off"});
    ASSERT_EQ(r.code, 0) << r;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("attempts"), 2) << r;
    EXPECT_EQ(j.at("text"), "echo: again") << r;
  }
  {
    FakeServer server({"--fault", "status_503:1"});
    ASSERT_GT(server.port(), 0);
    auto config = write("retry1.yaml", openai_config(server.port(), "    retry: {max_attempts: 1}\n"));
    Result r = maspo({"--config", config.string(), "ask", "again", "--cache", "off"});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_TRUE(contains(r.err, "503")) << r;
  }
}

#endif  // FAKE_SERVER_BIN

}  // namespace
