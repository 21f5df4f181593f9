// `maspo run SYSTEM --data NAME=PATH --out DIR`: evaluates a system (a YAML file or a built-in
// topology) on a dataset through the harness: progress on stderr, items.jsonl + summary.json in
// DIR, a short summary on stdout. Exit 3 when a budget stopped it (resume by running it again).
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "cli/progress_line.hpp"
#include "cli/run_setup.hpp"
#include "maspo/config.hpp"
#include "maspo/harness.hpp"
#include "maspo/util.hpp"

namespace maspo::cli {

namespace {

struct RunCommandOptions {
  std::string system;
  std::string data;
  std::string out;
  std::string prompts;
  std::string context;
  std::string on_bad_line = "fail";
  std::string cache;
  int limit = 0;
  std::uint64_t seed = 0;
  int concurrency = 16;
  bool unsafe_no_sandbox = false;
};

int run_run(const RunCommandOptions& o, const GlobalOptions& global) {
  Config config = load_config(global.config_path);
  data::Dataset dataset = load_data_flag(o.data, o.on_bad_line, "--data");
  auto system = std::make_shared<const mas::System>(load_system_flag(o.system, o.context, dataset.task));
  mas::PromptMap prompts = o.prompts.empty() ? system->seed_prompts() : mas::load_prompt_map(o.prompts, *system);
  eval::Grader grader = make_grader(dataset.task, o.unsafe_no_sandbox);

  llm::ClientOptions client_options = config.llm;
  client_options.roles = agent_roles(*system, config.llm);
  if (!o.cache.empty()) client_options.cache.mode = parse_cache_mode(o.cache);
  llm::Client client(client_options);

  harness::RunOptions options;
  options.out_dir = o.out;
  options.limit = o.limit;
  options.seed = o.seed;
  options.max_questions_in_flight = o.concurrency;
  ProgressLine line;
  options.on_progress = [&line](const harness::Progress& p) {
    double acc = p.done > 0 ? 100.0 * p.correct / p.done : 0.0;
    line.update(p.done, p.total,
                fmt::format("acc {:.1f}%  tokens {}  ${:.4f}  ETA {}", acc, format_count(double(p.tokens)),
                            p.dollars, format_duration(p.eta_s)),
                p.done == p.total);
  };
  harness::Summary s = harness::evaluate(client, system, prompts, dataset, grader, options);

  std::cout << fmt::format("{} on {}: {}/{} correct, accuracy {:.1f}% (95% CI {:.1f}-{:.1f}), {} errors", s.system,
                           s.dataset, s.correct, s.total, 100.0 * s.accuracy, 100.0 * s.ci95.low,
                           100.0 * s.ci95.high, s.errors);
  if (s.resumed > 0) std::cout << fmt::format(", {} resumed", s.resumed);
  std::cout << fmt::format("\ntokens: {} prompt + {} completion; wall {:.1f}s; results in {}\n", s.prompt_tokens,
                           s.completion_tokens, s.wall_s, o.out);
  report_skipped_lines(dataset);
  if (!s.stopped_by_failure.empty()) {
    std::cerr << "maspo: stopped: the model service failed (" << s.stopped_by_failure
              << "); run the same command again once it is back: finished items are kept\n";
    return 1;
  }
  if (s.stopped_by_budget) {
    std::cerr << "maspo: stopped at a budget; run the same command again (with a larger budget) to finish\n";
    return kExitStoppedByBudget;
  }
  return 0;
}

}  // namespace

Action add_run_command(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<RunCommandOptions>();
  auto* cmd = app.add_subcommand("run", "Evaluate a multi-agent system on a dataset (resumable)");
  cmd->add_option("system", o->system, "System YAML file, or a built-in: sequential[:N], hierarchical, debate, vote, llm_aggregate")
      ->required();
  cmd->add_option("--data", o->data, "Dataset as NAME[:FORMAT]=PATH (see docs/datasets.md)")->required();
  cmd->add_option("--out", o->out, "Output directory (items.jsonl, summary.json, run.json)")->required();
  cmd->add_option("--prompts", o->prompts, "Prompt map JSON {agent: template} (e.g. best_prompts.json)");
  cmd->add_option("--limit", o->limit, "Evaluate the first N items of a seeded shuffle (0 = all)")
      ->check(whole_number(0));
  cmd->add_option("--seed", o->seed, "Seed of the --limit shuffle")
      ->check(whole_number<std::uint64_t>(0))
      ->capture_default_str();
  cmd->add_option("--concurrency", o->concurrency, "Questions in flight at once")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--context", o->context, "Built-in systems: context passing (default summary)")
      ->check(CLI::IsMember({"raw", "summary"}));
  cmd->add_option("--on-bad-line", o->on_bad_line, "A malformed dataset line: fail (default) or skip (reported)")
      ->check(CLI::IsMember({"fail", "skip"}));
  cmd->add_option("--cache", o->cache, "Cache mode (default: the config's)")
      ->check(CLI::IsMember({"read_write", "replay", "off"}));
  cmd->add_flag("--unsafe-no-sandbox", o->unsafe_no_sandbox,
                "Grade code WITHOUT a sandbox where bubblewrap cannot run (generated code can then touch your files)");
  return [o, &global] { return run_run(*o, global); };
}

}  // namespace maspo::cli
