// Runs for the report tests: a REAL optimization on the synthetic testbed (a test double, see
// tests/support/synthetic_testbed.hpp) with a real final evaluation through the harness, so the
// report reads rows the optimizer wrote; optionally with hostile text injected where model output
// lands (a proposal reply, a judge reply, a best prompt, an item's answer, error and output).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "maspo/harness.hpp"
#include "maspo/opt.hpp"
#include "maspo/store.hpp"
#include "maspo/util.hpp"
#include "support/synthetic_testbed.hpp"

namespace maspo::report::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline constexpr std::string_view kScript = "<script>alert(1)</script>";
inline constexpr std::string_view kImg = "\"><img src=x onerror=alert(1)>";
inline constexpr std::string_view kHostile = "A & B <script>alert(1)</script> \"><img src=x onerror=alert(1)> 'q'";

inline std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

inline opt::Settings small_settings() {
  opt::Settings s;
  s.beam_width = 2;
  s.batch_size = 4;
  s.pool_size = 8;
  s.layers_per_visit = 2;
  s.rounds = 2;
  s.seed = 7;
  return s;
}

inline json run_config(const maspo::testing::Testbed& tb, const opt::Settings& s) {
  return {{"system", "synthetic-testbed"}, {"data", "synthetic=pool"}, {"settings", opt::to_json(s)},
          {"seed_prompts", tb.seed}};
}

inline json brief(const harness::Summary& s) {
  return {{"correct", s.correct}, {"total", s.total}, {"accuracy", s.accuracy},
          {"ci95", {s.ci95.low, s.ci95.high}}, {"errors", s.errors}};
}

// The final evaluation as `maspo optimize` does it: seed and optimized prompts on a test split.
inline void evaluate_both(const maspo::testing::Testbed& tb, const mas::PromptMap& best, const fs::path& dir,
                          store::RunStore& st) {
  data::Dataset test;
  test.name = "synthetic";
  test.format = "synthetic";
  test.path = "synthetic.jsonl";
  test.examples = tb.pool;
  llm::Client client(tb.client_options());
  harness::RunOptions o;
  o.out_dir = dir / "eval-seed";
  auto seed = harness::evaluate(client, tb.system, tb.seed, test, eval::Grader(), o);
  o.out_dir = dir / "eval-optimized";
  auto optimized = harness::evaluate(client, tb.system, best, test, eval::Grader(), o);
  st.put_result("final_eval", {{"seed", brief(seed)}, {"optimized", brief(optimized)}, {"pool", "8 items"}});
  json usage = json::array();
  for (const auto& u : client.usage()) {
    usage.push_back({{"role", u.role}, {"model", u.model}, {"calls", u.calls}, {"cached_calls", u.cached_calls},
                     {"prompt_tokens", u.usage.prompt_tokens}, {"completion_tokens", u.usage.completion_tokens},
                     {"dollars", u.dollars}});
  }
  st.put_result("last_session_usage", usage);
}

// Model output that tries to break out of the page, where the report shows model output.
inline void inject_hostile(store::RunStore& st, const fs::path& dir, std::int64_t step) {
  st.begin_step(step);
  store::ProposalRecord p{"r9-predictor-l1-p0-c0", "predictor", 1, 0, "parent", std::string(kHostile), "",
                          "rejected: no <prompt> tag"};
  st.record(p);
  store::JudgementRecord j;
  j.proposal_id = p.id;
  j.agent = "predictor";
  j.question_id = std::string(kHostile);
  j.kind = "intermediate-local";
  j.order = "candidate=A";
  j.replies = json::array({std::string(kHostile)});
  j.parsed = false;
  j.context = "layer";
  st.record(j);
  st.commit_step(json::object());
  std::ofstream items(dir / "eval-optimized" / "items.jsonl", std::ios::app);
  items << json{{"id", "hostile-item"}, {"extracted", kHostile}, {"gold", "1"}, {"correct", false},
                {"status", "error"}, {"error", kHostile}, {"trace", {{"final_output", kHostile}}}}
               .dump()
        << "\n";
}

// A finished run in `dir` (steps, best_prompts.json, both evaluations, usage); `hostile` adds
// kHostile to a proposal reply, a judge reply, the predictor's best prompt and one item.
inline void make_full_run(const fs::path& dir, bool hostile) {
  const maspo::testing::Testbed tb = maspo::testing::make_testbed(8);
  const opt::Settings s = small_settings();
  auto st = store::RunStore::create(dir, run_config(tb, s));
  opt::Result result;
  {
    llm::Client client(tb.client_options());
    opt::Maspo m(client, tb.system, tb.pool, s, *st);
    result = m.run(m.initial_state(tb.seed));
  }
  ASSERT_FALSE(result.stopped_by_budget);
  mas::PromptMap best = result.prompts;
  if (hostile) best["predictor"] += "\n" + std::string(kHostile);
  write_file_atomic(dir / "best_prompts.json", json(best).dump(2));
  evaluate_both(tb, result.prompts, dir, *st);
  if (hostile) inject_hostile(*st, dir, result.state.step + 1);
  st->set_status("finished");
}

}  // namespace maspo::report::testing
