// sandbox/host.cpp — the explicit, unsafe opt-out: the program runs on the host, as us, with
// the rlimits, the wall-clock timeout and an empty environment, and nothing else. It can read
// whatever we can read and reach the network. RLIMIT_NPROC here counts every process of our uid
// (and is not enforced at all for root), unlike inside a box.
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sandbox/runners.hpp"

namespace maspo::sandbox::detail {

Result run_on_host(const Options& options, std::string_view program) {
  namespace fs = std::filesystem;
  Result failed;
  failed.sandboxed = false;

  // A private work dir per run, like the box's /work, removed afterwards.
  std::error_code ec;
  std::string dir = (fs::temp_directory_path(ec) / "maspo-sandbox-XXXXXX").string();
  if (ec || ::mkdtemp(dir.data()) == nullptr) {
    failed.stderr_text = fmt::format("cannot create a work directory: {}", std::strerror(errno));
    return failed;
  }
  {
    std::ofstream file(fs::path(dir) / "main.py", std::ios::binary);
    file.write(program.data(), static_cast<std::streamsize>(program.size()));
    if (!file) {
      fs::remove_all(dir, ec);
      failed.stderr_text = fmt::format("cannot write the program into {}", dir);
      return failed;
    }
  }
  ChildSpec spec;
  spec.argv = {options.python.string(), "main.py"};
  spec.env = program_env(dir);
  spec.cwd = dir;
  spec.limits = child_limits(options.limits);
  spec.wall_s = options.limits.wall_s;
  spec.output_bytes = options.limits.output_bytes;
  auto outcome = run_child(spec);
  fs::remove_all(dir, ec);
  return make_result(std::move(outcome), options.limits, false);
}

}  // namespace maspo::sandbox::detail
