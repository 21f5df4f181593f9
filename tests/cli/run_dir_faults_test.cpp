// A whole `maspo optimize` run (the synthetic testbed, a TEST DOUBLE, over real HTTP to the fake
// server) whose run directory fills up or is read-only. Each time: one clear message, a non-zero
// exit, a database that passes PRAGMA integrity_check, and — once there is room or write access
// again — a resume that ends with the uninterrupted run's prompts.
//
// The full disk is a real one: a size-limited tmpfs mounted by bubblewrap (a dependency already,
// for the code sandbox) over an empty folder, in a private mount namespace; the read-only
// directory is a read-only bind mount, which binds root too (permission bits would not).
// Since the mount dies with the namespace, a script inside it copies the run directory out
// before it ends.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "store/store_test_util.hpp"
#include "support/cli_process.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

using maspo::testing::FakeServerProcess;
using maspo::testing::Result;
using maspo::testing::run_maspo;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kBwrap = "/usr/bin/bwrap";

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// The optimize arguments of every run here, writing to `out`.
std::vector<std::string> optimize_args(const fs::path& dir, const fs::path& out) {
  return {"--config", (dir / "config.yaml").string(), "optimize", (dir / "testbed.yaml").string(),
          "--data", "syn:gsm8k=" + (dir / "test.jsonl").string(), "--pool", "syn:gsm8k=" + (dir / "pool.jsonl").string(),
          "--pool-size", "12", "--batch-size", "4", "--layers", "2", "--rounds", "2", "--eval-limit", "6",
          "--out", out.string()};
}

void setup(const fs::path& dir, int port) {
  maspo::testing::write_testbed_files(dir, 12, 30);
  write(dir / "config.yaml", maspo::testing::testbed_http_config(port, 8));
}

// Runs `maspo ARGS` inside bubblewrap with `mount_flags` (e.g. a tmpfs over a folder); then
// copies `copy_from` (if it exists) to `copy_to`, outside the mount, before the namespace ends.
Result run_in_namespace(const fs::path& dir, const std::vector<std::string>& mount_flags, const std::vector<std::string>& args,
                        const fs::path& copy_from, const fs::path& copy_to) {
  write(dir / "inside.sh",
        "#!/bin/sh\n\"$@\"\nrc=$?\nif [ -d '" + copy_from.string() + "' ]; then cp -a '" + copy_from.string() + "' '" +
            copy_to.string() + "'; fi\nexit $rc\n");
  std::vector<std::string> argv = {kBwrap, "--bind", "/", "/", "--dev", "/dev"};
  argv.insert(argv.end(), mount_flags.begin(), mount_flags.end());
  argv.insert(argv.end(), {"--", "/bin/sh", (dir / "inside.sh").string(), MASPO_BIN});
  argv.insert(argv.end(), args.begin(), args.end());
  const fs::path out = dir / "ns.stdout", err = dir / "ns.stderr";
  const pid_t pid = maspo::testing::spawn_captured(
      argv, {{"MASPO_CONFIG", std::nullopt}, {"MASPO_CACHE_DIR", (dir / "cache").string()}}, out, err);
  Result r;
  if (pid < 0) return r;
  r.code = maspo::testing::wait_exit(pid, std::chrono::seconds(120));
  r.out = maspo::testing::slurp(out);
  r.err = maspo::testing::slurp(err);
  return r;
}

json prompts_of(const fs::path& run) { return json::parse(std::ifstream(run / "best_prompts.json")); }

std::string integrity(const fs::path& run) {
  return maspo::store::testing::RawDb(run / "run.sqlite", SQLITE_OPEN_READONLY).integrity();
}

// The uninterrupted run's prompts, made once per process.
const json& reference_prompts(int port) {
  static const json prompts = [port] {
    maspo::testing::TempDir tmp("maspo-rundir-ref");
    setup(tmp.path(), port);
    const Result r = run_maspo(tmp.path(), optimize_args(tmp.path(), tmp.path() / "run"), {}, std::chrono::seconds(120));
    EXPECT_EQ(r.code, 0) << r;
    return r.code == 0 ? prompts_of(tmp.path() / "run") : json();
  }();
  return prompts;
}

class RunDirFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBwrap)) GTEST_SKIP() << "bubblewrap is not installed (scripts/setup installs it)";
    ASSERT_GT(server_.port(), 0);
  }
  FakeServerProcess server_{{"--responder", "testbed"}};
};

