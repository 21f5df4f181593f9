// The bench's results: per-cell accuracy with bootstrap intervals, per-method rows over seeds,
// the paired test against MASPO, cost, and the Markdown and CSV renderings of it all.
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "maspo/eval.hpp"
#include "maspo/harness.hpp"

namespace maspo::harness {

namespace {

// Bootstrap seeds are fixed so the same cells always give the same table.
constexpr std::uint64_t kBootstrapSeed = 20260505;

std::vector<double> outcomes(const std::vector<std::pair<std::string, bool>>& items) {
  std::vector<double> out;
  for (const auto& [id, ok] : items) out.push_back(ok ? 1.0 : 0.0);
  return out;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

json interval(const std::vector<double>& v) {
  const auto ci = eval::bootstrap_interval(v, 2000, kBootstrapSeed);
  return json::array({ci.low, ci.high});
}

double number(const json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0; }

double calls(const json& cost) {
  double n = 0;
  if (cost.contains("calls") && cost["calls"].is_object()) {
    for (const auto& [role, c] : cost["calls"].items()) n += c.get<double>();
  }
  return n;
}

// One question's results over the seeds: seed -> correct. The same question under several seeds
// is one unit of evidence, not several (the test split is the same for every seed when the pool
// is separate): intervals resample questions, and the paired test compares per-question means.
using ByItem = std::map<std::string, std::map<std::uint64_t, bool>>;   // "dataset/id" -> seed -> correct

ByItem by_item(const std::vector<const CellOutcome*>& cells) {
  ByItem out;
  for (const auto* c : cells) {
    for (const auto& [id, ok] : c->items) out[c->dataset + "/" + id][c->seed] = ok;
  }
  return out;
}

std::vector<double> item_means(const ByItem& items) {
  std::vector<double> out;
  for (const auto& [id, seeds] : items) {
    double sum = 0.0;
    for (const auto& [seed, ok] : seeds) sum += ok ? 1.0 : 0.0;
    out.push_back(sum / static_cast<double>(seeds.size()));
  }
  return out;
}

// Exact sign test on per-question differences (over the seeds both answered); with one seed it
// is exactly McNemar's test.
json paired(const ByItem& method, const ByItem& maspo) {
  int b = 0, c = 0, n = 0;
  double diff = 0.0;
  for (const auto& [id, seeds] : method) {
    auto it = maspo.find(id);
    if (it == maspo.end()) continue;
    double m = 0.0, x = 0.0;
    int shared = 0;
    for (const auto& [seed, ok] : seeds) {
      auto s = it->second.find(seed);
      if (s == it->second.end()) continue;
      ++shared;
      m += ok ? 1.0 : 0.0;
      x += s->second ? 1.0 : 0.0;
    }
    if (shared == 0) continue;
    ++n;
    diff += (m - x) / shared;
    if (m > x) ++b;
    if (m < x) ++c;
  }
  if (n == 0) return nullptr;
  return {{"diff", diff / n},
          {"p_value", eval::mcnemar_exact_p(b, c)},
          {"n", n},
          {"method_only", b},
          {"maspo_only", c},
          {"test", "exact McNemar (sign test over questions, seeds averaged)"}};
}

std::string pct(const json& v) { return v.is_number() ? fmt::format("{:.1f}", 100.0 * v.get<double>()) : "—"; }

}  // namespace

json bench_results(const std::string& bench, const std::string& file, const std::vector<std::string>& methods,
                   const std::vector<std::string>& systems, const std::vector<std::string>& datasets,
                   const std::vector<std::uint64_t>& seeds, const std::vector<CellOutcome>& cells) {
  json out = {{"bench", bench}, {"file", file},     {"methods", methods},
              {"systems", systems}, {"datasets", datasets}, {"seeds", seeds}};
  json cell_rows = json::array();
  for (const auto& c : cells) {
    json row = {{"method", c.method}, {"system", c.system}, {"dataset", c.dataset}, {"seed", c.seed},
                {"status", c.status}, {"error", c.error},   {"dir", c.dir},
                {"optimization", c.optimization}, {"evaluation", c.evaluation}};
    if (c.status == "done") {
      const auto v = outcomes(c.items);
      row["accuracy"] = mean(v);
      row["ci95"] = interval(v);
      row["correct"] = static_cast<int>(std::count(v.begin(), v.end(), 1.0));
      row["total"] = static_cast<int>(v.size());
    } else {
      row["accuracy"] = nullptr;
      row["ci95"] = nullptr;
    }
    cell_rows.push_back(std::move(row));
  }
  out["cells"] = cell_rows;

  json table = json::array();
  for (const auto& system : systems) {
    for (const auto& method : methods) {
      json row = {{"system", system}, {"method", method}};
      json per = json::object(), vs = json::object();
      json cost = {{"calls", 0.0}, {"tokens", 0.0}, {"dollars", 0.0}, {"wall_s", 0.0},
                   {"optimization", {{"calls", 0.0}, {"tokens", 0.0}, {"dollars", 0.0}, {"wall_s", 0.0}}}};
      std::vector<double> averages;
      bool complete = true;
      std::vector<const CellOutcome*> all_mine, all_maspo;
      for (const auto& dataset : datasets) {
        std::vector<const CellOutcome*> mine, theirs;
        for (const auto& c : cells) {
          if (c.system != system || c.dataset != dataset) continue;
          if (c.method == method) {
            for (const json* part : {&c.optimization, &c.evaluation}) {
              cost["calls"] = cost["calls"].get<double>() + calls(*part);
              cost["tokens"] = cost["tokens"].get<double>() + number(*part, "tokens");
              cost["dollars"] = cost["dollars"].get<double>() + number(*part, "dollars");
              cost["wall_s"] = cost["wall_s"].get<double>() + number(*part, "wall_s");
            }
            json& o = cost["optimization"];
            o["calls"] = o["calls"].get<double>() + calls(c.optimization);
            o["tokens"] = o["tokens"].get<double>() + number(c.optimization, "tokens");
            o["dollars"] = o["dollars"].get<double>() + number(c.optimization, "dollars");
            o["wall_s"] = o["wall_s"].get<double>() + number(c.optimization, "wall_s");
          }
          if (c.status != "done") continue;
          if (c.method == method) mine.push_back(&c);
          if (c.method == "maspo") theirs.push_back(&c);
        }
        const std::vector<double> v = item_means(by_item(mine));
        if (mine.empty()) {
          per[dataset] = {{"accuracy", nullptr}, {"ci95", nullptr}, {"n", 0}, {"seeds", 0}};
          complete = false;
        } else {
          per[dataset] = {{"accuracy", mean(v)}, {"ci95", interval(v)}, {"n", v.size()}, {"seeds", mine.size()}};
          averages.push_back(mean(v));
        }
        if (method != "maspo" && !theirs.empty() && !mine.empty()) vs[dataset] = paired(by_item(mine), by_item(theirs));
        all_mine.insert(all_mine.end(), mine.begin(), mine.end());
        all_maspo.insert(all_maspo.end(), theirs.begin(), theirs.end());
      }
      row["datasets"] = per;
      row["average"] = complete && !averages.empty() ? json(mean(averages)) : json(nullptr);
      if (method != "maspo" && !all_mine.empty() && !all_maspo.empty()) {
        // Over every dataset at once (questions are keyed by dataset, so ids never collide).
        vs["all"] = paired(by_item(all_mine), by_item(all_maspo));
      }
      row["vs_maspo"] = vs;
      row["cost"] = cost;
      table.push_back(std::move(row));
    }
  }
  out["table"] = table;
  return out;
}

std::string bench_markdown(const json& r) {
  const auto datasets = r["datasets"].get<std::vector<std::string>>();
  std::string md = fmt::format("# Bench `{}`\n\nAccuracy in % (95% bootstrap interval over questions); p: exact McNemar "
                               "(sign) test against MASPO on the same questions, seeds averaged per question, all "
                               "datasets pooled.\n\n",
                               r["bench"].get<std::string>());
  md += "| system | method |";
  for (const auto& d : datasets) md += " " + d + " |";
  md += " avg | Δ vs MASPO | p |\n|---|---|";
  for (std::size_t i = 0; i < datasets.size(); ++i) md += "---|";
  md += "---|---|---|\n";
  for (const auto& row : r["table"]) {
    md += "| " + row["system"].get<std::string>() + " | " + row["method"].get<std::string>() + " |";
    for (const auto& d : datasets) {
      const json& cell = row["datasets"][d];
      md += " " + pct(cell["accuracy"]);
      if (cell["ci95"].is_array()) md += fmt::format(" ({}–{})", pct(cell["ci95"][0]), pct(cell["ci95"][1]));
      md += " |";
    }
    md += " " + pct(row["average"]) + " |";
    const json all = row["vs_maspo"].contains("all") ? row["vs_maspo"]["all"] : json(nullptr);
    if (all.is_object()) {
      md += fmt::format(" {:+.1f} | {:.3g} |\n", 100.0 * all["diff"].get<double>(), all["p_value"].get<double>());
    } else {
      md += " — | — |\n";
    }
  }
  md += "\nCost per method (all cells; optimization = what the bench's budgets cap):\n\n"
        "| system | method | calls | tokens | dollars | wall s | optimization calls | optimization tokens |\n"
        "|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : r["table"]) {
    const json& c = row["cost"];
    md += fmt::format("| {} | {} | {:.0f} | {:.0f} | {:.4f} | {:.1f} | {:.0f} | {:.0f} |\n", row["system"].get<std::string>(),
                      row["method"].get<std::string>(), c["calls"].get<double>(), c["tokens"].get<double>(),
                      c["dollars"].get<double>(), c["wall_s"].get<double>(), c["optimization"]["calls"].get<double>(),
                      c["optimization"]["tokens"].get<double>());
  }
  int pending = 0;
  for (const auto& c : r["cells"]) pending += c["status"] != "done";
  if (pending > 0) md += fmt::format("\n{} cell(s) not done yet: `maspo bench` again resumes them.\n", pending);
  return md;
}

std::string bench_csv(const json& r) {
  auto field = [](const json& v) { return v.is_number() ? fmt::format("{:.6g}", v.get<double>()) : std::string(); };
  // The cost columns are the method's total over all datasets, repeated on each dataset's line.
  std::string csv =
      "system,method,dataset,accuracy,ci_low,ci_high,n,seeds,diff_vs_maspo,p_value,method_calls_all_datasets,"
      "method_tokens_all_datasets,method_dollars_all_datasets,method_wall_s_all_datasets\n";
  for (const auto& row : r["table"]) {
    for (const auto& [dataset, cell] : row["datasets"].items()) {
      const json vs = row["vs_maspo"].contains(dataset) ? row["vs_maspo"][dataset] : json(nullptr);
      const json& c = row["cost"];
      csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", row["system"].get<std::string>(),
                         row["method"].get<std::string>(), dataset, field(cell["accuracy"]),
                         cell["ci95"].is_array() ? field(cell["ci95"][0]) : "",
                         cell["ci95"].is_array() ? field(cell["ci95"][1]) : "", cell["n"].dump(), cell["seeds"].dump(),
                         vs.is_object() ? field(vs["diff"]) : "", vs.is_object() ? field(vs["p_value"]) : "",
                         field(c["calls"]), field(c["tokens"]), field(c["dollars"]), field(c["wall_s"]));
    }
  }
  return csv;
}

}  // namespace maspo::harness
