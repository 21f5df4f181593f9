#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "harness/items_file.hpp"
#include "harness/run_manifest.hpp"
#include "maspo/harness.hpp"
#include "maspo/util.hpp"

namespace maspo::harness {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double total_dollars(const llm::Client& client) {
  double d = 0.0;
  for (const auto& line : client.usage()) d += line.dollars;
  return d;
}

ItemResult make_item(const data::Example& example, const mas::Trace& trace, const eval::Grader& grader) {
  ItemResult item;
  item.id = example.id;
  item.gold = example.gold;
  item.usage = trace.usage;
  item.latency_s = trace.latency_s;
  item.trace = trace;
  if (!trace.error.empty()) {
    // The system failed on this question (a model call failed after its retries): a wrong
    // answer for this item, recorded with why; the run goes on.
    item.status = "error";
    item.error = trace.error;
    return item;
  }
  try {
    eval::Grade g = grader.grade(example, trace.final_output);
    item.correct = g.correct;
    item.extracted = g.extracted;
    // "error" is kept for items the system failed on (rerun on resume); generated code that
    // raised is an answer, and a wrong one.
    item.status = g.status == "error" ? "code_error" : g.status;
    item.error = g.detail;
  } catch (const std::exception& e) {
    item.status = "error";
    item.error = fmt::format("grading failed: {}", e.what());
  }
  return item;
}

// Grades finished traces off the executor's callback thread: code grading runs a sandboxed
// process per item, which must not hold up the LLM pipeline.
class GradingPool {
 public:
  using Work = std::function<void()>;
  explicit GradingPool(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~GradingPool() {
    // Reached with finish() not yet called only while an exception unwinds: join, never throw.
    try {
      finish();
    } catch (...) {
    }
  }
  void post(Work work) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(work));
    }
    cv_.notify_one();
  }
  // Waits for every posted job; rethrows the first exception one of them threw.
  void finish() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void loop() {
    for (;;) {
      Work work;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      try {
        work();
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Work> queue_;
  bool closing_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;
};

}  // namespace

Summary evaluate(llm::Client& client, std::shared_ptr<const mas::System> system,
                 const mas::PromptMap& prompts, const data::Dataset& dataset,
                 const eval::Grader& grader, const RunOptions& options) {
  const auto started = Clock::now();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) throw InputError(fmt::format("{}: cannot create the output directory: {}", options.out_dir.string(), ec.message()));

  const fs::path manifest_path = options.out_dir / "run.json";
  const fs::path items_path = options.out_dir / "items.jsonl";
  // run.json is written before any item, so items without it were not written by a maspo run:
  // resuming into them would count someone else's records as ours. (A file that is not even
  // item records says so first, without being touched.)
  if (!fs::exists(manifest_path, ec) && fs::exists(items_path, ec)) {
    read_items(items_path, /*repair=*/false);
    throw InputError(fmt::format("{}: holds an items.jsonl but no run.json, so it is not a maspo run "
                                 "(maspo writes run.json before any item); expected a new directory or an "
                                 "earlier run's --out",
                                 options.out_dir.string()));
  }
  write_or_check_manifest(manifest_path, make_manifest(client, *system, prompts, dataset, options.limit, options.seed));

  const std::vector<data::Example> selected = data::sample(dataset.examples, options.limit, options.seed);
  std::map<std::string, nlohmann::json> finished = read_items(items_path);

  // Items that ended in a system error are run again on resume: the error was most likely a
  // server that was down, and the cache makes every call that did succeed free.
  std::vector<std::size_t> pending;
  int resumed = 0;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    auto it = finished.find(selected[i].id);
    if (it != finished.end() && it->second.value("status", "") != "error") {
      ++resumed;
    } else {
      pending.push_back(i);
    }
  }

  Progress progress;
  progress.total = static_cast<int>(selected.size());
  for (const auto& ex : selected) {
    auto it = finished.find(ex.id);
    if (it == finished.end() || it->second.value("status", "") == "error") continue;
    ++progress.done;
    if (it->second.value("correct", false)) ++progress.correct;
    progress.tokens += it->second.value("prompt_tokens", 0LL) + it->second.value("completion_tokens", 0LL);
  }

  std::mutex mutex;  // guards progress, finished, budget_stop
  bool budget_stop = false;
  std::string service_failure;   // first message of a service failure (items left pending)
  int done_this_run = 0;
  {
    ItemsWriter writer(items_path);
    auto shared_prompts = std::make_shared<const mas::PromptMap>(prompts);
    std::vector<mas::Job> jobs;
    jobs.reserve(pending.size());
    for (std::size_t i : pending) jobs.push_back({selected[i].question, shared_prompts, nullptr, {}});

    const int graders = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
    GradingPool pool(graders);
    mas::Executor executor(client, system, {options.max_questions_in_flight});
    executor.run_jobs(std::move(jobs), [&](std::size_t job, const mas::Trace& trace) {
      const data::Example& example = selected[pending[job]];
      pool.post([&, trace] {
        if (trace.budget_exceeded) {
          // Not an answer: the item stays pending and a resume with a larger budget runs it.
          std::lock_guard lock(mutex);
          budget_stop = true;
          return;
        }
        if (trace.service_failed) {
          // The model service failed past every retry: not the system's answer either. The item
          // stays pending; a resume once the service is back runs it.
          std::lock_guard lock(mutex);
          if (service_failure.empty()) service_failure = trace.error;
          return;
        }
        ItemResult item = make_item(example, trace, grader);
        nlohmann::json record = to_json(item);
        writer.append(record);
        std::lock_guard lock(mutex);
        finished[item.id] = std::move(record);
        ++progress.done;
        if (item.correct) ++progress.correct;
        ++done_this_run;
        progress.tokens += item.usage.total();
        progress.dollars = total_dollars(client);
        progress.elapsed_s = seconds_since(started);
        const int remaining = progress.total - progress.done;
        progress.eta_s = done_this_run > 0 ? progress.elapsed_s / done_this_run * remaining : -1.0;
        if (options.on_progress) options.on_progress(progress);
      });
    });
    pool.finish();
  }

  Summary s;
  s.system = system->name();
  s.dataset = dataset.name;
  s.selected = static_cast<int>(selected.size());
  s.resumed = resumed;
  s.stopped_by_budget = budget_stop;
  s.stopped_by_failure = service_failure;
  for (const auto& ex : selected) {
    auto it = finished.find(ex.id);
    if (it == finished.end()) continue;
    const auto& j = it->second;
    ++s.total;
    if (j.value("correct", false)) ++s.correct;
    if (j.value("status", "") == "error") ++s.errors;
    s.prompt_tokens += j.value("prompt_tokens", 0LL);
    s.completion_tokens += j.value("completion_tokens", 0LL);
  }
  s.accuracy = s.total > 0 ? static_cast<double>(s.correct) / s.total : 0.0;
  s.ci95 = eval::wilson_interval(s.correct, s.total);
  s.wall_s = seconds_since(started);
  s.usage = client.usage();
  s.skipped_lines = dataset.skipped;
  write_file_atomic(options.out_dir / "summary.json", to_json(s).dump(2) + "\n");
  return s;
}

}  // namespace maspo::harness