TEST_F(RunDirFaults, DiskFullMidRunIsOneClearErrorAndResumeLosesNothing) {
  const json& reference = reference_prompts(server_.port());
  ASSERT_TRUE(reference.is_object());
  maspo::testing::TempDir tmp("maspo-diskfull");
  const fs::path d = tmp.path();
  setup(d, server_.port());
  const fs::path small = d / "small", run = small / "run", kept = d / "kept";
  fs::create_directories(small);
  // 384 KiB: room for the database, its write-ahead log and about 4 of the run's 10 steps (measured:
  // 256 KiB holds 2, 512 KiB 6, 768 KiB the whole run).
  const Result r = run_in_namespace(d, {"--size", std::to_string(384 * 1024), "--tmpfs", small.string()},
                                    optimize_args(d, run), run, kept);
  std::printf("exit %d; stderr tail: %s\n", r.code, r.err.substr(r.err.size() > 600 ? r.err.size() - 600 : 0).c_str());
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_NE(r.err.find("disk is full"), std::string::npos) << r;
  EXPECT_NE(r.err.find(run.string()), std::string::npos) << "the message names the file\n" << r;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r;
  ASSERT_TRUE(fs::exists(kept / "run.sqlite")) << "the run never started: the disk is too small for this test";
  EXPECT_FALSE(fs::exists(kept / "best_prompts.json")) << "the disk filled only after the search ended: make it smaller";
  EXPECT_EQ(integrity(kept), "ok");
  const std::int64_t steps =
      maspo::store::testing::RawDb(kept / "run.sqlite", SQLITE_OPEN_READONLY).count("SELECT count(*) FROM checkpoints");
  std::printf("%lld steps committed before the disk filled\n", static_cast<long long>(steps));
  EXPECT_GE(steps, 1) << "the disk filled before the first step: make it larger";

  // Room again (the run directory moved to a roomy disk): resume ends like the uninterrupted run.
  const Result resumed = run_maspo(d, {"resume", kept.string()}, {}, std::chrono::seconds(120));
  ASSERT_EQ(resumed.code, 0) << resumed;
  EXPECT_EQ(prompts_of(kept), reference);
  EXPECT_EQ(integrity(kept), "ok");
}

TEST_F(RunDirFaults, ReadOnlyRunDirectoryIsRefusedAndLeftUntouched) {
  const json& reference = reference_prompts(server_.port());
  ASSERT_TRUE(reference.is_object());
  maspo::testing::TempDir tmp("maspo-readonly");
  const fs::path d = tmp.path();
  setup(d, server_.port());

  // A new run under a read-only folder.
  const fs::path ro = d / "ro";
  fs::create_directories(ro);
  const Result fresh = run_in_namespace(d, {"--ro-bind", ro.string(), ro.string()}, optimize_args(d, ro / "run"),
                                        d / "none", d / "none2");
  EXPECT_EQ(fresh.code, 2) << fresh;
  EXPECT_NE(fresh.err.find((ro / "run").string()), std::string::npos) << fresh;
  EXPECT_NE(fresh.err.find("ead-only"), std::string::npos) << fresh;
  EXPECT_TRUE(fs::is_empty(ro));

  // An unfinished run (stopped by a call budget), then resumed in a read-only mount.
  const fs::path run = d / "run";
  std::vector<std::string> args = optimize_args(d, run);
  args.insert(args.end(), {"--budget", "judge:calls=40"});
  const Result stopped = run_maspo(d, args, {}, std::chrono::seconds(120));
  ASSERT_NE(stopped.code, 0) << stopped;
  ASSERT_TRUE(fs::exists(run / "run.sqlite")) << stopped;
  ASSERT_FALSE(fs::exists(run / "best_prompts.json")) << "the budget did not stop the search: lower it";
  const std::string before = maspo::testing::slurp(run / "run.sqlite");

  const Result refused =
      run_in_namespace(d, {"--ro-bind", run.string(), run.string()}, {"resume", run.string()}, d / "none", d / "none2");
  EXPECT_EQ(refused.code, 2) << refused;
  EXPECT_NE(refused.err.find((run / "run.sqlite").string()), std::string::npos) << refused;
  EXPECT_NE(refused.err.find("write access"), std::string::npos) << refused;
  EXPECT_EQ(maspo::testing::slurp(run / "run.sqlite"), before) << "a refused resume changed the database";
  EXPECT_EQ(integrity(run), "ok");

  // Write access back: resume finishes the run like the uninterrupted one.
  const Result resumed =
      run_maspo(d, {"resume", run.string(), "--budget", "judge:calls=1000000"}, {}, std::chrono::seconds(120));
  ASSERT_EQ(resumed.code, 0) << resumed;
  EXPECT_EQ(prompts_of(run), reference);
}

}  // namespace
