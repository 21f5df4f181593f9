// `maspo report DIR [--out FILE]`: one self-contained HTML report of a run directory (from
// `maspo optimize`) or a bench directory (from `maspo bench`); prints the path written.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "maspo/report.hpp"

namespace maspo::cli {

namespace {

struct ReportCommandOptions {
  std::string dir;
  std::string out;
};

int run_report(const ReportCommandOptions& o) {
  const auto path = report::write_report(o.dir, o.out);
  std::cout << path.string() << "\n";
  return 0;
}

}  // namespace

Action add_report_command(CLI::App& app, const GlobalOptions& /*global*/) {
  auto o = std::make_shared<ReportCommandOptions>();
  auto* cmd = app.add_subcommand("report", "Write a self-contained HTML report of a run or a bench directory");
  cmd->add_option("dir", o->dir, "RUN_DIR (holds run.sqlite) or BENCH_DIR (holds results.json)")->required();
  cmd->add_option("--out", o->out, "Output file (default: DIR/report.html)");
  return [o] { return run_report(*o); };
}

}  // namespace maspo::cli
