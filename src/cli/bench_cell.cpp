#include "cli/bench_cell.hpp"

#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "cli/progress_line.hpp"
#include "cli/run_setup.hpp"
#include "maspo/opt.hpp"
#include "maspo/store.hpp"
#include "maspo/util.hpp"

namespace maspo::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string folder_of(const std::string& system) {
  std::string base = mas::is_builtin_spec(system) ? system : fs::path(system).stem().string();
  for (char& c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return base;
}

json usage_json(const std::vector<llm::UsageLine>& usage, double wall_s) {
  json calls = json::object(), cached = json::object();
  double tokens = 0.0, dollars = 0.0;
  for (const auto& u : usage) {
    calls[u.role] = calls.value(u.role, 0) + u.calls;
    cached[u.role] = cached.value(u.role, 0) + u.cached_calls;
    tokens += static_cast<double>(u.usage.total());
    dollars += u.dollars;
  }
  return {{"calls", calls}, {"cached_calls", cached}, {"tokens", tokens}, {"dollars", dollars}, {"wall_s", wall_s}};
}

json outcome_json(const harness::CellOutcome& c) {
  json items = json::array();
  for (const auto& [id, ok] : c.items) items.push_back({id, ok});
  return {{"method", c.method},         {"system", c.system},     {"dataset", c.dataset}, {"seed", c.seed},
          {"status", c.status},         {"error", c.error},       {"items", items},       {"dir", c.dir},
          {"optimization", c.optimization}, {"evaluation", c.evaluation}};
}

harness::CellOutcome outcome_from_json(const json& j) {
  harness::CellOutcome c;
  c.method = j.at("method");
  c.system = j.at("system");
  c.dataset = j.at("dataset");
  c.seed = j.at("seed");
  c.status = j.at("status");
  c.error = j.at("error");
  for (const auto& it : j.at("items")) c.items.emplace_back(it.at(0).get<std::string>(), it.at(1).get<bool>());
  c.dir = j.at("dir");
  c.optimization = j.at("optimization");
  c.evaluation = j.at("evaluation");
  return c;
}

// Scored items of a finished evaluation, one per id in first-seen order; a failed item counts as
// wrong. A resume appends a new line for an item it redid (an error rerun): the last line wins.
std::vector<std::pair<std::string, bool>> read_items(const fs::path& path) {
  std::vector<std::pair<std::string, bool>> out;
  std::map<std::string, std::size_t> at;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("id")) continue;   // a torn last line: the harness redoes it
    const std::string id = j["id"].get<std::string>();
    const bool correct = j.value("correct", false);
    auto [it, fresh] = at.emplace(id, out.size());
    if (fresh) out.emplace_back(id, correct);
    else out[it->second].second = correct;
  }
  return out;
}

llm::ClientOptions client_options(const BenchInputs& in, const fs::path& dir) {
  llm::ClientOptions o = in.config.llm;
  if (o.cache.mode != llm::CacheMode::off) o.cache.path = (dir / "cache.sqlite").string();
  return o;
}

// The optimization phase: returns the prompts to evaluate and what it spent.
std::pair<mas::PromptMap, json> optimize(const BenchInputs& in, const fs::path& dir, const CellKey& key,
                                         std::shared_ptr<const mas::System> system, const data::Split& split,
                                         const eval::Grader& grader, const std::string& label) {
  if (fs::exists(dir / "optimization.json")) {
    return {json::parse(read_file(dir / "best_prompts.json")).get<mas::PromptMap>(),
            json::parse(read_file(dir / "optimization.json"))};
  }
  opt::Settings settings = in.spec.settings;
  settings.seed = key.seed;
  llm::ClientOptions options = client_options(in, dir);
  for (const auto& [role, budget] : in.spec.budgets) options.budgets[role] = budget;
  llm::Client client(options);
  std::unique_ptr<store::RunStore> st;
  // A cell killed inside create() left an empty database: create() starts it over.
  if (store::RunStore::started(dir)) {
    st = store::RunStore::open(dir);
  } else {
    st = store::RunStore::create(dir, {{"method", opt::to_string(key.method)}, {"system", key.system},
                                       {"data", in.spec.datasets.empty() ? "" : key.dataset},
                                       {"seed", key.seed}, {"settings", opt::to_json(settings)},
                                       {"baselines", opt::to_json(in.spec.baselines)}});
  }
  ProgressLine line;
  auto progress = [&](const opt::ProgressEvent& e) {
    line.update(int(e.steps_done), int(e.steps_total),
                fmt::format("{} optimize: {} step {}/{}  best {:.3f}", label, e.agent, e.steps_done, e.steps_total,
                            e.best_reward),
                e.steps_done >= e.steps_total);
  };
  const auto started = std::chrono::steady_clock::now();
  mas::PromptMap prompts;
  bool stopped = false;
  std::string failure;
  const mas::PromptMap seed = system->seed_prompts();
  if (key.method == opt::Method::maspo) {
    opt::Maspo maspo(client, system, split.pool, settings, *st);
    opt::SearchState state = maspo.initial_state(seed);
    if (auto cp = st->latest_checkpoint()) state = opt::search_state_from_json(cp->state);
    opt::Result r = state.done ? opt::Result{state.prompts, state, false, ""} : maspo.run(state, progress);
    prompts = r.prompts;
    stopped = r.stopped_by_budget;
    failure = r.stopped_by_failure;
  } else {
    opt::BaselineResult r = opt::run_baseline(key.method, client, system, split.pool, seed, settings,
                                              in.spec.baselines, grader, *st, progress);
    prompts = r.prompts;
    stopped = r.stopped_by_budget;
    failure = r.stopped_by_failure;
  }
  // The cell stays unfinished: the next `maspo bench` resumes its optimization from the store.
  if (!failure.empty()) throw std::runtime_error("the model service failed during the optimization: " + failure);
  json cost = usage_json(client.usage(), std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  cost["stopped_by_budget"] = stopped;
  st->put_result("bench_optimization", cost);
  write_file_atomic(dir / "best_prompts.json", json(prompts).dump(2) + "\n");
  write_file_atomic(dir / "optimization.json", cost.dump(2) + "\n");
  return {prompts, cost};
}

}  // namespace

