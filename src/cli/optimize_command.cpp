// `maspo optimize SYSTEM --data NAME=PATH --out RUN_DIR` and `maspo resume RUN_DIR`: flags into
// OptimizeInputs (stored in the run store, so a resume rebuilds the same run), then the session.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "cli/optimize_session.hpp"
#include "cli/run_setup.hpp"
#include "maspo/config.hpp"
#include "maspo/opt.hpp"
#include "maspo/store.hpp"
#include "maspo/util.hpp"

namespace maspo::cli {

namespace {

struct OptimizeFlags {
  OptimizeInputs in;
  std::string out;
  std::vector<std::string> budgets;
  bool dry_run = false;
  bool no_final_eval = false;
  // Settings overrides; unset ones keep the config's `optimizer:` values (paper defaults).
  std::optional<std::uint64_t> seed;
  std::optional<int> rounds, layers, batch_size, pool_size, beam, children, lookahead_depth, k_mis;
  std::string compat, sampling, judge_order, weights;
  bool local_only = false, no_refresh = false;
};

opt::Weights parse_weights(const std::string& text) {
  opt::Weights w;
  char c1 = 0, c2 = 0;
  std::istringstream ss(text);
  if (!(ss >> w.local >> c1 >> w.lookahead >> c2 >> w.global) || c1 != ',' || c2 != ',' || !ss.eof() ||
      w.local < 0 || w.lookahead < 0 || w.global < 0 || w.local + w.lookahead + w.global <= 0) {
    throw InputError("--weights '" + text + "': expected three non-negative numbers ALPHA,BETA,THETA (e.g. 0.4,0.4,0.2)");
  }
  return w;
}

opt::Settings settings_of(const OptimizeFlags& f, opt::Settings s) {
  if (f.seed) s.seed = *f.seed;
  if (f.rounds) s.rounds = *f.rounds;
  if (f.layers) s.layers_per_visit = *f.layers;
  if (f.batch_size) s.batch_size = *f.batch_size;
  if (f.pool_size) s.pool_size = *f.pool_size;
  if (f.beam) s.beam_width = *f.beam;
  if (f.children) s.children_per_parent = *f.children;
  if (f.lookahead_depth) s.lookahead_depth = *f.lookahead_depth;
  if (f.k_mis) s.k_mis = *f.k_mis;
  if (!f.compat.empty()) s.compat = *opt::parse_compat(f.compat);
  if (!f.sampling.empty()) s.sampling = *opt::parse_sampling(f.sampling);
  if (!f.judge_order.empty()) s.judge_order = *opt::parse_judge_order(f.judge_order);
  if (!f.weights.empty()) s.weights = parse_weights(f.weights);
  if (f.local_only) s.joint = false;
  if (f.no_refresh) s.refresh = false;
  return s;
}

int run_optimize(OptimizeFlags& f, const GlobalOptions& global) {
  Config config = load_config(global.config_path);
  OptimizeInputs& in = f.in;
  // The config file actually used, absolute, so a resume from another directory or shell (no
  // $MASPO_CONFIG) reads the same one. Keys are never in it: only environment variable names.
  std::string config_used = global.config_path;
  if (config_used.empty()) {
    const char* env = std::getenv("MASPO_CONFIG");
    if (env != nullptr) config_used = env;
  }
  in.config_path = config_used.empty() ? "" : std::filesystem::absolute(config_used).string();
  in.data = absolute_data_spec(in.data, "--data");
  if (!in.pool.empty()) in.pool = absolute_data_spec(in.pool, "--pool");
  // A system file is stored by content, so a resume runs the same system even if the file changed.
  if (std::filesystem::is_regular_file(in.system)) in.system_text = maspo::read_file(in.system);
  if (!in.prompts_path.empty()) {
    // Checked here, the way `maspo run` reads it, so a bad entry is reported at its line of the
    // file: the session only sees the parsed JSON. The system's agents depend on the task, so on
    // the dataset (loaded again by the session, which also checks --pool).
    {
      const data::Dataset test = load_data_flag(in.data, in.on_bad_line, "--data");
      mas::load_prompt_map(in.prompts_path, load_system_flag(in.system, in.context, test.task));
    }
    std::string text = maspo::read_file(in.prompts_path);
    try {
      in.seed_prompts = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(in.prompts_path + ": not valid JSON (" + e.what() + ")");
    }
  }
  in.settings = opt::to_json(settings_of(f, config.optimizer));
  in.final_eval = !f.no_final_eval;
  std::map<std::string, llm::Budget> budgets = config.llm.budgets;
  for (const auto& b : f.budgets) parse_budget_flag(b, budgets);
  in.budgets = budgets;
  if (!f.dry_run && std::filesystem::exists(std::filesystem::path(f.out) / "run.sqlite")) {
    bool started = false;
    try {
      started = store::RunStore::open(f.out) != nullptr;
    } catch (const InputError&) {
      // damaged or never started: RunStore::create decides, with its own message
    }
    if (started) {
      throw InputError("--out " + f.out + ": already holds a run; `maspo resume " + f.out +
                       "` continues it, or choose another directory");
    }
  }
  return run_optimize_session(f.out, in, budgets, global, f.dry_run, /*fresh=*/true);
}

int run_resume(const std::string& run_dir, const std::vector<std::string>& budget_flags, const GlobalOptions& global) {
  OptimizeInputs in;
  {
    auto store = store::RunStore::open(run_dir);
    in = optimize_inputs_from_json(store->config());
  }
  std::map<std::string, llm::Budget> budgets = in.budgets;   // as the run started...
  for (const auto& b : budget_flags) parse_budget_flag(b, budgets);   // ...unless overridden
  return run_optimize_session(run_dir, in, budgets, global, /*dry_run=*/false, /*fresh=*/false);
}

}  // namespace

Action add_optimize_command(CLI::App& app, const GlobalOptions& global) {
  auto f = std::make_shared<OptimizeFlags>();
  auto* cmd = app.add_subcommand("optimize", "Optimize every agent's prompt jointly with MASPO (resumable run store)");
  cmd->add_option("system", f->in.system,
                  "System YAML file, or a built-in: sequential[:N], hierarchical, debate, llm_aggregate")
      ->required();
  cmd->add_option("--data", f->in.data, "Test split as NAME[:FORMAT]=PATH; the final evaluation runs on it")->required();
  cmd->add_option("--method", f->in.method,
                  "maspo (default) or a baseline that optimizes prompts: isolated, spo, tpe, opro, protegi (docs/bench.md)")
      ->check(CLI::IsMember({"maspo", "isolated", "spo", "tpe", "opro", "protegi"}))
      ->capture_default_str();
  cmd->add_option("--pool", f->in.pool,
                  "Separate split to draw the optimization pool from (AQuA dev, GSM8K train); default: held out of --data");
  cmd->add_option("--out", f->out, "Run directory (run.sqlite, best_prompts.json, eval-seed/, eval-optimized/)")
      ->required();
  cmd->add_option("--prompts", f->in.prompts_path, "Seed prompt map JSON (default: the system's templates)");
  cmd->add_option("--budget", f->budgets, "ROLE:KIND=N, e.g. judge:calls=5000 or all:dollars=20 (repeatable)");
  cmd->add_flag("--dry-run", f->dry_run, "Print the pre-flight estimate of calls, tokens and dollars, and exit");
  cmd->add_option("--seed", f->seed, "Seed of pools, batches and choices")->check(whole_number<std::uint64_t>(0));
  cmd->add_option("--rounds", f->rounds, "D: rounds over all agents")->check(CLI::Range(1, 100));
  cmd->add_option("--layers", f->layers, "T: beam layers per agent per visit")->check(CLI::Range(1, 100));
  cmd->add_option("--batch-size", f->batch_size, "|B|: questions per layer")->check(CLI::Range(1, 10000));
  cmd->add_option("--pool-size", f->pool_size, "|D|: optimization pool size")->check(CLI::Range(1, 100000));
  cmd->add_option("--beam", f->beam, "K: beam width (1 = serial search)")->check(CLI::Range(1, 64));
  cmd->add_option("--children", f->children, "K_sub: children per parent")->check(CLI::Range(1, 64));
  cmd->add_option("--lookahead-depth", f->lookahead_depth, "Successor hops in the lookahead term (1, 2 or 3)")
      ->check(CLI::Range(1, 3));
  cmd->add_option("--k-mis", f->k_mis, "Misalignment cases kept per agent")->check(CLI::Range(0, 1000));
  cmd->add_option("--weights", f->weights, "ALPHA,BETA,THETA: local, lookahead, global weights");
  cmd->add_option("--compat", f->compat, "paper (default) or reference (the reference code's quirks)")
      ->check(CLI::IsMember({"paper", "reference"}));
  cmd->add_option("--sampling", f->sampling, "Batches: misalignment (default), random or success")
      ->check(CLI::IsMember({"misalignment", "random", "success"}));
  cmd->add_option("--judge-order", f->judge_order, "Judge position order: fixed, random or both")
      ->check(CLI::IsMember({"fixed", "random", "both"}));
  cmd->add_flag("--local-only", f->local_only, "Ablation: score candidates by their local judgement only");
  cmd->add_flag("--no-refresh", f->no_refresh, "Ablation: no Beam Refresh");
  cmd->add_option("--context", f->in.context, "Built-in systems: context passing (default summary)")
      ->check(CLI::IsMember({"raw", "summary"}));
  cmd->add_option("--eval-limit", f->in.eval_limit, "Final evaluation on the first N test items (0 = all)")
      ->check(whole_number(0));
  cmd->add_flag("--no-final-eval", f->no_final_eval, "Skip the final evaluation of seed vs optimized prompts");
  cmd->add_option("--on-bad-line", f->in.on_bad_line, "A malformed dataset line: fail (default) or skip")
      ->check(CLI::IsMember({"fail", "skip"}));
  cmd->add_option("--concurrency", f->in.concurrency, "Questions in flight in the final evaluation")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--unsafe-no-sandbox", f->in.unsafe_no_sandbox,
                "Grade code WITHOUT a sandbox where bubblewrap cannot run");
  return [f, &global] { return run_optimize(*f, global); };
}

Action add_resume_command(CLI::App& app, const GlobalOptions& global) {
  auto run_dir = std::make_shared<std::string>();
  auto budgets = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("resume", "Continue an optimization run after a stop, a budget stop or a crash");
  cmd->add_option("run_dir", *run_dir, "The run directory given to `maspo optimize --out`")->required();
  cmd->add_option("--budget", *budgets, "ROLE:KIND=N for this session (replaces the config's for that kind)");
  return [run_dir, budgets, &global] { return run_resume(*run_dir, *budgets, global); };
}

}  // namespace maspo::cli
