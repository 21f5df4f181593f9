// The DAG executor: one question through the system, driven entirely by llm::Client callbacks.
//
// A job never owns a thread. It submits its root agents; each reply callback records the agent's
// result, sends the compression call if one is needed, and when an agent is finished submits the
// successors whose predecessors are now all finished. So agents of one level are in flight
// together, and an agent starts as soon as its own inputs are ready rather than when its whole
// level is. Callbacks may arrive on any thread, or synchronously inside Client::submit (cache hits,
// budget refusals, the scripted backend), so the job's state is guarded by one mutex that is never
// held while calling into the client or the caller's callback.
//
// Failures stay inside the job: an llm::Error marks that agent failed, its descendants are
// resolved as "upstream agent X failed" without being run, and the job still completes with a
// Trace whose `error` is set.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "maspo/mas.hpp"
#include "mas/internal.hpp"

namespace maspo::mas {

namespace {

constexpr std::string_view kSeparator = "\n---\n";

// What the executor and its jobs share. Jobs hold it by shared_ptr, so a job that is just leaving
// (after telling the executor it is done) never touches freed memory.
struct Core {
  Core(llm::Client& c, std::shared_ptr<const System> s) : client(c), system(std::move(s)) {
    const auto& agents = system->agents();
    preds.resize(agents.size());
    succs.resize(agents.size());
    llm_successor.assign(agents.size(), false);
    for (const auto& [from, to] : system->edges()) {
      std::size_t f = system->index(from), t = system->index(to);
      preds[t].push_back(f);
      succs[f].push_back(t);
      if (agents[t].kind == AgentKind::llm) llm_successor[f] = true;
    }
    for (auto& p : preds) std::sort(p.begin(), p.end());
    for (auto& list : succs) std::sort(list.begin(), list.end());
    sink = system->index(system->sink());
  }

  void job_started() {
    std::lock_guard lock(mu);
    ++jobs_in_flight;
  }
  void job_finished() {
    std::lock_guard lock(mu);
    if (--jobs_in_flight == 0) idle.notify_all();
  }

  llm::Client& client;
  std::shared_ptr<const System> system;
  std::vector<std::vector<std::size_t>> preds, succs;   // topological indices, sorted
  // Whether an agent feeds at least one LLM agent: only then is its summary ever read (a vote
  // reads raw outputs), so only then is the compression call worth making.
  std::vector<bool> llm_successor;
  std::size_t sink = 0;

  std::mutex mu;
  std::condition_variable idle;
  std::size_t jobs_in_flight = 0;
};

struct Failure {
  std::string message;
  bool budget = false;
  bool service = false;   // the service failed (still transient after the retries)
};

Failure describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const llm::BudgetExceeded& e) {
    return {e.what(), true};
  } catch (const llm::Error& e) {
    return {e.what(), false, e.transient()};
  } catch (const std::exception& e) {
    return {e.what(), false};
  } catch (...) {
    return {"unknown error", false};
  }
}

// One job in flight.
class JobRun : public std::enable_shared_from_this<JobRun> {
 public:
  JobRun(std::shared_ptr<Core> core, Job job, std::function<void(Trace)> done)
      : core_(std::move(core)), job_(std::move(job)), done_(std::move(done)) {}

  void start() {
    const auto& agents = core_->system->agents();
    const std::size_t n = agents.size();
    std::vector<std::size_t> ready;
    bool finished = false;
    {
      std::lock_guard lock(mu_);
      started_ = std::chrono::steady_clock::now();
      trace_.question = job_.question;
      trace_.agents.resize(n);
      waiting_.resize(n);
      upstream_failure_.resize(n);
      own_error_.assign(n, false);
      for (std::size_t i = 0; i < n; ++i) {
        trace_.agents[i].agent = agents[i].id;
        waiting_[i] = core_->preds[i].size();
      }
      std::vector<bool>& rerun = rerun_;
      rerun.assign(n, true);
      if (job_.reference) {
        std::fill(rerun.begin(), rerun.end(), false);
        rerun[core_->system->index(job_.from_agent)] = true;
        for (const auto& id : core_->system->descendants(job_.from_agent)) rerun[core_->system->index(id)] = true;
      }
      // Copied agents first, in topological order: every predecessor of a copied agent is copied
      // too (anything downstream of from_agent is re-run), so this resolves them all, and the
      // re-run agents whose inputs are all copied become ready.
      for (std::size_t i = 0; i < n; ++i) {
        if (rerun[i]) continue;
        AgentTrace& t = trace_.agents[i];
        t = job_.reference->agents[i];
        t.reused = true;
        own_error_[i] = !t.error.empty();
        resolve(i, ready);
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (rerun[i] && core_->preds[i].empty()) ready.push_back(i);
      }
      finished = take_finished();
    }
    proceed(ready, finished);
  }

