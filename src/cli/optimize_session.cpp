#include "cli/optimize_session.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/progress_line.hpp"
#include "cli/run_setup.hpp"
#include "maspo/baselines.hpp"
#include "maspo/config.hpp"
#include "maspo/harness.hpp"
#include "maspo/opt.hpp"
#include "maspo/store.hpp"
#include "maspo/util.hpp"

namespace maspo::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

json to_json(const OptimizeInputs& in) {
  return json{{"system", in.system},           {"system_text", in.system_text},
              {"context", in.context},         {"data", in.data},
              {"pool", in.pool},               {"on_bad_line", in.on_bad_line},
              {"prompts_path", in.prompts_path}, {"seed_prompts", in.seed_prompts},
              {"config_path", in.config_path}, {"settings", in.settings},
              {"eval_limit", in.eval_limit},   {"final_eval", in.final_eval},
              {"concurrency", in.concurrency}, {"unsafe_no_sandbox", in.unsafe_no_sandbox},
              {"budgets", budgets_to_json(in.budgets)}, {"method", in.method},
              {"baselines", in.baselines}};
}

json budgets_to_json(const std::map<std::string, llm::Budget>& budgets) {
  json out = json::object();
  for (const auto& [role, b] : budgets) {
    json entry = json::object();
    if (b.calls) entry["calls"] = *b.calls;
    if (b.tokens) entry["tokens"] = *b.tokens;
    if (b.dollars) entry["dollars"] = *b.dollars;
    out[role] = entry;
  }
  return out;
}

std::map<std::string, llm::Budget> budgets_from_json(const json& j) {
  std::map<std::string, llm::Budget> out;
  for (const auto& [role, entry] : j.items()) {
    llm::Budget& b = out[role];
    if (entry.contains("calls")) b.calls = entry.at("calls").get<std::int64_t>();
    if (entry.contains("tokens")) b.tokens = entry.at("tokens").get<std::int64_t>();
    if (entry.contains("dollars")) b.dollars = entry.at("dollars").get<double>();
  }
  return out;
}

OptimizeInputs optimize_inputs_from_json(const json& j) {
  try {
    OptimizeInputs in;
    in.system = j.at("system").get<std::string>();
    in.system_text = j.at("system_text").get<std::string>();
    in.context = j.at("context").get<std::string>();
    in.data = j.at("data").get<std::string>();
    in.pool = j.at("pool").get<std::string>();
    in.on_bad_line = j.at("on_bad_line").get<std::string>();
    in.prompts_path = j.at("prompts_path").get<std::string>();
    in.seed_prompts = j.at("seed_prompts");
    in.config_path = j.at("config_path").get<std::string>();
    in.settings = j.at("settings");
    in.eval_limit = j.at("eval_limit").get<int>();
    in.final_eval = j.at("final_eval").get<bool>();
    in.concurrency = j.at("concurrency").get<int>();
    in.unsafe_no_sandbox = j.at("unsafe_no_sandbox").get<bool>();
    in.budgets = budgets_from_json(j.value("budgets", json::object()));
    in.method = j.value("method", std::string("maspo"));
    in.baselines = j.value("baselines", json::object());
    return in;
  } catch (const json::exception& e) {
    throw InputError(std::string("run store: the stored inputs of this run are not readable (") + e.what() + ")");
  }
}

void parse_budget_flag(const std::string& text, std::map<std::string, llm::Budget>& budgets) {
  auto bad = [&](const std::string& why) {
    return InputError("--budget '" + text + "': " + why +
                      " (expected ROLE:KIND=N, ROLE one of agents, optimizer, judge, all; KIND calls, tokens or "
                      "dollars)");
  };
  auto colon = text.find(':');
  auto eq = text.find('=');
  if (colon == std::string::npos || eq == std::string::npos || eq < colon) throw bad("malformed");
  std::string role = text.substr(0, colon);
  std::string kind = text.substr(colon + 1, eq - colon - 1);
  std::string value = text.substr(eq + 1);
  bool known_role = role == "all";
  for (auto r : kRoles) known_role = known_role || role == r;
  if (!known_role) throw bad("unknown role '" + role + "'");
  double number = 0.0;
  std::size_t used = 0;
  try {
    number = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || !std::isfinite(number) || number < 0.0) {
    throw bad("'" + value + "' is not a non-negative number");
  }
  if ((kind == "calls" || kind == "tokens") && (number != std::floor(number) || number > 1e15)) {
    throw bad("'" + value + "' is not a whole number of " + kind);
  }
  std::vector<std::string> roles;
  if (role == "all") {
    for (auto r : kRoles) roles.emplace_back(r);
  } else {
    roles.push_back(role);
  }
  for (const auto& r : roles) {
    llm::Budget& b = budgets[r];
    if (kind == "calls") b.calls = static_cast<std::int64_t>(number);
    else if (kind == "tokens") b.tokens = static_cast<std::int64_t>(number);
    else if (kind == "dollars") b.dollars = number;
    else throw bad("unknown kind '" + kind + "'");
  }
}

