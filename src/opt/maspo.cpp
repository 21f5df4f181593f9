// The MASPO search loop (MASPO.md §6–§7): D rounds; in each, the optimizable agents in topological
// order; per visit an optional Beam Refresh, then T beam layers. Every layer and every refresh is
// one store step: its records and the checkpoint that follows commit together.
#include <algorithm>
#include <future>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "maspo/store.hpp"
#include "maspo/util.hpp"
#include "opt/search.hpp"

namespace maspo::opt {

using detail::BudgetStop;
using TracePtr = std::shared_ptr<const mas::Trace>;

namespace {

Settings effective(Settings s) {
  if (s.compat == Compat::reference) s.centered_scores = true;
  if (!s.joint) s.weights = {1.0, 0.0, 0.0};
  return s;
}

json beam_json(const std::vector<BeamNode>& beam) {
  json nodes = json::array();
  for (const auto& n : beam) nodes.push_back({{"prompt", n.prompt}, {"score", n.score}, {"path", n.path}});
  return nodes;
}

// The buffer is a memory: new cases go in front, a question is kept once, K_mis at most.
void remember(std::vector<MisalignmentCase>& buffer, const std::vector<MisalignmentCase>& fresh, int k) {
  std::vector<MisalignmentCase> merged = fresh;
  for (const auto& old : buffer) merged.push_back(old);
  std::vector<MisalignmentCase> out;
  for (auto& c : merged) {
    if (static_cast<int>(out.size()) >= k) break;
    if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.question == c.question; })) {
      out.push_back(std::move(c));
    }
  }
  buffer = std::move(out);
}

}  // namespace

struct Maspo::Impl {
  llm::Client& client;
  std::shared_ptr<const mas::System> system;
  std::vector<data::Example> pool;
  Settings s;
  store::RunStore& store;
  mas::Executor executor;
  Judge judge;
  std::vector<std::string> order;
  std::map<std::string, std::size_t> pool_index;   // question text -> pool index
  std::mt19937_64 rng;
  double last_misalignment = 0.0;   // for progress lines

  Impl(llm::Client& c, std::shared_ptr<const mas::System> sys, std::vector<data::Example> p, Settings settings,
       store::RunStore& st)
      : client(c),
        system(std::move(sys)),
        pool(std::move(p)),
        s(effective(std::move(settings))),
        store(st),
        executor(c, system, detail::search_executor_options(c)),
        judge(c, system->task(), s),
        order(optimizable_agents(*system)) {
    for (std::size_t i = 0; i < pool.size(); ++i) pool_index.emplace(pool[i].question, i);
  }

  std::vector<const data::Example*> pick(const detail::Batch& b) const {
    std::vector<const data::Example*> out;
    for (std::size_t i : b.items) out.push_back(&pool[i]);
    return out;
  }

  detail::EvalEnv env(const SearchState& st, std::string context) {
    return detail::EvalEnv{client, executor, judge, store, s, rng, st.round, st.layer, std::move(context)};
  }

  // Questions the agent's direct predecessors found misleading (or, success sampling, helpful).
  std::vector<std::size_t> injection(const SearchState& st, const std::string& agent) const {
    std::vector<std::size_t> out;
    if (s.sampling == Sampling::random) return out;
    for (const auto& pred : system->predecessors(agent)) {
      auto it = st.agents.find(pred);
      if (it == st.agents.end()) continue;
      for (const auto& c : it->second.buffer) {
        auto p = pool_index.find(c.question);
        if (p != pool_index.end()) out.push_back(p->second);
      }
    }
    return out;
  }

  void record_metrics(detail::EvalEnv& e, const std::string& agent) {
    const int shown = e.candidate_a_shown + e.candidate_b_shown;
    if (shown == 0) return;
    store::MetricRecord m;
    m.name = "judge_position";
    m.agent = agent;
    m.round = e.round;
    m.layer = e.layer;
    m.value = static_cast<double>(e.candidate_a_wins + e.candidate_b_wins) / shown;
    m.detail = {{"candidate_as_a", e.candidate_a_shown}, {"candidate_as_a_wins", e.candidate_a_wins},
                {"candidate_as_b", e.candidate_b_shown}, {"candidate_as_b_wins", e.candidate_b_wins},
                {"context", e.context}};
    store.record(m);
  }

