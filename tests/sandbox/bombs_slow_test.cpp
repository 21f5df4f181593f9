// Fork bombs: contained by RLIMIT_NPROC inside the box and ended by the wall clock, with no
// process left behind on the host.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "maspo/sandbox.hpp"
#include "sandbox/sandbox_fixture.hpp"

namespace maspo::sandbox {
namespace {

// Host processes whose name (comm) is `name`.
int processes_named(const std::string& name) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream comm(entry.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++count;
  }
  return count;
}

int wait_until_none_named(const std::string& name) {
  for (int i = 0; i < 100; ++i) {
    const int left = processes_named(name);
    if (left == 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return processes_named(name);
}

// Renames itself (children inherit the name) so the host can look for survivors.
constexpr const char* kBomb = R"(import ctypes, os
ctypes.CDLL(None).prctl(15, b'@NAME@', 0, 0, 0)
while True:
    try:
        os.fork()
    except OSError:
        pass
)";

TEST(SandboxBombs, ForkBombIsContainedAndLeavesNothingBehind) {
  const std::string name = "mbomb" + std::to_string(::getpid() % 100000);
  const Sandbox box(testing::quick_options(/*wall_s=*/3, /*cpu_s=*/10));
  Result r;
  std::thread bomb([&] { r = box.run_python(testing::with(kBomb, "@NAME@", name)); });
  // Watch it from the host while it runs: it does fork, and never past the process limit.
  int most = 0;
  for (int i = 0; i < 40; ++i) {
    most = std::max(most, processes_named(name));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  bomb.join();
  EXPECT_EQ(r.status, Status::timeout) << r.stderr_text;  // it never ends by itself
  EXPECT_LT(r.wall_s, 3.0 + 5.0);
  EXPECT_GT(most, 1);
  EXPECT_LE(most, box.options().limits.processes);
  EXPECT_EQ(wait_until_none_named(name), 0);

  // And the host is fine: the next run works at once.
  const auto after = box.run_python("print('still here')\n");
  EXPECT_EQ(after.status, Status::pass) << after.stderr_text;
  EXPECT_EQ(after.stdout_text, "still here\n");
}

TEST(SandboxBombs, FourBombsAtOnceEachGetTheirOwnProcessBudget) {
  const std::string name = "mbomb4" + std::to_string(::getpid() % 10000);
  const Sandbox box(testing::quick_options(/*wall_s=*/3, /*cpu_s=*/10));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      EXPECT_EQ(box.run_python(testing::with(kBomb, "@NAME@", name)).status, Status::timeout);
    });
  }
  // Meanwhile an ordinary program still starts and forks: the bombs' limits are per box, not
  // per host uid.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto ordinary = box.run_python(
      "import os\nn = 0\nfor _ in range(4):\n    if os.fork() == 0:\n        os._exit(0)\n"
      "    n += 1\nprint('forked', n)\n");
  for (auto& t : threads) t.join();
  EXPECT_EQ(ordinary.status, Status::pass) << ordinary.stderr_text;
  EXPECT_EQ(ordinary.stdout_text, "forked 4\n");
  EXPECT_EQ(wait_until_none_named(name), 0);
}

}  // namespace
}  // namespace maspo::sandbox
