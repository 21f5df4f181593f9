// Sandbox::run_python on ordinary programs: statuses, output, limits, timeouts.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "maspo/sandbox.hpp"
#include "sandbox/sandbox_fixture.hpp"

namespace maspo::sandbox {
namespace {

using testing::quick_options;

TEST(SandboxRun, ProgramThatSucceedsPassesAndItsOutputIsCaptured) {
  const Sandbox box(quick_options());
  ASSERT_TRUE(box.sandboxed()) << box.unavailable_reason();
  const auto r = box.run_python("def add(a, b):\n    return a + b\nassert add(2, 3) == 5\n"
                                "print('hello')\nimport sys\nprint('warn', file=sys.stderr)\n");
  EXPECT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.stdout_text, "hello\n");
  EXPECT_EQ(r.stderr_text, "warn\n");
  EXPECT_FALSE(r.output_truncated);
  EXPECT_TRUE(r.sandboxed);
  EXPECT_GT(r.wall_s, 0.0);
}

TEST(SandboxRun, FailedAssertIsFailAndTheTracebackQuotesTheSource) {
  const Sandbox box(quick_options());
  const auto r = box.run_python("def inc(x):\n    return x + 1\nassert inc(1) == 3, 'inc(1) should be 3'\n");
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_text.find("AssertionError: inc(1) should be 3"), std::string::npos) << r.stderr_text;
  // The program is a real file in the box, so the traceback names it and quotes the line.
  EXPECT_NE(r.stderr_text.find("File \"/work/main.py\", line 3"), std::string::npos) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("assert inc(1) == 3"), std::string::npos) << r.stderr_text;
}

TEST(SandboxRun, BareAssertIsFail) {
  const Sandbox box(quick_options());
  EXPECT_EQ(box.run_python("assert 1 == 2\n").status, Status::fail);
}

TEST(SandboxRun, SyntaxErrorIsError) {
  const Sandbox box(quick_options());
  const auto r = box.run_python("def f(:\n    return 1\n");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_NE(r.stderr_text.find("SyntaxError"), std::string::npos) << r.stderr_text;
}

TEST(SandboxRun, ExceptionsAndNonZeroExitsAreErrors) {
  const Sandbox box(quick_options());
  const auto raised = box.run_python("raise ValueError('bad value')\n");
  EXPECT_EQ(raised.status, Status::error);
  EXPECT_NE(raised.stderr_text.find("ValueError: bad value"), std::string::npos);

  const auto exited = box.run_python("import sys\nsys.exit(3)\n");
  EXPECT_EQ(exited.status, Status::error);
  EXPECT_EQ(exited.exit_code, 3);

  // "AssertionError" somewhere in stderr is not enough: the exception that ended it counts.
  const auto other = box.run_python(
      "import sys\nprint('AssertionError', file=sys.stderr)\nraise KeyError('k')\n");
  EXPECT_EQ(other.status, Status::error) << other.stderr_text;

  // An AssertionError raised and caught inside, then a different failure.
  const auto chained = box.run_python(
      "try:\n    assert False\nexcept AssertionError:\n    raise RuntimeError('after')\n");
  EXPECT_EQ(chained.status, Status::error) << chained.stderr_text;
}

TEST(SandboxRun, RunsAsScriptInPrivateWorkDirAsNobodyWithCleanEnvironment) {
  const Sandbox box(quick_options());
  const auto r = box.run_python(R"(import os, sys
print(os.getuid(), os.getgid())
print(os.getcwd(), os.path.expanduser('~'), __name__, sys.argv[0])
print(sorted(os.listdir('/work')))
print(sorted(k for k in os.environ if k not in ('PWD', 'LC_CTYPE')))
)");
  ASSERT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_EQ(r.stdout_text,
            "65534 65534\n"
            "/work /work __main__ /work/main.py\n"
            "['main.py']\n"
            "['HOME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED']\n");
}

TEST(SandboxRun, StandardLibraryAndMultiprocessingWork) {
  const Sandbox box(quick_options());
  const auto r = box.run_python(R"(import collections, dataclasses, decimal, fractions, functools
import heapq, itertools, json, math, random, re, string, typing, tempfile
from multiprocessing import Pool
with tempfile.TemporaryDirectory() as d:
    open(d + '/f', 'w').write('x')
with Pool(2) as pool:
    assert pool.map(abs, [-1, -2, 3]) == [1, 2, 3]
print(json.dumps({'ok': math.gcd(12, 18)}))
)");
  EXPECT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "{\"ok\": 6}\n");
}

TEST(SandboxRun, InfiniteLoopTimesOutAtTheWallClockLimit) {
  const Sandbox box(quick_options(/*wall_s=*/1.5, /*cpu_s=*/30));
  const auto r = box.run_python("while True:\n    pass\n");
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_GE(r.wall_s, 1.5);
  EXPECT_LT(r.wall_s, 15.0);  // the CPU limit (30 s) did not end it
}

