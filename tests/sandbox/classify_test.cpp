// How a finished child becomes a Status, and how output is capped: the pure parts.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "sandbox/capture.hpp"
#include "sandbox/runners.hpp"

namespace maspo::sandbox::detail {
namespace {

TEST(SandboxClassify, AssertionErrorMustBeTheLastLine) {
  EXPECT_TRUE(ends_with_assertion_error("Traceback...\n  assert x\nAssertionError\n"));
  EXPECT_TRUE(ends_with_assertion_error("Traceback...\nAssertionError: f(1) != 2\n\n"));
  EXPECT_FALSE(ends_with_assertion_error("AssertionError\nTraceback...\nValueError: x\n"));
  EXPECT_FALSE(ends_with_assertion_error("AssertionErrorish: no\n"));
  EXPECT_FALSE(ends_with_assertion_error(""));
}

ChildOutcome outcome(int exit_code, int signal, std::string stderr_text = "", double cpu_s = 0,
                     double wall_s = 0.1) {
  ChildOutcome o(1024);
  o.exit_code = exit_code;
  o.signal = signal;
  o.cpu_s = cpu_s;
  o.wall_s = wall_s;
  o.err.append(stderr_text);
  return o;
}

TEST(SandboxClassify, StatusFromExitSignalAndTime) {
  Limits limits;
  limits.cpu_s = 2.5;  // rounded up to 3 whole seconds
  EXPECT_EQ(classify(outcome(0, 0), limits), Status::pass);
  EXPECT_EQ(classify(outcome(1, 0, "AssertionError\n"), limits), Status::fail);
  EXPECT_EQ(classify(outcome(1, 0, "ZeroDivisionError: division by zero\n"), limits), Status::error);
  EXPECT_EQ(classify(outcome(-1, SIGXCPU), limits), Status::timeout);
  // SIGKILL is a timeout only once the CPU limit was reached (a caught SIGXCPU, then the hard
  // limit); otherwise something else killed it (the OOM killer, say). Through bwrap only the
  // wall time is known, and CPU time cannot outrun it in one thread.
  EXPECT_EQ(classify(outcome(-1, SIGKILL, "", 3.0), limits), Status::timeout);
  EXPECT_EQ(classify(outcome(-1, SIGKILL, "", 0.0, 4.1), limits), Status::timeout);
  EXPECT_EQ(classify(outcome(-1, SIGKILL, "", 0.4, 0.5), limits), Status::error);
  EXPECT_EQ(classify(outcome(-1, SIGSEGV, "AssertionError\n"), limits), Status::error);
  auto timed_out = outcome(-1, SIGKILL, "AssertionError\n");
  timed_out.timed_out = true;
  EXPECT_EQ(classify(timed_out, limits), Status::timeout);
}

TEST(SandboxClassify, SpawnFailureIsAnErrorCarryingTheReason) {
  auto o = outcome(-1, 0);
  o.spawn_error = "cannot run /x: exec failed: No such file or directory";
  const auto r = make_result(std::move(o), Limits{}, true);
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.stderr_text, "cannot run /x: exec failed: No such file or directory");
}

TEST(SandboxCapture, KeepsTheHeadUpToTheCapAndTheTailAlways) {
  OutputCapture capture(10);
  capture.append("0123456");
  EXPECT_FALSE(capture.truncated());
  capture.append("789abc");
  EXPECT_TRUE(capture.truncated());
  EXPECT_EQ(capture.head(), "0123456789");
  capture.append(std::string(3 * OutputCapture::kTailBytes, 'y') + "END");
  EXPECT_EQ(capture.head(), "0123456789");
  EXPECT_EQ(capture.tail().size(), OutputCapture::kTailBytes);
  EXPECT_EQ(capture.tail().substr(capture.tail().size() - 4), "yEND");
}

TEST(SandboxCapture, ZeroCapKeepsNothingButStillSeesTheEnd) {
  OutputCapture capture(0);
  capture.append("AssertionError\n");
  EXPECT_EQ(capture.head(), "");
  EXPECT_TRUE(capture.truncated());
  EXPECT_EQ(capture.tail(), "AssertionError\n");
}

}  // namespace
}  // namespace maspo::sandbox::detail