  // Asks the optimizer for K_sub children of each parent; returns the accepted, distinct ones.
  struct Child {
    std::size_t parent = 0;
    std::string id;
    std::string prompt;
  };
  std::vector<Child> propose(const SearchState& st, const std::string& agent, const std::vector<BeamNode>& parents,
                             const std::vector<std::vector<TracePtr>>& parent_refs,
                             const std::vector<const data::Example*>& questions) {
    const mas::Agent& def = system->agent(agent);
    struct Pending {
      std::size_t parent;
      std::string id;
      std::future<llm::Reply> reply;
    };
    std::vector<Pending> pending;
    const std::size_t nq = questions.size();
    const std::size_t per = static_cast<std::size_t>(std::max(1, s.traces_per_proposal));
    for (std::size_t j = 0; j < parents.size(); ++j) {
      for (int c = 0; c < s.children_per_parent; ++c) {
        std::vector<ProposalTrace> traces;
        for (std::size_t t = 0; t < std::min(per, nq); ++t) {
          const mas::Trace& tr = *parent_refs[j][(c * per + t) % nq];
          const mas::AgentTrace* at = tr.find(agent);
          if (at == nullptr || !at->error.empty()) continue;
          traces.push_back({tr.question, at->input_context, at->output});
        }
        llm::Request req = proposal_request(def, system->task(), parents[j].prompt, traces, s);
        // Distinct per proposal, so a sampled (temperature > 0) reply is never a cache hit of
        // another proposal's, yet the same on a resume.
        req.sample_index = static_cast<int>((st.step * 64 + static_cast<std::int64_t>(j) * 8 + c) % 1000000007);
        std::string id = fmt::format("r{}-{}-l{}-p{}-c{}", st.round + 1, agent, st.layer + 1, j, c);
        pending.push_back({j, std::move(id), client.submit("optimizer", std::move(req))});
      }
    }
    std::vector<Child> children;
    for (auto& p : pending) {
      store::ProposalRecord r;
      r.id = p.id;
      r.agent = agent;
      r.round = st.round;
      r.layer = st.layer;
      r.parent_prompt = parents[p.parent].prompt;
      try {
        llm::Reply reply = p.reply.get();
        r.reply = reply.text;
        Sanitized clean = sanitize_proposal(reply.text, parents[p.parent].prompt);
        if (!clean.prompt) {
          r.status = "rejected: " + clean.reason;
        } else {
          r.prompt = *clean.prompt;
          const bool dup_parent = std::any_of(parents.begin(), parents.end(),
                                              [&](const BeamNode& n) { return n.prompt == r.prompt; });
          const bool dup_child = std::any_of(children.begin(), children.end(),
                                             [&](const Child& ch) { return ch.prompt == r.prompt; });
          if (dup_parent || dup_child) {
            r.status = "duplicate";
          } else {
            r.status = "accepted";
            children.push_back({p.parent, p.id, r.prompt});
          }
        }
      } catch (const llm::Error& e) {
        detail::stop_if_run_wide(std::current_exception());
        r.status = fmt::format("rejected: optimizer call failed: {}", e.what());
      }
      store.record(r);
    }
    return children;
  }

  void set_best(SearchState& st, const std::string& agent, const BeamNode& node,
                const std::vector<MisalignmentCase>* cases) {
    AgentState& as = st.agents[agent];
    as.best_score = node.score;
    if (cases != nullptr) remember(as.buffer, *cases, s.k_mis);
    if (as.best_prompt != node.prompt) {
      as.best_prompt = node.prompt;
      st.prompts[agent] = node.prompt;
      store.record_prompt(agent, st.round, st.layer, node.prompt, node.score);
    }
  }

  void record_score(const SearchState& st, const std::string& id, const std::string& agent,
                    const detail::CandidateScore& sc, double cumulative, const std::string& context,
                    std::size_t batch) {
    store::ScoreRecord r;
    r.proposal_id = id;
    r.agent = agent;
    r.round = st.round;
    r.layer = st.layer;
    r.reward = sc.reward;
    r.cumulative = cumulative;
    r.local = sc.local;
    r.lookahead = sc.lookahead;
    r.global = sc.global;
    r.batch_size = static_cast<int>(batch);
    r.context = context;
    store.record(r);
  }

