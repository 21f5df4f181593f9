// When the box cannot be made: Unavailable with a reason, or the explicit opt-out.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "maspo/sandbox.hpp"
#include "sandbox/sandbox_fixture.hpp"
#include "support/temp_dir.hpp"

namespace maspo::sandbox {
namespace {

using testing::quick_options;
using testing::unsandboxed_options;

std::string unavailable_message(const Options& options) {
  try {
    Sandbox box(options);
  } catch (const Unavailable& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(SandboxUnavailable, MissingBwrapIsNamedWithTheWayOut) {
  Options options = quick_options();
  options.bwrap = "/nonexistent/bwrap";
  const auto message = unavailable_message(options);
  EXPECT_NE(message.find("/nonexistent/bwrap"), std::string::npos) << message;
  EXPECT_NE(message.find("bubblewrap"), std::string::npos) << message;
  EXPECT_NE(message.find("allow_unsandboxed"), std::string::npos) << message;
}

TEST(SandboxUnavailable, MissingPythonIsNamedEvenWithTheOptOut) {
  Options options = unsandboxed_options();
  options.python = "/nonexistent/python3";
  const auto message = unavailable_message(options);
  EXPECT_NE(message.find("/nonexistent/python3"), std::string::npos) << message;
}

TEST(SandboxUnavailable, BwrapThatCannotCreateNamespacesGivesItsOwnWords) {
  const maspo::testing::TempDir dir;
  const auto fake = dir.write("bwrap",
                              "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\n"
                              "exit 1\n");
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  std::filesystem::permissions(fake, std::filesystem::perms::all);
  Options options = quick_options();
  options.bwrap = fake;
  const auto message = unavailable_message(options);
  EXPECT_NE(message.find("No permissions to create new namespace"), std::string::npos) << message;
  EXPECT_NE(message.find(fake), std::string::npos) << message;
  EXPECT_NE(message.find("user namespaces"), std::string::npos) << message;
}

TEST(SandboxUnavailable, OptOutRunsOnTheHostAndSaysSo) {
  ::setenv("OPENAI_API_KEY", "sk-test-secret-optout", 1);
  const Sandbox box(unsandboxed_options(/*wall_s=*/1.0));
  EXPECT_FALSE(box.sandboxed());
  EXPECT_NE(box.unavailable_reason().find("/nonexistent/bwrap"), std::string::npos);

  const auto r = box.run_python("import os\nprint(os.environ.get('OPENAI_API_KEY'))\nassert 1 + 1 == 2\n");
  ::unsetenv("OPENAI_API_KEY");
  EXPECT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_FALSE(r.sandboxed);
  EXPECT_EQ(r.stdout_text, "None\n");  // its environment is still clean

  EXPECT_EQ(box.run_python("assert False\n").status, Status::fail);
  const auto loop = box.run_python("while True:\n    pass\n");
  EXPECT_EQ(loop.status, Status::timeout);  // the timeout still holds
  EXPECT_LT(loop.wall_s, 4.5);  // the 1 s wall limit, not the 5 s CPU limit, ended it
}

TEST(SandboxUnavailable, OptOutIsNotTakenWhenTheBoxWorks) {
  Options options = quick_options();
  options.allow_unsandboxed = true;
  const Sandbox box(options);
  EXPECT_TRUE(box.sandboxed());
  EXPECT_EQ(box.unavailable_reason(), "");
  EXPECT_TRUE(box.run_python("pass\n").sandboxed);
}

}  // namespace
}  // namespace maspo::sandbox
