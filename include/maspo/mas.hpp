// maspo/mas.hpp — a multi-agent system: its spec (agents, templates, edges), the DAG executor that
// sends questions through it, and the traces it leaves.
//
// A system is a YAML file (docs/systems.md) or a built-in topology written in a line:
//   sequential[:n]      Predictor -> Reflector, repeated n times (default n = 2: the paper's 4 agents)
//   hierarchical        math, science and code agents -> summarizer
//   debate              two predictors -> debater
//   vote[:n]            n predictors -> majority vote (no LLM)
//   llm_aggregate[:n]   n predictors -> LLM aggregator
// with seed templates chosen by task type (MASPO.md §2.2, App. D).
//
// Templates follow Python str.format brace rules: `{question}` and `{context}` are the only
// placeholders, `{{` and `}}` are literal braces, anything else in braces is an error naming the
// agent. Every template needs {question}; an agent with predecessors needs {context}.
//
// Context passing: `summary` (default; each non-terminal agent's output is compressed by one more
// LLM call to <= 30 words, <= 50 for code, as the reference code did and the paper's numbers used)
// or `raw` (predecessor outputs joined, the paper's wording). Predecessor contributions are joined
// in topological order with a line "---" between them. A vote agent always sees raw outputs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/data.hpp"
#include "maspo/llm.hpp"

namespace maspo::mas {

using json = nlohmann::json;
using data::TaskType;

enum class ContextMode { raw, summary };
std::string_view to_string(ContextMode mode);

enum class AgentKind {
  llm,    // one role call (+ one compression call in summary mode when not terminal)
  vote,   // majority vote over its predecessors' raw outputs (eval::vote_key); no LLM call
};

struct Agent {
  std::string id;                 // unique, [A-Za-z0-9_-]+
  std::string type;               // agent type shown to the optimizer: "Predictor", "Reflector", ...
  std::string role;               // one-line role description (optimizer and terminal judge see it)
  std::string prompt;             // the seed template
  AgentKind kind = AgentKind::llm;
  std::string model_role = "agents";   // llm::Client role its calls go to
  double temperature = 0.0;
  int max_tokens = 4096;
  int line = 0;                   // line in the YAML file (0 for built-ins)
};

// Agent id -> template. What the optimizer changes; what `maspo run --prompts` reads.
using PromptMap = std::map<std::string, std::string>;

// A validated system. Construction checks everything; the graph queries are then cheap.
class System {
 public:
  // Throws util::InputError naming `source` (file), line and agent for: duplicate or bad ids,
  // unknown ids in edges, self-loops, cycles, no sink or several sinks, empty templates, stray
  // placeholders, a missing {question}, a missing {context} in an agent with predecessors, a vote
  // agent with no predecessors.
  System(std::string name, TaskType task, ContextMode context, std::vector<Agent> agents,
         std::vector<std::pair<std::string, std::string>> edges, std::string source = "<built-in>");

  const std::string& name() const { return name_; }
  TaskType task() const { return task_; }
  ContextMode context_mode() const { return context_; }
  const std::string& source() const { return source_; }
  const std::vector<Agent>& agents() const { return agents_; }       // in topological order
  const std::vector<std::pair<std::string, std::string>>& edges() const { return edges_; }

  const Agent& agent(std::string_view id) const;    // throws std::out_of_range
  std::size_t index(std::string_view id) const;      // position in topological order
  bool has_agent(std::string_view id) const;
  const std::string& sink() const;                   // the terminal agent
  std::vector<std::string> predecessors(std::string_view id) const;   // topological order
  std::vector<std::string> successors(std::string_view id) const;     // topological order
  // Successors up to `depth` hops away (depth 1 = immediate), topological order, no repeats.
  std::vector<std::string> successors_within(std::string_view id, int depth) const;
  std::vector<std::string> descendants(std::string_view id) const;    // transitive, topo order
  std::vector<std::vector<std::string>> levels() const;  // agents whose predecessors are all in earlier levels
  PromptMap seed_prompts() const;