  void record_misalignment(const SearchState& st, const std::string& agent,
                           const std::vector<detail::CandidateScore>& scores, const detail::Batch& batch) {
    // How many of this layer's questions came from the predecessors' misalignment buffers (every
    // agent, the sink included: it is where a predictor's misleading cases show their cost).
    store::MetricRecord inj;
    inj.name = "injected_questions";
    inj.agent = agent;
    inj.round = st.round;
    inj.layer = st.layer;
    inj.value = static_cast<double>(std::count(batch.injected.begin(), batch.injected.end(), true));
    inj.detail = {{"batch", batch.items.size()}};
    store.record(inj);
    if (system->sink() == agent || scores.empty()) return;
    int mis = 0, considered = 0, mis_r = 0, considered_r = 0;
    for (const auto& sc : scores) {
      mis += sc.misaligned;
      considered += sc.considered;
      mis_r += sc.misaligned_random;
      considered_r += sc.considered_random;
    }
    store::MetricRecord m;
    m.name = "misalignment_rate";
    m.agent = agent;
    m.round = st.round;
    m.layer = st.layer;
    // Paper: over the batch (injected questions included). The reference code's rate, over the
    // randomly drawn questions only, is kept beside it.
    m.value = considered ? static_cast<double>(mis) / considered : 0.0;
    last_misalignment = m.value;
    const AgentState& as = st.agents.at(agent);
    m.detail = {{"depth", as.visits * s.layers_per_visit + st.layer + 1},
                {"misaligned", mis},
                {"considered", considered},
                {"rate_random_only", considered_r ? static_cast<double>(mis_r) / considered_r : 0.0},
                {"injected", std::count(batch.injected.begin(), batch.injected.end(), true)}};
    store.record(m);
  }

  double layer_paper(SearchState& st, const std::string& agent) {
    AgentState& as = st.agents[agent];
    detail::Batch batch = detail::draw_batch(rng, pool.size(), s.batch_size, injection(st, agent), s.max_injected);
    auto questions = pick(batch);
    const mas::PromptMap base = st.prompts;
    // Each parent's traces: the base run's where the parent is the current prompt; the others
    // re-run from `agent`, all parents together.
    std::vector<std::string> rerun_prompts;
    for (const auto& parent : as.beam) {
      if (parent.prompt != base.at(agent)) rerun_prompts.push_back(parent.prompt);
    }
    detail::BaseAndParents runs = detail::run_base_and_parents(executor, base, agent, rerun_prompts, questions);
    std::vector<TracePtr> refs_p = std::move(runs.base);
    std::vector<std::vector<TracePtr>> reruns = std::move(runs.parents);
    std::vector<std::vector<TracePtr>> parent_refs;
    std::size_t next_rerun = 0;
    for (const auto& parent : as.beam) {
      parent_refs.push_back(parent.prompt == base.at(agent) ? refs_p : std::move(reruns[next_rerun++]));
    }
    std::vector<Child> children = propose(st, agent, as.beam, parent_refs, questions);
    std::vector<detail::Candidate> cands;
    for (const auto& ch : children) cands.push_back({ch.id, ch.prompt, parent_refs[ch.parent]});
    auto e = env(st, "layer");
    std::vector<detail::CandidateScore> scores =
        detail::evaluate_candidates(e, agent, base, questions, batch.injected, cands, s);

    std::vector<BeamNode> all = as.beam;
    std::map<std::string, std::size_t> child_of_prompt;
    for (std::size_t c = 0; c < children.size(); ++c) {
      const BeamNode& parent = as.beam[children[c].parent];
      const double gain = s.centered_scores ? scores[c].reward - 0.5 : scores[c].reward;
      BeamNode node{children[c].prompt, parent.score + gain, parent.path};
      node.path.push_back(children[c].id);
      record_score(st, children[c].id, agent, scores[c], node.score, "layer", questions.size());
      child_of_prompt[node.prompt] = c;
      all.push_back(std::move(node));
    }
    as.beam = top_k_unique(std::move(all), s.beam_width);
    if (!as.beam.empty() && as.beam[0].score > as.best_score + 1e-9) {
      auto it = child_of_prompt.find(as.beam[0].prompt);
      set_best(st, agent, as.beam[0], it == child_of_prompt.end() ? nullptr : &scores[it->second].cases);
    }
    record_misalignment(st, agent, scores, batch);
    record_metrics(e, agent);
    store.record(store::BeamRecord{agent, st.round, st.layer, beam_json(as.beam)});
    return as.best_score;
  }