 private:
  // Runs `ready` agents and, when the job is complete, delivers it. Called without the lock.
  void proceed(const std::vector<std::size_t>& ready, bool finished) {
    for (std::size_t i : ready) run_agent(i);
    if (finished) finish();
  }

  void run_agent(std::size_t i) {
    const Agent& agent = core_->system->agents()[i];
    std::string formatted;
    std::vector<std::size_t> ready;
    bool finished = false;
    bool call = false;
    {
      std::lock_guard lock(mu_);
      AgentTrace& t = trace_.agents[i];
      t.input_context = context_for(i, agent.kind == AgentKind::vote);
      if (agent.kind == AgentKind::vote) {
        t.prompt = agent.prompt;
        std::vector<std::string> outputs;
        for (std::size_t p : core_->preds[i]) outputs.push_back(trace_.agents[p].output);
        try {
          t.output = outputs[detail::vote_winner(outputs, core_->system->task())];
          t.summary = t.output;
          t.finish_reason = "vote";
        } catch (const std::exception& e) {
          fail(i, std::string("vote: ") + e.what());
        }
        resolve(i, ready);
      } else {
        t.prompt = prompt_for(agent);
        try {
          formatted = format_template(t.prompt, job_.question, t.input_context);
          call = true;
        } catch (const TemplateError& e) {
          fail(i, std::string("template: ") + e.what());
          resolve(i, ready);
        }
      }
      finished = take_finished();
    }
    if (call) {
      core_->client.submit(agent.model_role, agent_request(agent, std::move(formatted)),
                           [self = shared_from_this(), i](llm::Reply reply, std::exception_ptr error) {
                             self->on_role_reply(i, std::move(reply), error);
                           });
      return;
    }
    proceed(ready, finished);
  }

  void on_role_reply(std::size_t i, llm::Reply reply, std::exception_ptr error) {
    const Agent& agent = core_->system->agents()[i];
    std::vector<std::size_t> ready;
    bool finished = false;
    bool compress = false;
    std::string output;
    {
      std::lock_guard lock(mu_);
      AgentTrace& t = trace_.agents[i];
      if (error) {
        record_failure(i, describe(error), "");
        resolve(i, ready);
      } else {
        t.output = std::move(reply.text);
        t.finish_reason = std::move(reply.finish_reason);
        account(t, reply);
        compress = needs_compression(i);
        if (compress) {
          output = t.output;
        } else {
          t.summary = t.output;
          resolve(i, ready);
        }
      }
      finished = take_finished();
    }
    if (compress) {
      core_->client.submit(agent.model_role, compression_request(agent, core_->system->task(), output),
                           [self = shared_from_this(), i](llm::Reply r, std::exception_ptr e) {
                             self->on_compression_reply(i, std::move(r), e);
                           });
      return;
    }
    proceed(ready, finished);
  }

  void on_compression_reply(std::size_t i, llm::Reply reply, std::exception_ptr error) {
    std::vector<std::size_t> ready;
    bool finished = false;
    {
      std::lock_guard lock(mu_);
      AgentTrace& t = trace_.agents[i];
      if (error) {
        record_failure(i, describe(error), "compression call: ");
      } else {
        t.summary = std::move(reply.text);
        account(t, reply);
      }
      resolve(i, ready);
      finished = take_finished();
    }
    proceed(ready, finished);
  }

  // The sink's summary would never be read; nor would one that only vote agents receive.
  bool needs_compression(std::size_t i) const {
    return core_->system->context_mode() == ContextMode::summary && i != core_->sink && core_->llm_successor[i];
  }