std::string system_folder(const std::string& system) { return folder_of(system); }

std::string system_label(const std::string& system) {
  return mas::is_builtin_spec(system) ? system : fs::path(system).filename().string();
}

fs::path cell_path(const CellKey& key) {
  return fs::path("cells") / folder_of(key.system) / key.dataset / std::string(opt::to_string(key.method)) /
         ("seed-" + std::to_string(key.seed));
}

std::optional<harness::CellOutcome> load_cell(const fs::path& bench_dir, const CellKey& key) {
  const fs::path file = bench_dir / cell_path(key) / "cell.json";
  if (!fs::exists(file)) return std::nullopt;
  try {
    return outcome_from_json(json::parse(read_file(file)));
  } catch (const json::exception& e) {
    throw InputError(file.string() + ": not a readable cell result (" + e.what() + "); delete it to rerun the cell");
  }
}

harness::CellOutcome run_cell(const BenchInputs& in, const fs::path& bench_dir, const CellKey& key,
                              const std::string& label) {
  const fs::path rel = cell_path(key);
  const fs::path dir = bench_dir / rel;
  fs::create_directories(dir);
  const data::Dataset& test = in.tests.at(key.dataset);
  auto pool_it = in.pools.find(key.dataset);
  const data::Dataset* pool = pool_it == in.pools.end() ? nullptr : &pool_it->second;
  std::shared_ptr<const mas::System> system = in.systems.at({key.system, key.dataset});
  const data::Split split = data::make_split(test, pool, in.spec.settings.pool_size, key.seed, in.spec.eval_limit);
  const eval::Grader grader = make_grader(test.task, false);

  harness::CellOutcome out;
  out.method = std::string(opt::to_string(key.method));
  out.system = system_label(key.system);
  out.dataset = key.dataset;
  out.seed = key.seed;
  out.dir = rel.string();

  std::shared_ptr<const mas::System> eval_system = system;
  mas::PromptMap prompts = system->seed_prompts();
  if (opt::optimizes_prompts(key.method)) {
    auto [best, cost] = optimize(in, dir, key, system, split, grader, label);
    prompts = std::move(best);
    out.optimization = std::move(cost);
  } else {
    eval_system = opt::inference_system(key.method, *system, in.spec.baselines);
    prompts = opt::inference_prompts(key.method, *eval_system, prompts);
    write_file_atomic(dir / "best_prompts.json", json(prompts).dump(2) + "\n");
  }

  llm::ClientOptions options = client_options(in, dir);
  options.roles = agent_roles(*eval_system, in.config.llm);
  llm::Client client(options);
  data::Dataset test_split = test;
  test_split.examples = split.test;
  test_split.skipped.clear();
  harness::RunOptions run;
  run.out_dir = dir / "eval";
  run.limit = in.spec.eval_limit;
  run.seed = key.seed;
  run.max_questions_in_flight = in.spec.concurrency;
  auto line = std::make_shared<ProgressLine>();
  run.on_progress = [line, label](const harness::Progress& p) {
    line->update(p.done, p.total,
                 fmt::format("{} eval: acc {:.1f}%", label, p.done > 0 ? 100.0 * p.correct / p.done : 0.0),
                 p.done == p.total);
  };
  const harness::Summary s = harness::evaluate(client, eval_system, prompts, test_split, grader, run);
  if (s.stopped_by_budget) throw BenchBudgetStop{label + ": the evaluation stopped at a budget of the config"};
  // The cell stays unfinished (no cell.json): the next `maspo bench` evaluates the missing items.
  if (!s.stopped_by_failure.empty()) throw std::runtime_error("the model service failed: " + s.stopped_by_failure);
  out.items = read_items(dir / "eval" / "items.jsonl");
  out.evaluation = usage_json(client.usage(), s.wall_s);
  out.status = "done";
  write_file_atomic(dir / "cell.json", outcome_json(out).dump(2) + "\n");
  return out;
}

}  // namespace maspo::cli
