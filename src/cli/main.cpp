// `maspo`: parses flags, runs the chosen subcommand, and turns every failure into a message on
// stderr and an exit code (0 ok, 1 the run failed, 2 bad input, 3 stopped at a budget). No exception leaves main().
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"  // beside this file: the executable does not see src/ as an include root
#include "maspo/llm.hpp"
#include "maspo/util.hpp"
#include "maspo/version.hpp"

namespace {

constexpr int kFailed = 1;
constexpr int kBadInput = 2;

void setup_logging(const std::string& level) {
  // Logs go to stderr so stdout carries only results (replies, JSON) that scripts can pipe.
  auto logger = spdlog::stderr_logger_mt("maspo");
  logger->set_pattern("maspo: [%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

int run(int argc, char** argv) {
  CLI::App app{"maspo: joint prompt optimization for LLM multi-agent systems", "maspo"};
  maspo::cli::GlobalOptions global;
  app.set_version_flag("--version", std::string("maspo ") + MASPO_VERSION, "Print the version and exit");
  app.add_option("--config", global.config_path,
                 "YAML config file (default: $MASPO_CONFIG, else every role on the embedded model)");
  app.add_option("--log-level", global.log_level, "Log level on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.require_subcommand(1);
  // Subcommands inherit this, so global flags may also come after the subcommand's name.
  app.fallthrough();

  std::map<std::string, maspo::cli::Action> actions;
  actions["ask"] = maspo::cli::add_ask_command(app, global);
  actions["serve"] = maspo::cli::add_serve_command(app, global);
  actions["run"] = maspo::cli::add_run_command(app, global);
  actions["optimize"] = maspo::cli::add_optimize_command(app, global);
  actions["resume"] = maspo::cli::add_resume_command(app, global);
  actions["bench"] = maspo::cli::add_bench_command(app, global);
  actions["report"] = maspo::cli::add_report_command(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A word that names no subcommand is left over, and CLI11 only says "A subcommand is required".
    const auto left = app.remaining();
    const auto word = std::find_if(left.begin(), left.end(), [](const std::string& a) { return a.rfind('-', 0) != 0; });
    if (app.get_subcommands().empty() && word != left.end()) {
      std::string names;
      for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      std::cerr << "maspo: unknown subcommand '" << word->substr(0, 40) << (word->size() > 40 ? "...": "")
                << "' (expected one of: " << names << ")\nRun with --help for more information.\n";
      return kBadInput;
    }
    // --help and --version arrive here too, with exit code 0.
    return app.exit(e) == 0 ? 0 : kBadInput;
  }
  setup_logging(global.log_level);
  for (const auto* sub : app.get_subcommands()) {
    auto it = actions.find(sub->get_name());
    if (it != actions.end()) return it->second();
  }
  std::cerr << "maspo: no action for the chosen subcommand\n";
  return kFailed;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const maspo::InputError& e) {
    std::cerr << "maspo: " << e.what() << '\n';
    return kBadInput;
  } catch (const maspo::llm::Error& e) {
    std::cerr << "maspo: " << e.what() << '\n';
    if (e.kind() == maspo::llm::ErrorKind::budget_exceeded) return maspo::cli::kExitStoppedByBudget;
    return e.kind() == maspo::llm::ErrorKind::config || e.kind() == maspo::llm::ErrorKind::invalid_request
               ? kBadInput
               : kFailed;
  } catch (const std::exception& e) {
    std::cerr << "maspo: " << e.what() << '\n';
    return kFailed;
  } catch (...) {
    std::cerr << "maspo: unknown error\n";
    return kFailed;
  }
}