  // ---- state changes; all below run with mu_ held ----

  std::string prompt_for(const Agent& agent) const {
    if (job_.prompts) {
      auto it = job_.prompts->find(agent.id);
      if (it != job_.prompts->end()) return it->second;
    }
    return agent.prompt;
  }

  // Predecessor contributions in topological order: summaries in summary mode, raw outputs in raw
  // mode and always for a vote.
  std::string context_for(std::size_t i, bool raw) const {
    bool use_raw = raw || core_->system->context_mode() == ContextMode::raw;
    std::string out;
    bool first = true;
    for (std::size_t p : core_->preds[i]) {
      if (!first) out += kSeparator;
      first = false;
      const AgentTrace& t = trace_.agents[p];
      out += use_raw ? t.output : t.summary;
    }
    return out;
  }

  static void account(AgentTrace& t, const llm::Reply& reply) {
    t.usage.prompt_tokens += reply.usage.prompt_tokens;
    t.usage.completion_tokens += reply.usage.completion_tokens;
    t.latency_s += reply.latency_s;
    ++t.calls;
    if (reply.cached) ++t.cached_calls;
  }

  void fail(std::size_t i, std::string message) {
    trace_.agents[i].error = std::move(message);
    own_error_[i] = true;
  }

  void record_failure(std::size_t i, const Failure& f, std::string_view what) {
    fail(i, std::string(what) + f.message);
    budget_exceeded_ = budget_exceeded_ || f.budget;
    service_failed_ = service_failed_ || f.service;
  }

  // Agent i is finished (succeeded or failed). Its successors whose inputs are now all finished
  // go to `ready`, or, when one of their inputs failed, are resolved as failed in turn.
  void resolve(std::size_t i, std::vector<std::size_t>& ready) {
    ++resolved_;
    const AgentTrace& t = trace_.agents[i];
    std::string cause = own_error_[i] ? t.agent : upstream_failure_[i];
    for (std::size_t s : core_->succs[i]) {
      if (!cause.empty() && upstream_failure_[s].empty()) upstream_failure_[s] = cause;
      // A copied successor is resolved by the copy loop in start(), never run.
      if (--waiting_[s] > 0 || !rerun_[s]) continue;
      if (upstream_failure_[s].empty()) {
        ready.push_back(s);
      } else {
        trace_.agents[s].error = "upstream agent " + upstream_failure_[s] + " failed";
        resolve(s, ready);
      }
    }
  }

  // True exactly once: when the last agent has been resolved.
  bool take_finished() {
    if (resolved_ < trace_.agents.size() || delivered_) return false;
    delivered_ = true;
    return true;
  }

  void finish() {
    Trace out;
    {
      std::lock_guard lock(mu_);
      out = std::move(trace_);
      for (std::size_t i = 0; i < out.agents.size(); ++i) {
        const AgentTrace& a = out.agents[i];
        if (out.error.empty() && own_error_[i]) out.error = "agent `" + a.agent + "`: " + a.error;
        if (!a.reused) {
          out.usage.prompt_tokens += a.usage.prompt_tokens;
          out.usage.completion_tokens += a.usage.completion_tokens;
        }
      }
      const AgentTrace& sink = out.agents[core_->sink];
      if (sink.error.empty()) out.final_output = sink.output;
      out.budget_exceeded = budget_exceeded_;
      out.service_failed = service_failed_;
      out.latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    }
    // The caller's callback may run on a client thread: an exception out of it would land in the
    // client's event loop, so it is reported here instead.
    try {
      done_(std::move(out));
    } catch (const std::exception& e) {
      spdlog::error("mas executor: a job's completion callback threw: {}", e.what());
    } catch (...) {
      spdlog::error("mas executor: a job's completion callback threw");
    }
    done_ = nullptr;   // release what the callback holds before the executor may go away
    core_->job_finished();
  }

  std::shared_ptr<Core> core_;
  Job job_;
  std::function<void(Trace)> done_;

