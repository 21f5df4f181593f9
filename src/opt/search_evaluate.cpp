#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <mutex>

#include <fmt/format.h>

#include "opt/search.hpp"

namespace maspo::opt::detail {

mas::ExecutorOptions search_executor_options(const llm::Client& client) {
  mas::ExecutorOptions o;
  if (!client.has_role("agents")) return o;
  const llm::RoleConfig& rc = client.role_config("agents");
  int slots = 0;
  if (rc.backend == "openai") {
    slots = rc.max_concurrency * std::max<int>(1, static_cast<int>(rc.endpoints.size()));
  } else if (rc.backend == "llama") {
    slots = rc.parallel;
  }
  o.max_questions_in_flight = std::max(o.max_questions_in_flight, slots);
  return o;
}

namespace {

using TracePtr = std::shared_ptr<const mas::Trace>;

std::vector<TracePtr> collect(mas::Executor& executor, std::vector<mas::Job> jobs) {
  std::vector<mas::Trace> traces = executor.run_jobs(std::move(jobs));
  std::vector<TracePtr> out;
  out.reserve(traces.size());
  for (auto& t : traces) {
    if (t.budget_exceeded) throw BudgetStop{t.error};
    if (t.service_failed) throw ServiceStop{t.error};
    out.push_back(std::make_shared<const mas::Trace>(std::move(t)));
  }
  return out;
}

// `base` with `agent`'s prompt replaced, shared by every job that runs it.
std::shared_ptr<const mas::PromptMap> with_prompt(const mas::PromptMap& base, const std::string& agent,
                                                  const std::string& prompt) {
  auto map = std::make_shared<mas::PromptMap>(base);
  (*map)[agent] = prompt;
  return map;
}

// `all` cut into `groups` consecutive lists of equal length (the jobs were queued group by group).
std::vector<std::vector<TracePtr>> split(const std::vector<TracePtr>& all, std::size_t groups) {
  std::vector<std::vector<TracePtr>> out(groups);
  const std::size_t size = groups == 0 ? 0 : all.size() / groups;
  for (std::size_t g = 0; g < groups; ++g) {
    const auto from = all.begin() + static_cast<std::ptrdiff_t>(g * size);
    out[g].assign(from, from + static_cast<std::ptrdiff_t>(size));
  }
  return out;
}

// One pairwise comparison to make, in the deterministic order the RNG draws were taken.
struct Comparison_ {
  std::size_t candidate = 0;
  std::size_t question = 0;
  std::string kind;       // as recorded: "local" | "lookahead:<agent>" | "global" | "terminal"
  JudgeInput input;
  std::uint64_t draw = 0;
};

std::string output_of(const mas::Trace& t, const std::string& agent) {
  const mas::AgentTrace* a = t.find(agent);
  return a == nullptr ? std::string() : a->output;
}

// Waits for a known number of callbacks.
class Latch {
 public:
  explicit Latch(std::size_t n) : left_(n) {}
  void count_down() {
    std::lock_guard lock(m_);
    if (--left_ == 0) cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return left_ == 0; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t left_;
};

}  // namespace

void stop_if_run_wide(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const llm::BudgetExceeded& e) {
    throw BudgetStop{e.what()};
  } catch (const llm::Error& e) {
    if (e.transient()) throw ServiceStop{e.what()};
  } catch (...) {
  }
}

std::vector<TracePtr> run_references(mas::Executor& executor, const mas::PromptMap& prompts,
                                     const std::vector<const data::Example*>& questions) {
  auto shared = std::make_shared<const mas::PromptMap>(prompts);
  std::vector<mas::Job> jobs;
  for (const auto* q : questions) jobs.push_back({q->question, shared, nullptr, {}});
  return collect(executor, std::move(jobs));
}

BaseAndParents run_base_and_parents(mas::Executor& executor, const mas::PromptMap& base, const std::string& agent,
                                    const std::vector<std::string>& parents,
                                    const std::vector<const data::Example*>& questions) {
  const mas::System& system = executor.system();
  BaseAndParents out;
  if (parents.empty() || system.descendants(agent).size() + 1 < system.agents().size()) {
    out.base = run_references(executor, base, questions);
    out.parents = rerun_each(executor, base, agent, parents, out.base);
    return out;
  }
  // `agent` reaches every agent: a re-run from it would copy nothing from the base run, so the
  // parents' runs are full runs with the same requests, and go out together with the base run
  // (one round trip per hop for all of them, instead of the base run's hops and then the re-runs').
  // The price: where a parent's output equals the base run's, a downstream request that would
  // have been a cache hit after the base run is sent twice, since nothing merges requests in flight.
  std::vector<std::shared_ptr<const mas::PromptMap>> maps = {std::make_shared<const mas::PromptMap>(base)};
  for (const auto& prompt : parents) maps.push_back(with_prompt(base, agent, prompt));
  std::vector<mas::Job> jobs;
  for (const auto& map : maps) {
    for (const auto* q : questions) jobs.push_back({q->question, map, nullptr, {}});
  }
  std::vector<std::vector<TracePtr>> runs = split(collect(executor, std::move(jobs)), maps.size());
  out.base = std::move(runs.front());
  out.parents.assign(std::make_move_iterator(runs.begin() + 1), std::make_move_iterator(runs.end()));
  return out;
}

std::vector<TracePtr> rerun_with(mas::Executor& executor, const mas::PromptMap& base, const std::string& agent,
                                 const std::string& prompt, const std::vector<TracePtr>& references) {
  return std::move(rerun_each(executor, base, agent, {prompt}, references).front());
}

std::vector<std::vector<TracePtr>> rerun_each(mas::Executor& executor, const mas::PromptMap& base,
                                              const std::string& agent, const std::vector<std::string>& prompts,
                                              const std::vector<TracePtr>& references) {
  std::vector<mas::Job> jobs;
  for (const auto& prompt : prompts) {
    const auto map = with_prompt(base, agent, prompt);
    for (const auto& ref : references) jobs.push_back({ref->question, map, ref, agent});
  }
  return split(collect(executor, std::move(jobs)), prompts.size());
}

std::vector<CandidateScore> evaluate_candidates(EvalEnv& env, const std::string& agent, const mas::PromptMap& base,
                                                const std::vector<const data::Example*>& questions,
                                                const std::vector<bool>& injected,
                                                const std::vector<Candidate>& candidates, const Settings& scoring) {
  const mas::System& system = env.executor.system();
  const mas::Agent& target = system.agent(agent);
  const bool terminal = system.sink() == agent;
  const std::size_t nq = questions.size();
  std::vector<std::string> lookahead_agents;
  if (scoring.joint && !terminal && scoring.weights.lookahead > 0) {
    lookahead_agents = system.successors_within(agent, scoring.lookahead_depth);
  }
  const bool want_global = scoring.joint && !terminal && scoring.weights.global > 0;

  // 1. Every candidate on every question, all at once: only the target and its descendants run.
  std::vector<mas::Job> jobs;
  for (const auto& c : candidates) {
    const auto prompts = with_prompt(base, agent, c.prompt);
    for (std::size_t q = 0; q < nq; ++q) jobs.push_back({questions[q]->question, prompts, c.references[q], agent});
  }
  std::vector<TracePtr> traces = collect(env.executor, std::move(jobs));

  // 2. The comparisons, RNG draws taken in a fixed order so the run is reproducible.
  std::vector<Comparison_> cmps;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    for (std::size_t q = 0; q < nq; ++q) {
      const mas::Trace& cand = *traces[c * nq + q];
      const mas::Trace& ref = *candidates[c].references[q];
      if (!cand.error.empty() || !ref.error.empty()) continue;  // a failed run cannot be compared
      auto add = [&](std::string kind, Comparison k, std::string a, std::string b) {
        Comparison_ x;
        x.candidate = c;
        x.question = q;
        x.kind = std::move(kind);
        x.input.kind = k;
        x.input.problem = questions[q]->question;
        x.input.candidate = std::move(a);
        x.input.reference = std::move(b);
        x.input.agent_type = target.type;
        x.input.agent_role = target.role;
        x.draw = env.rng();
        cmps.push_back(std::move(x));
      };
      if (terminal) {
        add("terminal", Comparison::terminal, cand.final_output, ref.final_output);
        continue;
      }
      add("local", Comparison::intermediate, output_of(cand, agent), output_of(ref, agent));
      for (const auto& s : lookahead_agents) {
        std::string a = output_of(cand, s), b = output_of(ref, s);
        if (a.empty() || b.empty()) continue;  // nothing to compare (the reference code skipped these too)
        add("lookahead:" + s, Comparison::intermediate, std::move(a), std::move(b));
      }
      if (want_global) add("global", Comparison::final, cand.final_output, ref.final_output);
    }
  }