TEST(SandboxRun, SleepingProgramTimesOutToo) {
  const Sandbox box(quick_options(/*wall_s=*/1.0));
  const auto r = box.run_python("import time\nprint('start', flush=True)\ntime.sleep(60)\n");
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_EQ(r.stdout_text, "start\n");  // what it printed before the kill is kept
  EXPECT_LT(r.wall_s, 20.0);  // it would sleep 60 s
}

TEST(SandboxRun, ProgramThatClosesItsOutputStillTimesOut) {
  const Sandbox box(quick_options(/*wall_s=*/1.0, /*cpu_s=*/30));
  const auto r = box.run_python("import os\nos.close(1)\nos.close(2)\nwhile True:\n    pass\n");
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_LT(r.wall_s, 15.0);  // the wall limit ended it, not the CPU limit
}

TEST(SandboxRun, CpuLimitEndsABusyLoopBeforeTheWallClock) {
  const Sandbox box(quick_options(/*wall_s=*/20, /*cpu_s=*/1));
  const auto r = box.run_python("while True:\n    pass\n");
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_EQ(r.signal, SIGXCPU);
  EXPECT_LT(r.wall_s, 15.0);  // CPU seconds (slower on a loaded machine), not the 20 s wall limit
}

TEST(SandboxRun, IgnoringSigxcpuOnlyBuysOneMoreSecond) {
  const Sandbox box(quick_options(/*wall_s=*/20, /*cpu_s=*/1));
  const auto r = box.run_python(
      "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n");
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.wall_s, 16.0);
}

TEST(SandboxRun, BackgroundChildDoesNotKeepTheRunGoing) {
  const Sandbox box(quick_options(/*wall_s=*/10));
  const auto r = box.run_python(
      "import os, time\nif os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\nprint('done')\n");
  EXPECT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "done\n");
  EXPECT_LT(r.wall_s, 15.0);  // the sleeper (30 s) dies with the box's pid namespace
}

TEST(SandboxRun, HugeOutputIsTruncatedAndReturnsQuickly) {
  Options options = quick_options(/*wall_s=*/20);
  options.limits.output_bytes = 1000;
  const Sandbox box(options);
  const auto r = box.run_python("import sys\nsys.stdout.write('x' * (100 << 20))\nprint('end')\n");
  EXPECT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_TRUE(r.output_truncated);
  EXPECT_EQ(r.stdout_text, std::string(1000, 'x'));
  EXPECT_LT(r.wall_s, 10.0);
}

TEST(SandboxRun, FailedAssertAfterMegabytesOfStderrIsStillFail) {
  Options options = quick_options(/*wall_s=*/20);
  options.limits.output_bytes = 100;
  const Sandbox box(options);
  const auto r = box.run_python(
      "import sys\nfor i in range(100000):\n    print('debug line', i, file=sys.stderr)\n"
      "assert 2 + 2 == 5\n");
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_TRUE(r.output_truncated);
  EXPECT_EQ(r.stderr_text.size(), 100U);
}

TEST(SandboxRun, WritingPastTheFileSizeLimitFails) {
  Options options = quick_options();
  options.limits.file_bytes = 1 << 20;
  const Sandbox box(options);
  const auto r = box.run_python(
      "with open('/work/big', 'wb') as f:\n    f.write(b'x' * (4 << 20))\n");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_TRUE(r.stderr_text.find("File too large") != std::string::npos ||
              r.stderr_text.find("No space left") != std::string::npos)
      << r.stderr_text;
}

TEST(SandboxRun, ProcessLimitIsEnforcedInsideTheBox) {
  Options options = quick_options();
  options.limits.processes = 8;
  const Sandbox box(options);
  const auto r = box.run_python(R"(import os, time
forked = 0
try:
    for _ in range(50):
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
        forked += 1
except OSError as e:
    print('fork refused:', e.errno)
print('forked', forked)
)");
  EXPECT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("fork refused: 11"), std::string::npos) << r.stdout_text;  // EAGAIN
  const auto at = r.stdout_text.find("forked ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(std::stoi(r.stdout_text.substr(at + 7)), 8);
}

TEST(SandboxRun, MemoryLimitTurnsABigAllocationIntoMemoryError) {
  Options options = quick_options();
  options.limits.memory_bytes = 256LL << 20;
  const Sandbox box(options);
  const auto once = box.run_python("x = bytearray(4 << 30)\n");
  EXPECT_EQ(once.status, Status::error);
  EXPECT_NE(once.stderr_text.find("MemoryError"), std::string::npos) << once.stderr_text;

  // Touching the memory, bit by bit, ends the same way and never reaches the host.
  const auto growing = box.run_python("chunks = []\nwhile True:\n    chunks.append(b'x' * (16 << 20))\n");
  EXPECT_EQ(growing.status, Status::error);
  EXPECT_NE(growing.stderr_text.find("MemoryError"), std::string::npos) << growing.stderr_text;
}

}  // namespace
}  // namespace maspo::sandbox
