// `maspo report DIR`: tell a run from a bench by the file each holds, render, write atomically.
#include <system_error>

#include "maspo/report.hpp"
#include "maspo/util.hpp"

namespace maspo::report {

namespace fs = std::filesystem;

DirKind classify(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "run.sqlite", ec)) return DirKind::run;
  if (fs::is_regular_file(dir / "results.json", ec)) return DirKind::bench;
  return DirKind::none;
}

fs::path write_report(const fs::path& dir, const fs::path& out) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError(dir.string() + ": no such directory (expected a run directory of `maspo optimize` or a bench "
                                    "directory of `maspo bench`)");
  }
  std::string html;
  switch (classify(dir)) {
    case DirKind::run: html = render_run(dir); break;
    case DirKind::bench: html = render_bench(dir); break;
    case DirKind::none:
      throw InputError(dir.string() + ": neither a run directory (expected run.sqlite, written by `maspo optimize`) "
                                      "nor a bench directory (expected results.json, written by `maspo bench`)");
  }
  const fs::path target = out.empty() ? dir / "report.html" : out;
  write_file_atomic(target, html);
  return target;
}

}  // namespace maspo::report
