// Reading a run directory for the report. Nothing here throws for a missing or malformed part
// (only for a directory with no run store): the report says what is absent instead.
#include "report/run_data.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "maspo/store.hpp"
#include "report/html.hpp"
#include "report/run_sections.hpp"

namespace maspo::report {

namespace fs = std::filesystem;

namespace {

json read_json_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return json();
  json j = json::parse(in, nullptr, false);
  return j.is_discarded() ? json() : j;
}

EvalSide load_eval(const fs::path& run_dir, const std::string& name, const std::string& dir_name) {
  EvalSide side;
  side.name = name;
  side.dir_name = dir_name;
  const fs::path dir = run_dir / dir_name;
  std::error_code ec;
  side.present = fs::is_directory(dir, ec);
  if (!side.present) return side;
  json summary = read_json_file(dir / "summary.json");
  if (summary.is_object()) side.summary = std::move(summary);
  std::ifstream in(dir / "items.jsonl", std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json item = json::parse(line, nullptr, false);
    if (item.is_object()) {
      side.items.push_back(std::move(item));
    } else {
      ++side.unreadable_lines;
    }
  }
  return side;
}

void add_agent(std::vector<std::string>& agents, const std::string& agent) {
  if (!agent.empty() && std::find(agents.begin(), agents.end(), agent) == agents.end()) agents.push_back(agent);
}

std::vector<std::string> agent_order(const RunData& r) {
  std::vector<std::string> agents;
  for (const json* table : {&r.beams, &r.scores, &r.proposals, &r.prompts}) {
    for (const auto& row : *table) add_agent(agents, html::text(row, "agent"));
  }
  for (const json* prompts : {&r.best_prompts, &html::field(r.config, "seed_prompts")}) {
    if (!prompts->is_object()) continue;
    for (const auto& [agent, _] : prompts->items()) add_agent(agents, agent);
  }
  return agents;
}

std::vector<std::string> absent_parts(const RunData& r) {
  std::vector<std::string> out;
  if (r.config.empty()) out.push_back("the run's inputs (config)");
  if (r.beams.empty() && r.scores.empty()) out.push_back("search steps: no layer has been recorded yet");
  if (r.usage.empty()) out.push_back("usage snapshots (recorded with each step)");
  if (r.best_prompts.is_null()) out.push_back("best_prompts.json (written when the search finishes)");
  // A bench cell evaluates in eval/ and keeps no final_eval: its summary.json is the result.
  const bool bench_cell = r.evals[1].dir_name == "eval";
  const bool summarized = bench_cell && r.evals[1].summary.is_object();
  if (r.final_eval.is_null() && !summarized) out.push_back("the final evaluation's result (final_eval in the run store)");
  for (const auto& side : r.evals) {
    if (bench_cell && side.name == "seed") continue;   // the bench's `seed` method is the comparison
    if (!side.present) out.push_back(side.dir_name + "/ (the " + side.name + " prompts' evaluation)");
    else if (side.summary.is_null()) out.push_back(side.dir_name + "/summary.json");
  }
  return out;
}

}  // namespace

RunData load_run(const fs::path& run_dir) {
  auto store = store::RunStore::open(run_dir);
  RunData r;
  r.dir = run_dir;
  r.config = store->config();
  if (!r.config.is_object()) r.config = json::object();
  if (const auto m = html::text(r.config, "method"); !m.empty()) r.method = m;
  r.layered = r.method == "maspo";
  r.status = store->status();
  r.final_eval = store->result("final_eval").value_or(json());
  r.session_usage = store->result("last_session_usage").value_or(json());
  r.proposals = store->rows("proposals");
  r.judgements = store->rows("judgements");
  r.scores = store->rows("scores");
  r.beams = store->rows("beams");
  r.metrics = store->rows("metrics");
  r.prompts = store->rows("prompts");
  r.usage = store->rows("usage");
  json best = read_json_file(run_dir / "best_prompts.json");
  if (best.is_object()) r.best_prompts = std::move(best);
  std::error_code ec;
  const bool bench_cell = !fs::exists(run_dir / "eval-optimized", ec) && fs::is_directory(run_dir / "eval", ec);
  r.evals = {load_eval(run_dir, "seed", "eval-seed"),
             load_eval(run_dir, "optimized", bench_cell ? "eval" : "eval-optimized")};
  r.agents = agent_order(r);
  r.absent = absent_parts(r);
  return r;
}

std::vector<json> rows_of(const json& table, const std::string& agent) {
  std::vector<json> out;
  for (const auto& row : table) {
    if (html::text(row, "agent") == agent) out.push_back(row);
  }
  return out;
}

std::string position_label(const RunData& run, const json& row) {
  const std::int64_t round = html::count(row, "round").value_or(0);
  if (!run.layered) return "iteration " + std::to_string(round + 1);
  const bool refresh = html::text(row, "context") == "refresh" || html::count(row, "layer").value_or(0) < 0;
  return step_label(round, refresh ? -1 : html::count(row, "layer").value_or(0));
}

std::string seed_prompt(const RunData& run, const std::string& agent) {
  const json& seeds = html::field(run.config, "seed_prompts");
  if (const auto s = html::text(seeds, agent); !s.empty()) return s;
  // The initial beam holds the seed alone: a node with no proposal in its path.
  for (const auto& beam : rows_of(run.beams, agent)) {
    for (const auto& node : html::field(beam, "nodes")) {
      const json& path = html::field(node, "path");
      if (path.is_array() && path.empty()) return html::text(node, "prompt");
    }
  }
  for (const auto& p : rows_of(run.proposals, agent)) {
    if (html::count(p, "round") == 0 && html::count(p, "layer") == 0) return html::text(p, "parent_prompt");
  }
  for (const auto& item : run.evals[0].items) {
    for (const auto& a : html::field(html::field(item, "trace"), "agents")) {
      if (html::text(a, "agent") == agent) return html::text(a, "prompt");
    }
  }
  return "";
}

std::string best_prompt(const RunData& run, const std::string& agent) {
  if (const auto b = html::text(run.best_prompts, agent); !b.empty()) return b;
  const auto improvements = rows_of(run.prompts, agent);
  return improvements.empty() ? "" : html::text(improvements.back(), "prompt");
}

}  // namespace maspo::report
