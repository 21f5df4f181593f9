// Many runs at once from many threads, each getting its own result.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "maspo/sandbox.hpp"
#include "sandbox/sandbox_fixture.hpp"

namespace maspo::sandbox {
namespace {

TEST(SandboxConcurrency, SixteenThreadsRunAtOnceAndEachGetsItsOwnResult) {
  const Sandbox box(testing::quick_options(/*wall_s=*/30, /*cpu_s=*/10));
  constexpr int kThreads = 16;
  std::vector<Result> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&box, &results, i] {
      // Odd ones fail their assert, so a result handed to the wrong thread shows.
      const std::string program = "import os\nn = " + std::to_string(i) +
                                  "\nprint(n * n, len(os.listdir('/work')))\nassert n % 2 == 0, n\n";
      results[static_cast<std::size_t>(i)] = box.run_python(program);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.status, i % 2 == 0 ? Status::pass : Status::fail) << i << ": " << r.stderr_text;
    // Each box has its own /work holding its own main.py only.
    EXPECT_EQ(r.stdout_text, std::to_string(i * i) + " 1\n") << i;
    if (i % 2 == 1) {
      EXPECT_NE(r.stderr_text.find("AssertionError: " + std::to_string(i)), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace maspo::sandbox
