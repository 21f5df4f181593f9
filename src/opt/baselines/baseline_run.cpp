// run_baseline: the step loop every optimizing baseline shares (checkpoint after each step, clean
// stop at a budget, resume from the last checkpoint), and the context's helpers.
#include "opt/baselines/baseline_run.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "maspo/util.hpp"

namespace maspo::opt {

namespace baseline {

Context::Context(Method m, llm::Client& c, std::shared_ptr<const mas::System> sys, std::vector<data::Example> p,
                 const Settings& s, const BaselineOptions& o, const eval::Grader& g, store::RunStore& st)
    : method(m),
      client(c),
      system(std::move(sys)),
      pool(std::move(p)),
      settings(s),
      options(o),
      grader(g),
      store(st),
      executor(c, system, detail::search_executor_options(c)),
      judge(c, system->task(), settings),
      order(optimizable_agents(*system)),
      rng(s.seed) {}

std::vector<std::size_t> Context::draw(int k) {
  return detail::choose(rng, pool.size(), std::min<std::size_t>(pool.size(), static_cast<std::size_t>(std::max(1, k))));
}

std::vector<const data::Example*> Context::questions(const std::vector<std::size_t>& indices) const {
  std::vector<const data::Example*> out;
  for (std::size_t i : indices) out.push_back(&pool.at(i));
  return out;
}

std::vector<bool> Context::grade(const std::vector<TracePtr>& traces, const std::vector<const data::Example*>& qs) const {
  std::vector<bool> out;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    out.push_back(traces[i]->error.empty() && grader.grade(*qs[i], traces[i]->final_output).correct);
  }
  return out;
}

std::optional<std::string> Context::propose(const std::string& id, const std::string& agent, int round,
                                            const std::string& parent, llm::Request request) {
  store::ProposalRecord r;
  r.id = id;
  r.agent = agent;
  r.round = round;
  r.parent_prompt = parent;
  std::optional<std::string> out;
  try {
    llm::Reply reply = client.submit("optimizer", std::move(request)).get();
    r.reply = reply.text;
    Sanitized clean = sanitize_proposal(reply.text, parent);
    if (!clean.prompt) {
      r.status = "rejected: " + clean.reason;
    } else if (*clean.prompt == parent) {
      r.status = "duplicate";
    } else {
      r.prompt = *clean.prompt;
      r.status = "accepted";
      out = r.prompt;
    }
  } catch (const llm::Error& e) {
    detail::stop_if_run_wide(std::current_exception());
    r.status = fmt::format("rejected: optimizer call failed: {}", e.what());
  }
  store.record(r);
  return out;
}

std::string Context::ask(const std::string& id, const std::string& agent, int round, const std::string& parent,
                         llm::Request request) {
  store::ProposalRecord r;
  r.id = id;
  r.agent = agent;
  r.round = round;
  r.parent_prompt = parent;
  try {
    r.reply = client.submit("optimizer", std::move(request)).get().text;
    r.status = "feedback";
  } catch (const llm::Error& e) {
    detail::stop_if_run_wide(std::current_exception());
    r.status = fmt::format("rejected: optimizer call failed: {}", e.what());
  }
  store.record(r);
  return r.reply;
}

void Context::record_score(const std::string& id, const std::string& agent, int round, double reward, double best,
                           std::size_t batch) {
  store::ScoreRecord r;
  r.proposal_id = id;
  r.agent = agent;
  r.round = round;
  r.reward = reward;
  r.cumulative = best;
  r.batch_size = static_cast<int>(batch);
  r.context = std::string(to_string(method));
  store.record(r);
}

void Context::record_prompt(const std::string& agent, int round, const std::string& prompt, double score) {
  store.record_prompt(agent, round, 0, prompt, score);
}

std::vector<TracePtr> Context::rerun(const mas::PromptMap& base, const std::string& agent, const std::string& prompt,
                                     const std::vector<TracePtr>& refs) {
  if (base.at(agent) == prompt) return refs;
  return detail::rerun_with(executor, base, agent, prompt, refs);
}

std::vector<TracePtr> Context::run(const mas::PromptMap& prompts, const std::vector<const data::Example*>& qs) {
  return detail::run_references(executor, prompts, qs);
}

detail::EvalEnv Context::env(int round) {
  return detail::EvalEnv{client, executor, judge, store, settings, rng, round, 0, std::string(to_string(method))};
}

double mean(const std::vector<bool>& correct) {
  if (correct.empty()) return 0.0;
  return static_cast<double>(std::count(correct.begin(), correct.end(), true)) / static_cast<double>(correct.size());
}

std::vector<ProposalTrace> proposal_traces(const std::vector<TracePtr>& traces, const std::string& agent,
                                           std::size_t at_most) {
  std::vector<ProposalTrace> out;
  for (const auto& t : traces) {
    if (out.size() >= at_most) break;
    const mas::AgentTrace* a = t->find(agent);
    if (a == nullptr || !a->error.empty()) continue;
    out.push_back({t->question, a->input_context, a->output});
  }
  return out;
}

mas::PromptMap prompts_of(const json& state) { return state.at("prompts").get<mas::PromptMap>(); }

void next_iteration(const Context& ctx, json& state, std::initializer_list<const char*> per_agent_keys) {
  int next = state["iteration"].get<int>() + 1;
  if (next >= ctx.options.iterations) {
    next = 0;
    state["agent_index"] = state["agent_index"].get<int>() + 1;
    for (const char* key : per_agent_keys) state[key] = json::array();
  }
  state["iteration"] = next;
  state["done"] = state["agent_index"].get<std::size_t>() >= ctx.order.size();
}

AgentStep begin_fixed_batch_step(Context& ctx, json& state) {
  AgentStep s;
  s.iteration = state["iteration"].get<int>();
  s.agent = ctx.order.at(state["agent_index"].get<std::size_t>());
  s.prompts = prompts_of(state);
  if (state["batch"].empty()) state["batch"] = ctx.draw(ctx.options.minibatch);
  s.questions = ctx.questions(state["batch"].get<std::vector<std::size_t>>());
  s.refs = ctx.run(s.prompts, s.questions);
  return s;
}

std::int64_t per_agent_steps(const Context& ctx) {
  return static_cast<std::int64_t>(ctx.order.size()) * ctx.options.iterations;
}

void per_agent_progress(const Context& ctx, const json& state, ProgressEvent& ev) {
  const auto index = std::min<std::size_t>(state["agent_index"].get<std::size_t>(), ctx.order.size() - 1);
  ev.agent = ctx.order[index];
  ev.round = state["iteration"].get<int>();
  ev.rounds = ctx.options.iterations;
}

}  // namespace baseline

