// bench_opt_calls — LLM calls of one MASPO run of the paper's configuration (K=2, K_sub=2,
// |B|=10, |D|=50, T=3, D=3) on the synthetic testbed (tests/support/synthetic_testbed.hpp, a
// TEST DOUBLE: scripted agents, optimizer and judge), beside what the reference code would call
// for the same decisions (MASPO.md §12), counted from the run store of this very run.
//
// maspo's calls are what the client sent to a backend (cache misses); the reference code has no
// cache, so every request it builds is a call. For each layer of agent k (of L, in topological
// order) and each parent the reference expands:
//   reference run   |B|·L agent calls            (plus |B|·L compressions in summary mode)
//   proposals       K_sub optimizer calls
//   per child       |B|·(L−k+1) agent calls and 3·|B| judge calls (|B| for the terminal agent)
// and per refresh: one reference run, then per re-scored node |B|·(L−k+1) agent calls and 2·|B|
// judge calls (local and global; |B| for the terminal agent).
//
//   bench_opt_calls [--compat reference|paper] [--seed N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "maspo/opt.hpp"
#include "maspo/store.hpp"
#include "support/synthetic_testbed.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace opt = maspo::opt;
namespace fs = std::filesystem;

struct Counts {
  std::map<std::string, std::int64_t> calls;   // role -> calls
  std::int64_t total() const {
    std::int64_t t = 0;
    for (const auto& [role, n] : calls) t += n;
    return t;
  }
};

// What the reference code would have called for the layers and refreshes recorded in `store`.
Counts reference_calls(const maspo::store::RunStore& store, const maspo::mas::System& system,
                       const opt::Settings& s) {
  const int L = static_cast<int>(system.agents().size());
  const bool summary = system.context_mode() == maspo::mas::ContextMode::summary;
  const std::int64_t per_agent_run = summary ? 2 : 1;   // role call (+ compression)
  auto downstream = [&](const std::string& agent) {
    return static_cast<std::int64_t>(system.descendants(agent).size()) + 1;
  };
  Counts c;
  // proposals: one row per optimizer call, K_sub per expanded parent, grouped by layer.
  std::map<std::tuple<std::string, int, int>, std::int64_t> proposals_per_layer;
  for (const auto& p : store.rows("proposals")) {
    const std::string agent = p.at("agent");
    proposals_per_layer[{agent, p.at("round").get<int>(), p.at("layer").get<int>()}] += 1;
    c.calls["optimizer"] += 1;
    const std::string status = p.at("status");
    // The reference evaluates every sanitized proposal, duplicates included.
    if (status.rfind("rejected", 0) != 0) {
      c.calls["agents"] += s.batch_size * downstream(agent) * per_agent_run;
      c.calls["judge"] += (agent == system.sink() ? 1 : 3) * s.batch_size;
    }
  }
  for (const auto& [key, n] : proposals_per_layer) {
    const std::int64_t parents = (n + s.children_per_parent - 1) / s.children_per_parent;
    c.calls["agents"] += parents * s.batch_size * L * per_agent_run;
  }
  std::map<std::pair<std::string, int>, bool> refreshed;
  for (const auto& sc : store.rows("scores")) {
    if (sc.at("context") != "refresh") continue;
    const std::string agent = sc.at("agent");
    auto key = std::make_pair(agent, sc.at("round").get<int>());
    if (!refreshed[key]) {
      refreshed[key] = true;
      c.calls["agents"] += s.batch_size * L * per_agent_run;
    }
    c.calls["agents"] += s.batch_size * downstream(agent) * per_agent_run;
    c.calls["judge"] += (agent == system.sink() ? 1 : 2) * s.batch_size;
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  opt::Settings s;   // the paper's configuration
  s.seed = 1;
  s.compat = opt::Compat::reference;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--compat") && i + 1 < argc) {
      s.compat = *opt::parse_compat(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) {
      s.seed = std::stoull(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench_opt_calls [--compat reference|paper] [--seed N]\n");
      return 2;
    }
  }
  maspo::testing::TempDir tmp("maspo-bench-opt");
  maspo::testing::Testbed tb = maspo::testing::make_testbed(s.pool_size);
  auto store = maspo::store::RunStore::create(tmp.path() / "run", {{"bench", "opt_calls"}});
  maspo::llm::Client client(tb.client_options((tmp.path() / "cache.sqlite").string()));
  opt::Maspo maspo(client, tb.system, tb.pool, s, *store);
  const auto t0 = std::chrono::steady_clock::now();
  opt::Result result = maspo.run(maspo.initial_state(tb.seed));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Counts ours;
  std::int64_t hits = 0;
  for (const auto& u : client.usage()) {
    ours.calls[u.role] += u.calls;
    hits += u.cached_calls;
  }
  Counts ref = reference_calls(*store, *tb.system, s);

  std::printf("bench_opt_calls: synthetic testbed (TEST DOUBLE, 2 agents, raw context), compat %s, seed %llu\n",
              std::string(opt::to_string(s.compat)).c_str(), static_cast<unsigned long long>(s.seed));
  std::size_t refresh_scores = 0;
  for (const auto& sc : store->rows("scores")) refresh_scores += sc.at("context") == "refresh";
  std::printf("K=%d K_sub=%d |B|=%d |D|=%d T=%d D=%d; %zu proposals, %zu refresh scores; wall %.2f s\n",
              s.beam_width, s.children_per_parent, s.batch_size, s.pool_size, s.layers_per_visit, s.rounds,
              store->rows("proposals").size(), refresh_scores, wall);
  std::printf("%-10s %12s %12s %8s\n", "role", "maspo", "reference", "ratio");
  for (const char* role : {"agents", "optimizer", "judge"}) {
    const double r = ref.calls[role] ? static_cast<double>(ours.calls[role]) / ref.calls[role] : 0.0;
    std::printf("%-10s %12lld %12lld %8.3f\n", role, static_cast<long long>(ours.calls[role]),
                static_cast<long long>(ref.calls[role]), r);
  }
  const double ratio = static_cast<double>(ours.total()) / static_cast<double>(ref.total());
  std::printf("%-10s %12lld %12lld %8.3f   (%.1f%% fewer calls; %lld requests answered from the cache)\n", "total",
              static_cast<long long>(ours.total()), static_cast<long long>(ref.total()), ratio,
              100.0 * (1.0 - ratio), static_cast<long long>(hits));
  std::printf("best predictor prompt: %s\n", result.prompts.at("predictor").substr(0, 60).c_str());
  return 0;
}