  // 3. All judge calls concurrently.
  std::vector<Verdict> verdicts(cmps.size());
  std::vector<std::exception_ptr> errors(cmps.size());
  Latch latch(cmps.size());
  for (std::size_t i = 0; i < cmps.size(); ++i) {
    env.judge.compare(cmps[i].input, cmps[i].draw, [&, i](Verdict v, std::exception_ptr e) {
      verdicts[i] = std::move(v);
      errors[i] = e;
      latch.count_down();
    });
  }
  latch.wait();

  // 4. Outcomes, judgements recorded in comparison order.
  std::vector<std::vector<std::optional<QuestionOutcome>>> outcomes(
      candidates.size(), std::vector<std::optional<QuestionOutcome>>(nq));
  for (std::size_t i = 0; i < cmps.size(); ++i) {
    const auto& x = cmps[i];
    Verdict v = verdicts[i];
    if (errors[i]) {
      stop_if_run_wide(errors[i]);
      try {
        std::rethrow_exception(errors[i]);
      } catch (const std::exception& e) {
        // A judge call that failed after its retries decides nothing: scored like an unparsable reply.
        v = Verdict{};
        v.score = scoring.unparsable_is_loss ? 0.0 : 0.5;
        v.parsed = false;
        v.replies = {fmt::format("(judge call failed: {})", e.what())};
      }
    }
    for (std::size_t k = 0; k < v.candidate_was_a.size(); ++k) {
      (v.candidate_was_a[k] ? env.candidate_a_shown : env.candidate_b_shown) += 1;
    }
    env.candidate_a_wins += v.candidate_first_wins;
    env.candidate_b_wins += v.candidate_second_wins;

    auto& o = outcomes[x.candidate][x.question];
    if (!o) {
      o = QuestionOutcome{};
      o->injected = x.question < injected.size() && injected[x.question];
    }
    if (x.kind == "terminal") {
      o->terminal = v.score;
    } else if (x.kind == "local") {
      o->local = v.score;
    } else if (x.kind == "global") {
      o->global = v.score;
    } else {
      o->lookahead.push_back(v.score);
    }

    store::JudgementRecord r;
    r.proposal_id = candidates[x.candidate].id;
    r.agent = agent;
    r.round = env.round;
    r.layer = env.layer;
    r.question_id = questions[x.question]->id;
    r.kind = x.kind;
    r.order = scoring.judge_order == JudgeOrder::both ? "both"
              : (!v.candidate_was_a.empty() && !v.candidate_was_a[0]) ? "candidate=B"
                                                                       : "candidate=A";
    r.replies = v.replies;
    r.verdict = v.score;
    r.parsed = v.parsed;
    r.context = env.context;
    env.store.record(r);
  }