 private:
  std::string name_;
  TaskType task_;
  ContextMode context_;
  std::vector<Agent> agents_;
  std::vector<std::pair<std::string, std::string>> edges_;
  std::string source_;
  std::map<std::string, std::size_t> index_;
};

// Loads a system YAML file (see docs/systems.md). `task` fills in a file that names none (and
// picks the built-in seed templates). Throws util::InputError with file:line.
System load_system(const std::filesystem::path& path, std::optional<TaskType> task = std::nullopt);
System parse_system(std::string_view yaml_text, std::string_view source_name,
                    std::optional<TaskType> task = std::nullopt);
// A built-in topology spec ("sequential:2", "hierarchical", ...). Throws InputError.
System builtin_system(std::string_view spec, TaskType task, ContextMode context = ContextMode::summary);
bool is_builtin_spec(std::string_view text);
// The path if it names a file, else a built-in spec.
System load_system_or_builtin(std::string_view path_or_spec, std::optional<TaskType> task);

// The seed template for an agent type ("Predictor", "Reflector", "MathAgent", "ScienceAgent",
// "CodeAgent", "Summarizer", "Debater", "Aggregator") and task type.
std::string seed_template(std::string_view agent_type, TaskType task);

// ---- templates ------------------------------------------------------------------------------
// Thrown for a template that does not follow the rules above; what() names the problem and column.
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
struct Placeholders {
  bool question = false;
  bool context = false;
};
// Checks a template; throws TemplateError on a stray `{`/`}` or an unknown placeholder.
Placeholders check_template(std::string_view tmpl);
// str.format with exactly {question} and {context}. Throws TemplateError.
std::string format_template(std::string_view tmpl, std::string_view question, std::string_view context);

// Prompt maps: JSON object {agent_id: template}. Unknown ids and bad templates are InputErrors
// naming the file and the agent; agents the file omits keep their seed prompt.
PromptMap load_prompt_map(const std::filesystem::path& path, const System& system);
PromptMap parse_prompt_map(std::string_view json_text, std::string_view source_name, const System& system);
void validate_prompt_map(const PromptMap& prompts, const System& system, std::string_view source_name);

// ---- traces ---------------------------------------------------------------------------------
struct AgentTrace {
  std::string agent;
  std::string prompt;          // the template used
  std::string input_context;   // what {context} became
  std::string output;          // raw output (vote: the winning raw output)
  std::string summary;         // what successors received (summary mode), else == output
  std::string finish_reason;
  llm::Usage usage;            // role call + compression call
  double latency_s = 0.0;      // role call + compression call
  int calls = 0;               // LLM calls made or served from cache for this agent
  int cached_calls = 0;
  bool reused = false;         // copied from a reference trace by partial re-execution
  std::string error;           // non-empty: this agent failed (and so did its descendants)
};

struct Trace {
  std::string question;
  std::vector<AgentTrace> agents;   // topological order, one per agent
  std::string final_output;         // the sink's raw output
  std::string error;                // first agent error, "" when every agent succeeded
  bool budget_exceeded = false;     // an llm::BudgetExceeded stopped it (the run should stop)
  bool service_failed = false;      // a call failed for the service, not its content: connection,
                                    // timeout, 429 or 5xx after every retry (llm::Error::transient)
  llm::Usage usage;                 // all calls of this question (reused agents excluded)
  double latency_s = 0.0;           // wall time of this question
  const AgentTrace* find(std::string_view agent) const;
};
json to_json(const AgentTrace& trace);
json to_json(const Trace& trace);
Trace trace_from_json(const json& j);   // throws std::invalid_argument on a malformed trace

// ---- execution ------------------------------------------------------------------------------
struct ExecutorOptions {
  int max_questions_in_flight = 16;   // bounded concurrency over questions (jobs)
};

// One unit of work: a question through the whole system, or (with `reference`) a partial
// re-execution: `from_agent` and all its descendants run with `prompts`; every other agent's
// trace is copied from `reference`, so a candidate sees exactly the reference's upstream context.
struct Job {
  std::string question;
  std::shared_ptr<const PromptMap> prompts;
  std::shared_ptr<const Trace> reference;   // null: full run
  std::string from_agent;                   // with reference: where re-execution starts
};

class Executor {
 public:
  Executor(llm::Client& client, std::shared_ptr<const System> system, ExecutorOptions options = {});
  ~Executor();

  const System& system() const { return *system_; }

  // Non-blocking; `done` is called once, from any thread. Agents of one level run concurrently.
  void submit(Job job, std::function<void(Trace)> done);

  // Blocking conveniences.
  Trace run(const PromptMap& prompts, const std::string& question);
  Trace rerun(const Trace& reference, const PromptMap& prompts, std::string_view from_agent);
  // Runs every job, at most max_questions_in_flight at once; `on_done(index, trace)` is called as
  // each finishes (serialized: never two at once). Returns the traces in job order.
  std::vector<Trace> run_jobs(std::vector<Job> jobs,
                              std::function<void(std::size_t, const Trace&)> on_done = {});

 private:
  struct Impl;
  std::shared_ptr<const System> system_;
  std::unique_ptr<Impl> impl_;
};

// The compression request sent for an agent's output in summary mode (exposed for tests).
llm::Request compression_request(const Agent& agent, TaskType task, std::string_view output);
// The role-call request for an agent given its formatted prompt.
llm::Request agent_request(const Agent& agent, std::string formatted_prompt);

}  // namespace maspo::mas
