// Bench files (docs/bench.md): which methods, systems, datasets and seeds to compare, with what
// optimizer settings, baseline options and budgets. Read through config::Field, so every error
// names the file, the line and the key like a config error does.
#include <charconv>
#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include "config/sections.hpp"
#include "maspo/util.hpp"

namespace maspo {

namespace {

using config::Field;
namespace fs = std::filesystem;

// `${MASPO_DATASETS}`: the variable, else the datasets folder where this project keeps it.
std::string datasets_root(const Field& f) {
  if (const char* env = std::getenv("MASPO_DATASETS"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (fs::is_directory("../shared/datasets", ec)) return fs::absolute("../shared/datasets").lexically_normal().string();
  f.fail("${MASPO_DATASETS} is not set and no datasets folder was found (../shared/datasets); set MASPO_DATASETS");
}

std::string path_value(const Field& f) {
  std::string text = f.string();
  const std::string var = "${MASPO_DATASETS}";
  for (auto at = text.find(var); at != std::string::npos; at = text.find(var)) text.replace(at, var.size(), datasets_root(f));
  if (text.empty()) f.fail("expected a file path, got an empty string");
  fs::path p(text);
  return (p.is_absolute() ? p : (f.source().dir / p)).lexically_normal().string();
}

BenchDataset dataset(const Field& entry) {
  BenchDataset d;
  d.name = entry.key();
  // The name becomes a folder of every cell and part of NAME:FORMAT=PATH.
  const bool safe = !d.name.empty() && d.name != "." && d.name != ".." &&
                    d.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
                        std::string::npos;
  if (!safe) entry.fail("a dataset name may hold only letters, digits, '_', '.' and '-' (it names the cells' folders)");
  std::string format;
  for (const Field& f : entry.entries()) {
    if (f.key() == "data") d.data = path_value(f);
    else if (f.key() == "pool") d.pool = path_value(f);
    else if (f.key() == "format") format = f.string();
    else f.fail_unknown({"data", "pool", "format"});
  }
  if (d.data.empty()) entry.fail_missing("data", "the test split's file");
  const std::string prefix = d.name + (format.empty() ? "" : ":" + format) + "=";
  d.data = prefix + d.data;
  if (!d.pool.empty()) d.pool = prefix + d.pool;
  return d;
}

std::vector<std::uint64_t> seeds(const Field& f) {
  std::vector<std::uint64_t> out;
  for (const std::string& text : f.string_or_list()) {
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) f.fail("expected non-negative whole numbers, got '" + text + "'");
    out.push_back(v);
  }
  return out;
}

std::vector<opt::Method> methods(const Field& f) {
  std::vector<opt::Method> out;
  for (const std::string& name : f.string_or_list()) {
    auto m = opt::parse_method(name);
    if (!m) {
      std::string list;
      for (auto known : opt::all_methods()) list += (list.empty() ? "" : ", ") + std::string(opt::to_string(known));
      f.fail("unknown method '" + name + "' (expected one of: " + list + ")");
    }
    if (std::find(out.begin(), out.end(), *m) != out.end()) f.fail("method '" + name + "' is listed twice");
    out.push_back(*m);
  }
  return out;
}

}  // namespace

BenchSpec parse_bench_spec(std::string_view yaml, const std::string& file_name, const fs::path& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw InputError(where(file_name, e.mark.is_null() ? 0 : e.mark.line + 1, "", "invalid YAML: " + e.msg));
  }
  config::Source source{file_name, base_dir};
  Field top(source, root, "", 1);
  BenchSpec spec;
  spec.source = file_name;
  spec.name = fs::path(file_name).stem().string();
  bool has_methods = false, has_systems = false, has_datasets = false;
  for (const Field& f : top.entries()) {
    const std::string& k = f.key();
    if (k == "name") spec.name = f.string();
    else if (k == "config") spec.config = path_value(f);
    else if (k == "methods") { spec.methods = methods(f); has_methods = true; }
    else if (k == "systems") {
      for (const std::string& s : f.string_or_list()) {
        const fs::path p = (base_dir / s).lexically_normal();
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) spec.systems.push_back(p.string());
        else if (mas::is_builtin_spec(s)) spec.systems.push_back(s);
        else f.fail("'" + s + "' is neither a system file (relative to this file) nor a built-in system");
      }
      has_systems = true;
    } else if (k == "context") spec.context = f.one_of({"raw", "summary"});
    else if (k == "datasets") {
      for (const Field& d : f.entries()) spec.datasets.push_back(dataset(d));
      has_datasets = !spec.datasets.empty();
    } else if (k == "seeds") spec.seeds = seeds(f);
    else if (k == "eval_limit") spec.eval_limit = f.positive_int32();
    else if (k == "settings") {
      Config scratch;
      config::parse_optimizer(f, scratch);
      spec.settings = scratch.optimizer;
    } else if (k == "baselines") {
      try {
        spec.baselines = opt::baseline_options_from_json(f.map_as_json());
      } catch (const std::invalid_argument& e) {
        f.fail(e.what());
      }
    } else if (k == "budget") {
      Config scratch;
      config::parse_budget(f, scratch);
      spec.budgets = scratch.llm.budgets;
    } else if (k == "concurrency") spec.concurrency = f.positive_int32();
    else if (k == "on_bad_line") spec.on_bad_line = f.one_of({"fail", "skip"});
    else {
      f.fail_unknown({"name", "config", "methods", "systems", "context", "datasets", "seeds", "eval_limit", "settings",
                      "baselines", "budget", "concurrency", "on_bad_line"});
    }
  }
  if (!has_methods) top.fail_missing("methods", "the methods to compare, e.g. [seed, maspo, spo]");
  if (!has_systems) top.fail_missing("systems", "built-in specs or system files");
  if (!has_datasets) top.fail_missing("datasets", "a map NAME: {data: PATH}");
  return spec;
}

BenchSpec load_bench_spec(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw InputError(path.string() + ": bench file not found (or not a regular file)");
  return parse_bench_spec(read_file(path), path.string(), fs::absolute(path).parent_path());
}

}  // namespace maspo