namespace {

mas::System system_of(const OptimizeInputs& in, data::TaskType task) {
  if (!in.system_text.empty()) return mas::parse_system(in.system_text, in.system, task);
  return load_system_flag(in.system, in.context, task);
}

void print_estimate(const opt::Estimate& e, const Config& config, std::ostream& out) {
  out << "pre-flight estimate (an upper bound: cache hits and rejected proposals only lower it)\n";
  out << fmt::format("  {:<10} {:>10} {:>14} {:>16} {:>10}\n", "role", "calls", "prompt tok", "completion tok",
                     "dollars");
  double total = 0.0;
  for (const auto& [role, calls] : e.calls) {
    llm::Usage u;
    u.prompt_tokens = e.prompt_tokens.count(role) ? e.prompt_tokens.at(role) : 0;
    u.completion_tokens = e.completion_tokens.count(role) ? e.completion_tokens.at(role) : 0;
    auto rc = config.llm.roles.find(role);
    double dollars = rc != config.llm.roles.end() ? rc->second.price.dollars(u) : 0.0;
    total += dollars;
    out << fmt::format("  {:<10} {:>10} {:>14} {:>16} {:>10.2f}\n", role, calls, u.prompt_tokens,
                       u.completion_tokens, dollars);
  }
  out << fmt::format("  steps (layers + refreshes): {}; total ${:.2f} at the config's prices\n", e.steps, total);
  out << "  " << e.assumptions << "\n";
}

std::string usage_text(const std::vector<llm::UsageLine>& usage) {
  std::int64_t calls = 0, tokens = 0;
  double dollars = 0.0;
  for (const auto& u : usage) {
    calls += u.calls;
    tokens += u.usage.prompt_tokens + u.usage.completion_tokens;
    dollars += u.dollars;
  }
  return fmt::format("calls {}  tokens {}  ${:.4f}", format_count(double(calls)), format_count(double(tokens)),
                     dollars);
}

// The final evaluation of one prompt map on the test split; resumable through the harness.
harness::Summary evaluate_prompts(llm::Client& client, std::shared_ptr<const mas::System> system,
                                  const mas::PromptMap& prompts, const data::Dataset& test,
                                  const eval::Grader& grader, const fs::path& dir, const OptimizeInputs& in,
                                  std::uint64_t seed, const std::string& label) {
  harness::RunOptions options;
  options.out_dir = dir;
  options.limit = in.eval_limit;
  options.seed = seed;
  options.max_questions_in_flight = in.concurrency;
  auto line = std::make_shared<ProgressLine>();
  options.on_progress = [line, label](const harness::Progress& p) {
    double acc = p.done > 0 ? 100.0 * p.correct / p.done : 0.0;
    line->update(p.done, p.total, fmt::format("eval {}  acc {:.1f}%  ETA {}", label, acc, format_duration(p.eta_s)),
                 p.done == p.total);
  };
  return harness::evaluate(client, system, prompts, test, grader, options);
}

json summary_brief(const harness::Summary& s) {
  return json{{"correct", s.correct}, {"total", s.total},       {"accuracy", s.accuracy},
              {"ci95", {s.ci95.low, s.ci95.high}}, {"errors", s.errors}};
}

}  // namespace