  // 5. Scores and misalignment cases per candidate.
  std::vector<CandidateScore> scores(candidates.size());
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    CandidateScore& s = scores[c];
    double local_sum = 0, look_sum = 0, global_sum = 0;
    int local_n = 0, look_n = 0, global_n = 0;
    for (std::size_t q = 0; q < nq; ++q) {
      if (!outcomes[c][q]) continue;
      const QuestionOutcome& o = *outcomes[c][q];
      s.outcomes.push_back(o);
      if (o.local) local_sum += *o.local, ++local_n;
      if (o.terminal) local_sum += *o.terminal, ++local_n;
      for (double l : o.lookahead) look_sum += l, ++look_n;
      if (o.global) global_sum += *o.global, ++global_n;
      if (terminal || !o.local) continue;   // only questions with a local comparison count (§4)
      ++s.considered;
      if (!o.injected) ++s.considered_random;
      const bool look_lost = !o.lookahead.empty() &&
                             std::any_of(o.lookahead.begin(), o.lookahead.end(), [](double l) { return l < 0.5; });
      const bool global_lost = o.global && *o.global < 0.5;
      const bool misaligned = is_misaligned(o);
      if (misaligned) {
        ++s.misaligned;
        if (!o.injected) ++s.misaligned_random;
      }
      const bool success = *o.local >= 1.0 && !look_lost && !global_lost;
      const bool keep = scoring.sampling == Sampling::success ? success : misaligned;
      if (keep) {
        const mas::Trace& cand = *traces[c * nq + q];
        const mas::AgentTrace* at = cand.find(agent);
        MisalignmentCase mc;
        mc.question = questions[q]->question;
        mc.context = at ? at->input_context : "";
        mc.output = at ? at->output : "";
        mc.priority = look_lost && global_lost ? 0 : look_lost ? 1 : 2;
        s.cases.push_back(std::move(mc));
      }
    }
    std::stable_sort(s.cases.begin(), s.cases.end(),
                     [](const MisalignmentCase& a, const MisalignmentCase& b) { return a.priority < b.priority; });
    s.reward = batch_reward(s.outcomes, scoring);
    s.local = local_n ? local_sum / local_n : 0.0;
    s.lookahead = look_n ? look_sum / look_n : 0.0;
    s.global = global_n ? global_sum / global_n : 0.0;
  }
  return scores;
}

}  // namespace maspo::opt::detail