  // The reference code's layer (§6 "Code"): one batch per parent; children kept only when they win
  // (centered score > 0), otherwise replaced by a copy of their parent; duplicates allowed.
  double layer_reference(SearchState& st, const std::string& agent) {
    AgentState& as = st.agents[agent];
    const mas::PromptMap base = st.prompts;
    std::vector<BeamNode> next;
    auto e = env(st, "layer");
    std::vector<detail::CandidateScore> all_scores;
    detail::Batch last_batch;
    std::optional<std::pair<BeamNode, std::vector<MisalignmentCase>>> best;
    for (std::size_t j = 0; j < as.beam.size(); ++j) {
      const BeamNode parent = as.beam[j];
      detail::Batch batch = detail::draw_batch(rng, pool.size(), s.batch_size, injection(st, agent), s.max_injected);
      auto questions = pick(batch);
      mas::PromptMap with_parent = base;
      with_parent[agent] = parent.prompt;
      std::vector<std::vector<TracePtr>> refs{detail::run_references(executor, with_parent, questions)};
      std::vector<Child> children = propose(st, agent, {parent}, refs, questions);
      for (auto& ch : children) ch.id = fmt::format("{}-b{}", ch.id, j);
      std::vector<detail::Candidate> cands;
      for (const auto& ch : children) cands.push_back({ch.id, ch.prompt, refs[0]});
      auto scores = detail::evaluate_candidates(e, agent, with_parent, questions, batch.injected, cands, s);
      for (std::size_t c = 0; c < children.size(); ++c) {
        const double gain = scores[c].reward - 0.5;
        if (gain > 0) {
          BeamNode node{children[c].prompt, parent.score + gain, parent.path};
          node.path.push_back(children[c].id);
          record_score(st, children[c].id, agent, scores[c], node.score, "layer", questions.size());
          if (!best || node.score > best->first.score) best.emplace(node, scores[c].cases);
          next.push_back(std::move(node));
        } else {
          record_score(st, children[c].id, agent, scores[c], parent.score, "layer", questions.size());
          next.push_back(parent);
        }
        all_scores.push_back(scores[c]);
      }
      if (children.empty()) next.push_back(parent);
      last_batch = batch;
    }
    std::stable_sort(next.begin(), next.end(), [](const BeamNode& a, const BeamNode& b) { return a.score > b.score; });
    if (static_cast<int>(next.size()) > s.beam_width) next.resize(static_cast<std::size_t>(s.beam_width));
    as.beam = std::move(next);
    if (best && best->first.score > as.best_score + 1e-6) {
      as.buffer.clear();  // the reference replaces the cases on every improvement
      set_best(st, agent, best->first, &best->second);
    }
    record_misalignment(st, agent, all_scores, last_batch);
    record_metrics(e, agent);
    store.record(store::BeamRecord{agent, st.round, st.layer, beam_json(as.beam)});
    return as.best_score;
  }

  // Beam Refresh (§7): re-score the beam against the agent's current best under the current peers,
  // on a fresh batch.
  void refresh(SearchState& st, const std::string& agent) {
    AgentState& as = st.agents[agent];
    detail::Batch batch = detail::draw_batch(rng, pool.size(), s.batch_size, {}, 0);
    auto questions = pick(batch);
    const mas::PromptMap base = st.prompts;
    std::vector<TracePtr> refs = detail::run_references(executor, base, questions);
    Settings scoring = s;
    if (s.compat == Compat::reference) {
      scoring.weights = {0.7, 0.0, 0.3};   // the reference refresh ignores lookahead
    }
    std::vector<detail::Candidate> cands;
    std::vector<std::size_t> node_of;
    for (std::size_t i = 0; i < as.beam.size(); ++i) {
      if (as.beam[i].prompt == base.at(agent)) continue;
      cands.push_back({fmt::format("refresh-r{}-{}-n{}", st.round + 1, agent, i), as.beam[i].prompt, refs});
      node_of.push_back(i);
    }
    auto e = env(st, "refresh");
    auto scores = detail::evaluate_candidates(e, agent, base, questions, batch.injected, cands, scoring);
    const std::string old_top = as.beam.empty() ? "" : as.beam[0].prompt;
    for (auto& n : as.beam) {
      if (n.prompt == base.at(agent)) n.score = 0.0;
    }
    for (std::size_t c = 0; c < cands.size(); ++c) {
      as.beam[node_of[c]].score = scores[c].reward - 0.5;
      record_score(st, cands[c].id, agent, scores[c], scores[c].reward - 0.5, "refresh", questions.size());
    }
    std::stable_sort(as.beam.begin(), as.beam.end(),
                     [](const BeamNode& a, const BeamNode& b) { return a.score > b.score; });
    const bool agree = !as.beam.empty() && as.beam[0].prompt == old_top;
    if (!as.beam.empty()) {
      if (s.compat == Compat::reference || (as.beam[0].score > 0.0 && as.beam[0].prompt != base.at(agent))) {
        set_best(st, agent, as.beam[0], nullptr);
      } else {
        as.best_score = 0.0;   // the anchor stays, re-scored against itself
      }
    }
    store::MetricRecord m;
    m.name = "refresh_top1_agreement";
    m.agent = agent;
    m.round = st.round;
    m.layer = st.layer;
    m.value = agree ? 1.0 : 0.0;
    m.detail = {{"anchor_switched", st.prompts.at(agent) != base.at(agent)}};
    store.record(m);
    record_metrics(e, agent);
    store.record(store::BeamRecord{agent, st.round, -1, beam_json(as.beam)});
  }