namespace {

baseline::MethodSteps steps_of(Method m) {
  switch (m) {
    case Method::spo: return baseline::spo_steps();
    case Method::opro: return baseline::opro_steps();
    case Method::protegi: return baseline::protegi_steps();
    case Method::tpe: return baseline::tpe_steps();
    default: throw InputError("method `" + std::string(to_string(m)) + "` is not a step-wise prompt optimizer");
  }
}

BaselineResult run_isolated(llm::Client& client, std::shared_ptr<const mas::System> system,
                            std::vector<data::Example> pool, const mas::PromptMap& seed, const Settings& settings,
                            store::RunStore& store, const std::function<void(const ProgressEvent&)>& on_progress) {
  Maspo maspo(client, std::move(system), std::move(pool), isolated_settings(settings), store);
  SearchState state = maspo.initial_state(seed);
  if (auto cp = store.latest_checkpoint()) state = search_state_from_json(cp->state);
  if (state.done) return BaselineResult{state.prompts, false, state.step, ""};
  Result r = maspo.run(state, on_progress);
  return BaselineResult{r.prompts, r.stopped_by_budget, r.state.step, r.stopped_by_failure};
}

}  // namespace

BaselineResult run_baseline(Method m, llm::Client& client, std::shared_ptr<const mas::System> system,
                            std::vector<data::Example> pool, const mas::PromptMap& seed_prompts,
                            const Settings& settings, const BaselineOptions& options, const eval::Grader& grader,
                            store::RunStore& store, std::function<void(const ProgressEvent&)> on_progress) {
  if (pool.empty()) throw InputError("the optimization pool is empty");
  if (m == Method::isolated) return run_isolated(client, system, std::move(pool), seed_prompts, settings, store, on_progress);
  const baseline::MethodSteps steps = steps_of(m);
  baseline::Context ctx(m, client, std::move(system), std::move(pool), settings, options, grader, store);
  if (ctx.order.empty()) throw InputError("the system has no agent to optimize (only vote agents)");

  json state;
  if (auto cp = store.latest_checkpoint()) {
    state = cp->state;
    ctx.step = cp->step;
  } else {
    state = steps.initial(ctx, seed_prompts);
    state["rng"] = detail::save_rng(ctx.rng);
    state["done"] = false;
  }
  json committed = state;
  const std::int64_t total = steps.total(ctx);
  store.set_status("running");
  while (!state.at("done").get<bool>()) {
    detail::load_rng(ctx.rng, state.at("rng").get<std::string>());
    ctx.step += 1;
    store.begin_step(ctx.step);
    try {
      steps.step(ctx, state);
      state["rng"] = detail::save_rng(ctx.rng);
      store.record_usage(client.usage());
      store.commit_step(state);
      committed = state;
    } catch (const detail::BudgetStop& stop) {
      store.rollback_step();
      store.set_status("stopped: budget (" + stop.message + ")");
      return BaselineResult{baseline::prompts_of(committed), true, ctx.step - 1, ""};
    } catch (const detail::ServiceStop& stop) {
      store.rollback_step();
      store.set_status("stopped: model service failed (" + stop.message + ")");
      return BaselineResult{baseline::prompts_of(committed), false, ctx.step - 1, stop.message};
    } catch (...) {
      store.rollback_step();
      throw;
    }
    if (on_progress) {
      ProgressEvent ev;
      steps.progress(ctx, state, ev);
      ev.steps_done = ctx.step;
      ev.steps_total = std::max(total, ctx.step);
      on_progress(ev);
    }
  }
  store.set_status("finished");
  return BaselineResult{baseline::prompts_of(state), false, ctx.step, ""};
}

}  // namespace maspo::opt