  std::mutex mu_;
  Trace trace_;
  std::vector<std::size_t> waiting_;             // predecessors not yet finished
  std::vector<std::string> upstream_failure_;    // the failed agent behind a failed predecessor
  std::vector<bool> own_error_;                  // failed itself (not because of upstream)
  std::vector<bool> rerun_;                      // false: copied from the reference trace
  std::size_t resolved_ = 0;
  bool delivered_ = false;
  bool budget_exceeded_ = false;
  bool service_failed_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

struct Executor::Impl {
  std::shared_ptr<Core> core;
  ExecutorOptions options;

  // Programming errors in a job are reported before anything runs, so a batch is never half sent.
  void check(const Job& job) const {
    if (!job.reference) return;
    const System& system = *core->system;
    if (!system.has_agent(job.from_agent)) {
      throw std::invalid_argument("partial re-execution: system `" + system.name() + "` has no agent `" +
                                  job.from_agent + "`");
    }
    const auto& agents = system.agents();
    bool same = job.reference->agents.size() == agents.size();
    for (std::size_t i = 0; same && i < agents.size(); ++i) same = job.reference->agents[i].agent == agents[i].id;
    if (!same) {
      throw std::invalid_argument("partial re-execution: the reference trace is not a trace of system `" +
                                  system.name() + "` (its agents differ)");
    }
  }
};

Executor::Executor(llm::Client& client, std::shared_ptr<const System> system, ExecutorOptions options)
    : system_(std::move(system)), impl_(std::make_unique<Impl>()) {
  impl_->core = std::make_shared<Core>(client, system_);
  impl_->options = options;
  if (impl_->options.max_questions_in_flight < 1) impl_->options.max_questions_in_flight = 1;
}

Executor::~Executor() {
  std::unique_lock lock(impl_->core->mu);
  impl_->core->idle.wait(lock, [&] { return impl_->core->jobs_in_flight == 0; });
}

void Executor::submit(Job job, std::function<void(Trace)> done) {
  impl_->check(job);
  if (job.question.empty() && job.reference) job.question = job.reference->question;
  impl_->core->job_started();
  std::make_shared<JobRun>(impl_->core, std::move(job), std::move(done))->start();
}

std::vector<Trace> Executor::run_jobs(std::vector<Job> jobs, std::function<void(std::size_t, const Trace&)> on_done) {
  for (const Job& job : jobs) impl_->check(job);
  // Completions are queued and handed to on_done here, on the calling thread: serialized, and
  // never on a client thread where slow caller code would hold up other replies.
  struct Finished {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<std::size_t, Trace>> queue;
  };
  auto finished = std::make_shared<Finished>();
  std::vector<Trace> results(jobs.size());
  const std::size_t limit = static_cast<std::size_t>(impl_->options.max_questions_in_flight);
  std::size_t next = 0, in_flight = 0, completed = 0;
  while (completed < jobs.size()) {
    while (next < jobs.size() && in_flight < limit) {
      ++in_flight;
      std::size_t index = next++;
      submit(std::move(jobs[index]), [finished, index](Trace trace) {
        std::lock_guard lock(finished->mu);
        finished->queue.emplace_back(index, std::move(trace));
        finished->cv.notify_one();
      });
    }
    std::deque<std::pair<std::size_t, Trace>> batch;
    {
      std::unique_lock lock(finished->mu);
      finished->cv.wait(lock, [&] { return !finished->queue.empty(); });
      batch.swap(finished->queue);
    }
    for (auto& [index, trace] : batch) {
      --in_flight;
      ++completed;
      if (on_done) on_done(index, trace);
      results[index] = std::move(trace);
    }
  }
  return results;
}

Trace Executor::run(const PromptMap& prompts, const std::string& question) {
  std::vector<Job> jobs(1);
  jobs[0].question = question;
  jobs[0].prompts = std::make_shared<const PromptMap>(prompts);
  return std::move(run_jobs(std::move(jobs)).front());
}

Trace Executor::rerun(const Trace& reference, const PromptMap& prompts, std::string_view from_agent) {
  std::vector<Job> jobs(1);
  jobs[0].question = reference.question;
  jobs[0].prompts = std::make_shared<const PromptMap>(prompts);
  jobs[0].reference = std::make_shared<const Trace>(reference);
  jobs[0].from_agent = std::string(from_agent);
  return std::move(run_jobs(std::move(jobs)).front());
}

}  // namespace maspo::mas