  void advance(SearchState& st) {
    if (++st.layer < s.layers_per_visit) return;
    st.layer = 0;
    st.refreshed = false;
    st.agents[order[static_cast<std::size_t>(st.agent_index)]].visits += 1;
    if (++st.agent_index < static_cast<int>(order.size())) return;
    st.agent_index = 0;
    if (++st.round >= s.rounds) st.done = true;
  }

  void commit(SearchState& st) {
    st.rng_state = detail::save_rng(rng);
    st.step += 1;
    store.record_usage(client.usage());
    store.commit_step(to_json(st));
  }
};

Maspo::Maspo(llm::Client& client, std::shared_ptr<const mas::System> system, std::vector<data::Example> pool,
             Settings settings, store::RunStore& store)
    : impl_(std::make_unique<Impl>(client, std::move(system), std::move(pool), std::move(settings), store)) {
  if (impl_->pool.empty()) throw InputError("the optimization pool is empty");
  if (impl_->order.empty()) throw InputError("the system has no agent to optimize (only vote agents)");
}

Maspo::~Maspo() = default;

SearchState Maspo::initial_state(const mas::PromptMap& seed_prompts) const {
  SearchState st;
  st.prompts = seed_prompts;
  for (const auto& agent : impl_->order) {
    AgentState as;
    as.best_prompt = seed_prompts.at(agent);
    as.beam = {BeamNode{as.best_prompt, 0.0, {}}};
    st.agents[agent] = std::move(as);
  }
  st.rng_state = detail::save_rng(std::mt19937_64(impl_->s.seed));
  st.done = impl_->s.rounds <= 0 || impl_->s.layers_per_visit <= 0;
  return st;
}

Result Maspo::run(SearchState start, std::function<void(const ProgressEvent&)> on_progress) {
  Impl& im = *impl_;
  SearchState st = std::move(start);
  detail::load_rng(im.rng, st.rng_state);
  const std::int64_t n = static_cast<std::int64_t>(im.order.size());
  const std::int64_t per_visit = im.s.layers_per_visit;
  const std::int64_t total = im.s.rounds * n * per_visit + (im.s.refresh ? std::max(0, im.s.rounds - 1) * n : 0);
  im.store.set_status("running");
  SearchState committed = st;
  while (!st.done) {
    const std::string agent = im.order[static_cast<std::size_t>(st.agent_index)];
    try {
      if (!st.refreshed) {
        st.refreshed = true;
        if (im.s.refresh && st.agents[agent].visits > 0) {
          im.store.begin_step(st.step + 1);
          im.refresh(st, agent);
          im.commit(st);
          committed = st;
        }
      }
      im.store.begin_step(st.step + 1);
      double best = im.s.compat == Compat::reference ? im.layer_reference(st, agent) : im.layer_paper(st, agent);
      ProgressEvent ev;
      ev.round = st.round + 1;
      ev.rounds = im.s.rounds;
      ev.agent = agent;
      ev.layer = st.layer + 1;
      ev.layers = im.s.layers_per_visit;
      ev.best_reward = best;
      ev.misalignment_rate = im.last_misalignment;
      im.advance(st);
      im.commit(st);
      committed = st;
      ev.steps_done = st.step;
      ev.steps_total = total;
      if (on_progress) on_progress(ev);
    } catch (const BudgetStop& stop) {
      im.store.rollback_step();
      im.store.set_status("stopped: budget (" + stop.message + ")");
      return Result{committed.prompts, committed, true, ""};
    } catch (const detail::ServiceStop& stop) {
      im.store.rollback_step();
      im.store.set_status("stopped: model service failed (" + stop.message + ")");
      return Result{committed.prompts, committed, false, stop.message};
    } catch (...) {
      im.store.rollback_step();
      throw;
    }
  }
  im.store.set_status("finished");
  return Result{st.prompts, st, false, ""};
}

}  // namespace maspo::opt
