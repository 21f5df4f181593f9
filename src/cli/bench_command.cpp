// `maspo bench BENCH.yaml [--out DIR] [--dry-run]`: methods x systems x datasets x seeds under
// equal optimization budgets (docs/bench.md). Every input is loaded and checked before the first
// cell runs; each finished cell is kept (cell.json) and never rerun, so running the same command
// again resumes. After every cell, results.json, results.md and results.csv are rewritten.
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/bench_cell.hpp"
#include "cli/commands.hpp"
#include "cli/run_setup.hpp"
#include "maspo/util.hpp"

namespace maspo::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct BenchCommandOptions {
  std::string file;
  std::string out;
  bool dry_run = false;
};

// The parts of a bench that decide its numbers; a resume under a different protocol would mix
// results, so it is refused (adding methods, systems, datasets or seeds is fine).
json protocol(const BenchSpec& spec) {
  return {{"settings", opt::to_json(spec.settings)},
          {"baselines", opt::to_json(spec.baselines)},
          {"eval_limit", spec.eval_limit},
          {"budgets", [&] {
             json b = json::object();
             for (const auto& [role, x] : spec.budgets) {
               b[role] = {{"calls", x.calls ? json(*x.calls) : json(nullptr)},
                          {"tokens", x.tokens ? json(*x.tokens) : json(nullptr)},
                          {"dollars", x.dollars ? json(*x.dollars) : json(nullptr)}};
             }
             return b;
           }()}};
}

BenchInputs load_inputs(const BenchSpec& spec, const GlobalOptions& global) {
  BenchInputs in;
  in.spec = spec;
  std::set<std::string> labels, folders;
  for (const auto& s : spec.systems) {
    if (!labels.insert(system_label(s)).second || !folders.insert(system_folder(s)).second) {
      throw InputError(spec.source + ": systems: two systems share the name '" + system_label(s) + "' (folder '" +
                       system_folder(s) + "') in tables and cell folders; rename one file");
    }
  }
  in.config = load_config(!spec.config.empty() ? spec.config : global.config_path);
  for (const auto& d : spec.datasets) {
    const std::string where = spec.source + ": datasets." + d.name;
    in.tests.emplace(d.name, load_data_flag(d.data, spec.on_bad_line, where + ".data"));
    report_skipped_lines(in.tests.at(d.name));
    if (!d.pool.empty()) {
      in.pools.emplace(d.name, load_data_flag(d.pool, spec.on_bad_line, where + ".pool"));
      if (in.pools.at(d.name).task != in.tests.at(d.name).task) {
        throw InputError(where + ".pool: its task differs from the test split's");
      }
    }
    for (const auto& s : spec.systems) {
      auto system = std::make_shared<const mas::System>(load_system_flag(s, spec.context, in.tests.at(d.name).task));
      agent_roles(*system, in.config.llm);   // every agent's model role exists
      for (auto m : spec.methods) opt::inference_system(m, *system, spec.baselines);   // builds
      in.systems.emplace(std::make_pair(s, d.name), std::move(system));
    }
  }
  return in;
}

std::vector<CellKey> cells_of(const BenchSpec& spec) {
  std::vector<CellKey> out;
  for (const auto& d : spec.datasets) {
    for (const auto& s : spec.systems) {
      for (auto seed : spec.seeds) {
        for (auto m : spec.methods) out.push_back({m, s, d.name, seed});
      }
    }
  }
  return out;
}

// Model calls one question makes through `system` (agents + compressions): opt::estimate's final
// evaluation term, which counts the seed and the optimized prompts, halved.
std::int64_t calls_per_question(const mas::System& system, opt::Settings s) {
  s.rounds = 0;
  std::int64_t n = 0;
  for (const auto& [role, calls] : opt::estimate(system, s, 1).calls) n += calls;
  return n / 2;
}

