// The subcommands of `maspo`. Each lives in its own file (<name>_command.cpp), adds itself to the
// CLI11 app, and returns the action main() runs when it is the one chosen.
//
// Exit codes: 0 success, 1 the run failed, 2 bad input (config, flags, files), 3 stopped at a
// budget (resumable).
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace maspo::cli {

// Flags every subcommand shares.
struct GlobalOptions {
  std::string config_path;   // --config FILE; empty: $MASPO_CONFIG; empty: built-in defaults
  std::string log_level = "warn";
};

using Action = std::function<int()>;

constexpr int kExitStoppedByBudget = 3;   // a budget stopped the run cleanly; resumable

Action add_ask_command(CLI::App& app, const GlobalOptions& global);    // ask_command.cpp
Action add_serve_command(CLI::App& app, const GlobalOptions& global);  // serve_command.cpp
Action add_run_command(CLI::App& app, const GlobalOptions& global);    // run_command.cpp
Action add_optimize_command(CLI::App& app, const GlobalOptions& global);  // optimize_command.cpp
Action add_resume_command(CLI::App& app, const GlobalOptions& global);    // optimize_command.cpp
Action add_bench_command(CLI::App& app, const GlobalOptions& global);     // bench_command.cpp
Action add_report_command(CLI::App& app, const GlobalOptions& global);    // report_command.cpp

}  // namespace maspo::cli