int run_optimize_session(const std::string& run_dir, const OptimizeInputs& in,
                         const std::map<std::string, llm::Budget>& budgets, const GlobalOptions& global, bool dry_run,
                         bool fresh) {
  // The config is re-read from its file on resume: keys live in the environment, never in the store.
  Config config = load_config(!global.config_path.empty() ? global.config_path : in.config_path);
  opt::Settings settings;
  opt::BaselineOptions baselines;
  try {
    settings = opt::settings_from_json(in.settings);
    baselines = opt::baseline_options_from_json(in.baselines);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  const std::optional<opt::Method> method = opt::parse_method(in.method);
  if (!method || !opt::optimizes_prompts(*method)) {
    throw InputError("--method " + in.method +
                     ": expected a method that optimizes prompts (maspo, isolated, spo, tpe, opro, protegi); the "
                     "inference-time baselines (seed, cot, self_consistency, self_refine) are compared by `maspo bench`");
  }

  data::Dataset test = load_data_flag(in.data, in.on_bad_line, "--data");
  std::optional<data::Dataset> pool_data;
  if (!in.pool.empty()) pool_data = load_data_flag(in.pool, in.on_bad_line, "--pool");
  if (pool_data && pool_data->task != test.task) {
    throw InputError(fmt::format("--pool: task '{}' differs from --data's '{}'", data::to_string(pool_data->task),
                                 data::to_string(test.task)));
  }
  report_skipped_lines(test);
  if (pool_data) report_skipped_lines(*pool_data);
  auto system = std::make_shared<const mas::System>(system_of(in, test.task));
  mas::PromptMap seed_prompts = system->seed_prompts();
  if (!in.seed_prompts.empty()) seed_prompts = mas::parse_prompt_map(in.seed_prompts.dump(), in.prompts_path, *system);

  data::Split split = data::make_split(test, pool_data ? &*pool_data : nullptr, settings.pool_size, settings.seed,
                                       in.final_eval ? in.eval_limit : 0);
  int eval_items = in.final_eval ? static_cast<int>(split.test.size()) : 0;
  if (in.final_eval && in.eval_limit > 0) eval_items = std::min(eval_items, in.eval_limit);

  if (dry_run) {
    if (*method != opt::Method::maspo && *method != opt::Method::isolated) {
      std::cout << "the pre-flight estimate covers MASPO and `isolated`; `maspo bench --dry-run` bounds the calls of `"
                << in.method << "`\n";
      return 0;
    }
    const opt::Settings estimated = *method == opt::Method::isolated ? opt::isolated_settings(settings) : settings;
    print_estimate(opt::estimate(*system, estimated, eval_items), config, std::cout);
    std::cout << "pool: " << split.note << "\n";
    return 0;
  }
  eval::Grader grader = make_grader(test.task, in.unsafe_no_sandbox);

  // Built before the store, so a missing API key variable or a model that cannot load is refused
  // before the run exists (and a corrected `maspo optimize` is not refused as a duplicate).
  agent_roles(*system, config.llm);
  llm::ClientOptions client_options = config.llm;
  for (const auto& [role, budget] : budgets) client_options.budgets[role] = budget;
  llm::Client client(client_options);

  // One process per run directory: a second `optimize`/`resume` on it would race for the
  // store's steps and interleave the final evaluation's items.jsonl.
  DirLock lock(run_dir, "run.lock", "run");
  std::unique_ptr<store::RunStore> store =
      fresh ? store::RunStore::create(run_dir, to_json(in)) : store::RunStore::open(run_dir);
  if (fresh && *method == opt::Method::maspo) print_estimate(opt::estimate(*system, settings, eval_items), config, std::cerr);
  if (fresh && *method == opt::Method::isolated) {
    print_estimate(opt::estimate(*system, opt::isolated_settings(settings), eval_items), config, std::cerr);
  }
  std::cerr << "pool: " << split.note << "\n";

  ProgressLine line;
  opt::Result result;
  const auto started = std::chrono::steady_clock::now();
  std::int64_t steps_at_start = 0;
  auto on_progress = [&](const opt::ProgressEvent& e) {
    if (steps_at_start < 0) steps_at_start = e.steps_done - 1;
    // ETA from this session's pace (a resumed run's earlier steps took no time here).
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::int64_t done_here = e.steps_done - steps_at_start;
    const double eta = done_here > 0 ? elapsed / double(done_here) * double(e.steps_total - e.steps_done) : -1.0;
    line.update(int(e.steps_done), int(e.steps_total),
                fmt::format("round {}/{} {} layer {}/{}  best {:.3f}  misaligned {:.0f}%  {}  ETA {}", e.round,
                            e.rounds, e.agent, e.layer, e.layers, e.best_reward, 100.0 * e.misalignment_rate,
                            usage_text(client.usage()), format_duration(eta)),
                e.steps_done == e.steps_total);
  };
  if (*method != opt::Method::maspo) {
    // Baselines checkpoint in the same store and resume from it (docs/bench.md).
    steps_at_start = -1;
    store->set_status("running");
    const opt::BaselineResult r = opt::run_baseline(*method, client, system, split.pool, seed_prompts, settings,
                                                    baselines, grader, *store, on_progress);
    result.prompts = r.prompts;
    result.stopped_by_budget = r.stopped_by_budget;
    result.stopped_by_failure = r.stopped_by_failure;
    result.state.step = r.steps;
  } else {
    opt::Maspo maspo(client, system, split.pool, settings, *store);
    opt::SearchState state;
    if (auto cp = store->latest_checkpoint()) {
      state = opt::search_state_from_json(cp->state);
      spdlog::info("resuming {} at checkpoint {}", run_dir, cp->step);
    } else {
      state = maspo.initial_state(seed_prompts);
    }
    store->set_status("running");
    steps_at_start = state.step;
    if (!state.done) {
      result = maspo.run(state, on_progress);
    } else {
      result.state = state;
      result.prompts = state.prompts;
    }
  }
  if (!result.stopped_by_failure.empty()) {
    std::cerr << "maspo: stopped: the model service failed (" << result.stopped_by_failure
              << "); the steps finished so far are kept; `maspo resume " << run_dir
              << "` continues from step " << result.state.step << " once the service is back\n";
    return 1;
  }
  if (result.stopped_by_budget) {
    std::cerr << "maspo: stopped at a budget after step " << result.state.step << "; `maspo resume " << run_dir
              << " --budget ...` continues it\n";
    return kExitStoppedByBudget;
  }
  write_file_atomic(fs::path(run_dir) / "best_prompts.json", json(result.prompts).dump(2) + "\n");
  std::cout << "best prompts: " << (fs::path(run_dir) / "best_prompts.json").string() << "\n";

  if (in.final_eval) {
    data::Dataset test_split = test;
    test_split.examples = split.test;
    test_split.skipped.clear();
    std::uint64_t seed = settings.seed;
    try {
      auto seed_summary = evaluate_prompts(client, system, seed_prompts, test_split, grader,
                                           fs::path(run_dir) / "eval-seed", in, seed, "seed");
      auto best_summary = evaluate_prompts(client, system, result.prompts, test_split, grader,
                                           fs::path(run_dir) / "eval-optimized", in, seed, "optimized");
      if (!seed_summary.stopped_by_failure.empty() || !best_summary.stopped_by_failure.empty()) {
        store->set_status("stopped: model service failed (final evaluation)");
        std::cerr << "maspo: the final evaluation stopped: the model service failed ("
                  << (seed_summary.stopped_by_failure.empty() ? best_summary.stopped_by_failure
                                                              : seed_summary.stopped_by_failure)
                  << "); `maspo resume " << run_dir << "` finishes it once the service is back\n";
        return 1;
      }
      if (seed_summary.stopped_by_budget || best_summary.stopped_by_budget) {
        store->set_status("stopped: budget (final evaluation)");
        std::cerr << "maspo: the final evaluation stopped at a budget; `maspo resume " << run_dir
                  << "` finishes it\n";
        return kExitStoppedByBudget;
      }
      store->put_result("final_eval", {{"seed", summary_brief(seed_summary)},
                                       {"optimized", summary_brief(best_summary)},
                                       {"pool", split.note}});
      std::cout << fmt::format("test split ({} items; {}):\n", seed_summary.total, split.note);
      for (const auto& [name, s] : {std::pair{"seed", &seed_summary}, std::pair{"optimized", &best_summary}}) {
        std::cout << fmt::format("  {:<10} {:>5.1f}%  (95% CI {:.1f}-{:.1f}; {}/{} correct, {} errors)\n", name,
                                 100.0 * s->accuracy, 100.0 * s->ci95.low, 100.0 * s->ci95.high, s->correct, s->total,
                                 s->errors);
      }
    } catch (const llm::BudgetExceeded&) {
      store->set_status("stopped: budget (final evaluation)");
      std::cerr << "maspo: the final evaluation stopped at a budget; `maspo resume " << run_dir << "` finishes it\n";
      return kExitStoppedByBudget;
    }
  }
  // Usage of the optimization steps is recorded with each step; this is the whole session's,
  // final evaluation included.
  json usage = json::array();
  for (const auto& u : client.usage()) {
    usage.push_back({{"role", u.role}, {"model", u.model}, {"calls", u.calls}, {"cached_calls", u.cached_calls},
                     {"prompt_tokens", u.usage.prompt_tokens}, {"completion_tokens", u.usage.completion_tokens},
                     {"dollars", u.dollars}});
  }
  store->put_result("last_session_usage", usage);
  store->set_status("finished");
  std::cout << "usage: " << usage_text(client.usage()) << "\n";
  return 0;
}

}  // namespace maspo::cli