// Upper bounds on the calls per role of one cell's optimization, from the method's constants.
std::map<std::string, std::int64_t> optimization_calls(opt::Method m, const mas::System& system, const BenchSpec& spec) {
  const auto& o = spec.baselines;
  const opt::Settings& s = spec.settings;
  const std::int64_t per_question = calls_per_question(system, s);
  const std::int64_t agents = static_cast<std::int64_t>(opt::optimizable_agents(system).size());
  switch (m) {
    case opt::Method::maspo: return opt::estimate(system, s, 0).calls;
    case opt::Method::isolated: return opt::estimate(system, opt::isolated_settings(s), 0).calls;
    case opt::Method::spo:
      return {{"agents", agents * o.iterations * 2 * o.spo_samples * per_question},
              {"optimizer", agents * o.iterations},
              {"judge", agents * o.iterations * o.spo_samples}};
    case opt::Method::opro:
      return {{"agents", agents * o.iterations * o.minibatch * per_question * (1 + o.opro_proposals)},
              {"optimizer", agents * o.iterations * o.opro_proposals}};
    case opt::Method::protegi:
      return {{"agents", agents * o.iterations * o.minibatch * per_question *
                             (1 + o.protegi_beam + o.protegi_beam * o.protegi_edits)},
              {"optimizer", agents * o.iterations * o.protegi_beam * (1 + o.protegi_edits)}};
    case opt::Method::tpe:
      return {{"agents", (agents + o.tpe_trials) * o.minibatch * per_question},
              {"optimizer", agents * (o.tpe_candidates - 1)}};
    default: return {};
  }
}

int dry_run(const BenchInputs& in) {
  std::map<std::string, std::map<std::string, std::int64_t>> by_method;   // method -> role -> calls
  for (const auto& key : cells_of(in.spec)) {
    const auto& system = *in.systems.at({key.system, key.dataset});
    auto& row = by_method[std::string(opt::to_string(key.method))];
    for (const auto& [role, n] : optimization_calls(key.method, system, in.spec)) {
      auto cap = in.spec.budgets.find(role);
      row[role] += cap != in.spec.budgets.end() && cap->second.calls ? std::min(n, *cap->second.calls) : n;
    }
    const auto eval_system = opt::inference_system(key.method, system, in.spec.baselines);
    int items = static_cast<int>(in.tests.at(key.dataset).examples.size());
    if (!in.pools.count(key.dataset)) items -= std::min(items, in.spec.settings.pool_size);
    if (in.spec.eval_limit > 0) items = std::min(items, in.spec.eval_limit);
    row["evaluation"] += calls_per_question(*eval_system, in.spec.settings) * items;
  }
  std::cout << fmt::format("bench `{}`: {} cells ({} methods x {} systems x {} datasets x {} seeds)\n", in.spec.name,
                           cells_of(in.spec).size(), in.spec.methods.size(), in.spec.systems.size(),
                           in.spec.datasets.size(), in.spec.seeds.size());
  std::cout << "upper bounds on model calls (no cache hits; optimization capped by the bench's call budgets):\n";
  std::cout << fmt::format("  {:<18} {:>12} {:>12} {:>12} {:>12} {:>12}\n", "method", "agents", "optimizer", "judge",
                           "evaluation", "total");
  for (auto m : in.spec.methods) {
    auto& row = by_method[std::string(opt::to_string(m))];
    const std::int64_t total = row["agents"] + row["optimizer"] + row["judge"] + row["evaluation"];
    std::cout << fmt::format("  {:<18} {:>12} {:>12} {:>12} {:>12} {:>12}\n", opt::to_string(m), row["agents"],
                             row["optimizer"], row["judge"], row["evaluation"], total);
  }
  return 0;
}

void write_results(const BenchInputs& in, const fs::path& out, const std::vector<harness::CellOutcome>& cells) {
  std::vector<std::string> methods, systems, datasets;
  for (auto m : in.spec.methods) methods.emplace_back(opt::to_string(m));
  for (const auto& s : in.spec.systems) systems.push_back(system_label(s));
  for (const auto& d : in.spec.datasets) datasets.push_back(d.name);
  const json results = harness::bench_results(in.spec.name, in.spec.source, methods, systems, datasets, in.spec.seeds, cells);
  write_file_atomic(out / "results.json", results.dump(2) + "\n");
  write_file_atomic(out / "results.md", harness::bench_markdown(results));
  write_file_atomic(out / "results.csv", harness::bench_csv(results));
}

int run_bench(const BenchCommandOptions& o, const GlobalOptions& global) {
  const BenchSpec spec = load_bench_spec(o.file);
  const BenchInputs in = load_inputs(spec, global);
  if (o.dry_run) return dry_run(in);
  const fs::path out = o.out.empty() ? fs::path("runs") / ("bench-" + spec.name) : fs::path(o.out);
  DirLock lock(out.string(), "bench.lock", "bench");
  const fs::path protocol_file = out / "protocol.json";
  if (fs::exists(protocol_file)) {
    const json before = json::parse(read_file(protocol_file), nullptr, false);
    if (before != protocol(spec)) {
      throw InputError(o.file + ": its settings, baselines, budget or eval_limit differ from those " + out.string() +
                       " was run with (protocol.json); use a new --out directory");
    }
  } else {
    write_file_atomic(protocol_file, protocol(spec).dump(2) + "\n");
  }

  const std::vector<CellKey> keys = cells_of(spec);
  std::vector<harness::CellOutcome> outcomes;
  for (const auto& key : keys) {
    harness::CellOutcome pending;
    pending.method = std::string(opt::to_string(key.method));
    pending.system = system_label(key.system);
    pending.dataset = key.dataset;
    pending.seed = key.seed;
    pending.dir = cell_path(key).string();
    outcomes.push_back(load_cell(out, key).value_or(pending));
  }
  int failed = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (outcomes[i].status == "done") continue;
    const std::string label = fmt::format("[{}/{}] {} {} {} seed {}", i + 1, keys.size(), outcomes[i].method,
                                          outcomes[i].system, keys[i].dataset, keys[i].seed);
    try {
      outcomes[i] = run_cell(in, out, keys[i], label);
    } catch (const BenchBudgetStop& stop) {
      write_results(in, out, outcomes);
      std::cerr << "maspo: " << stop.message << "; run `maspo bench " << o.file << "` again to resume\n";
      return kExitStoppedByBudget;
    } catch (const llm::BudgetExceeded& e) {
      write_results(in, out, outcomes);
      std::cerr << "maspo: " << label << ": stopped at a budget (" << e.what() << "); run the bench again to resume\n";
      return kExitStoppedByBudget;
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      // A model or runtime failure fails this cell, not the bench; the next run retries it.
      outcomes[i].status = "failed";
      outcomes[i].error = e.what();
      ++failed;
      std::cerr << "maspo: " << label << " failed: " << e.what() << "\n";
    }
    write_results(in, out, outcomes);
  }
  write_results(in, out, outcomes);
  std::cout << read_file(out / "results.md");
  std::cout << "\nresults: " << (out / "results.md").string() << ", results.csv, results.json; `maspo report "
            << out.string() << "` for the HTML report\n";
  return failed > 0 ? 1 : 0;
}

}  // namespace

Action add_bench_command(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<BenchCommandOptions>();
  auto* cmd = app.add_subcommand("bench", "Compare methods x systems x datasets x seeds under equal budgets (resumable)");
  cmd->add_option("bench", o->file, "Bench file (YAML; see docs/bench.md and examples/bench/)")->required();
  cmd->add_option("--out", o->out, "Bench directory (default runs/bench-<name>); run again to resume");
  cmd->add_flag("--dry-run", o->dry_run, "Check every input and print upper bounds on the calls; run nothing");
  return [o, &global] { return run_bench(*o, global); };
}

}  // namespace maspo::cli
