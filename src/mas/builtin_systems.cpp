// Built-in topologies, written as one line: "sequential:2", "hierarchical", "vote:5", ...
// (MASPO.md §2.2). Each builds agents with seed templates for the task type and then goes through
// the same System constructor as a YAML file, so a built-in is validated like any user system.
#include <charconv>
#include <string>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"
#include "mas/internal.hpp"

namespace maspo::mas {

namespace {

constexpr int kMaxN = 16;

struct Builtin {
  std::string_view name;
  bool takes_n;
  int default_n;
};

// vote and llm_aggregate default to 3 voters: fewer cannot break a tie between two answers.
constexpr Builtin kBuiltins[] = {
    {"sequential", true, 2}, {"hierarchical", false, 0}, {"debate", false, 0},
    {"vote", true, 3},       {"llm_aggregate", true, 3},
};

constexpr std::string_view kList = "sequential[:n], hierarchical, debate, vote[:n], llm_aggregate[:n]";

const Builtin* find(std::string_view name) {
  for (const Builtin& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

[[noreturn]] void fail(std::string_view spec, const std::string& message) {
  throw InputError("built-in system `" + std::string(spec) + "`: " + message);
}

Agent make(std::string id, std::string type, std::string role, TaskType task) {
  Agent a;
  a.id = std::move(id);
  a.prompt = seed_template(type, task);
  a.type = std::move(type);
  a.role = std::move(role);
  return a;
}

// Parallel predictors that feed a vote or an aggregator must differ, or the vote is one answer
// counted n times: they sample at this temperature (each agent draws its own sample, see
// agent_request), which a YAML override can change.
constexpr double kParallelTemperature = 0.7;

Agent parallel_predictor(std::string id, TaskType task) {
  Agent a = make(std::move(id), "Predictor", "Solves the question independently, step by step.", task);
  a.temperature = kParallelTemperature;
  return a;
}

}  // namespace

bool is_builtin_spec(std::string_view text) {
  return find(text.substr(0, text.find(':'))) != nullptr;
}

System builtin_system(std::string_view spec, TaskType task, ContextMode context) {
  std::size_t colon = spec.find(':');
  std::string_view name = spec.substr(0, colon);
  const Builtin* b = find(name);
  if (b == nullptr) fail(spec, "unknown (built-ins: " + std::string(kList) + ")");
  int n = b->default_n;
  if (colon != std::string_view::npos) {
    std::string_view digits = spec.substr(colon + 1);
    if (!b->takes_n) fail(spec, std::string(name) + " has a fixed shape and takes no `:n`");
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
      fail(spec, "expected a whole number after `:` (e.g. " + std::string(name) + ":2)");
    }
    if (n < 1 || n > kMaxN) {
      fail(spec, "n must be between 1 and " + std::to_string(kMaxN) + ", got " + std::string(digits));
    }
  }

  std::vector<Agent> agents;
  std::vector<std::pair<std::string, std::string>> edges;
  std::string display(name);
  if (name == "sequential") {
    display += ":" + std::to_string(n);
    std::string previous;
    for (int i = 1; i <= n; ++i) {
      std::string k = std::to_string(i);
      agents.push_back(make("predictor_" + k, "Predictor",
                            "Solves the question step by step, building on any earlier review, and gives an answer.",
                            task));
      agents.push_back(make("reflector_" + k, "Reflector",
                            "Reviews the proposed solution, points out errors, and gives a corrected final answer.",
                            task));
      if (!previous.empty()) edges.emplace_back(previous, "predictor_" + k);
      edges.emplace_back("predictor_" + k, "reflector_" + k);
      previous = "reflector_" + k;
    }
  } else if (name == "hierarchical") {
    agents.push_back(make("math_agent", "MathAgent", "Solves the question from a mathematician's point of view.", task));
    agents.push_back(make("science_agent", "ScienceAgent", "Solves the question from a scientist's point of view.", task));
    agents.push_back(make("code_agent", "CodeAgent", "Solves the question from a programmer's point of view.", task));
    agents.push_back(make("summarizer", "Summarizer",
                          "Weighs the three specialists' work and gives the system's final answer.", task));
    for (const char* from : {"math_agent", "science_agent", "code_agent"}) edges.emplace_back(from, "summarizer");
  } else if (name == "debate") {
    agents.push_back(parallel_predictor("predictor_a", task));
    agents.push_back(parallel_predictor("predictor_b", task));
    agents.push_back(make("debater", "Debater", "Compares the two solutions and gives the final answer.", task));
    edges = {{"predictor_a", "debater"}, {"predictor_b", "debater"}};
  } else {  // vote, llm_aggregate
    display += ":" + std::to_string(n);
    std::string sink = name == "vote" ? "vote" : "aggregator";
    for (int i = 1; i <= n; ++i) {
      agents.push_back(parallel_predictor("predictor_" + std::to_string(i), task));
      edges.emplace_back("predictor_" + std::to_string(i), sink);
    }
    if (name == "vote") {
      Agent vote;
      vote.id = "vote";
      vote.type = "Vote";
      vote.role = "Majority vote over the predictors' answers (no LLM call).";
      vote.kind = AgentKind::vote;
      agents.push_back(std::move(vote));
    } else {
      agents.push_back(make("aggregator", "Aggregator", "Reads the independent solutions and gives the final answer.",
                            task));
    }
  }
  return System(display, task, context, std::move(agents), std::move(edges), "<built-in " + display + ">");
}

System load_system_or_builtin(std::string_view path_or_spec, std::optional<TaskType> task) {
  if (is_builtin_spec(path_or_spec)) {
    if (!task) {
      throw InputError("built-in system `" + std::string(path_or_spec) +
                       "`: a task type is needed to pick its seed templates (math, choice, reasoning_choice, code, exact)");
    }
    return builtin_system(path_or_spec, *task);
  }
  std::filesystem::path path{std::string(path_or_spec)};
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return load_system(path, task);
  throw InputError("`" + std::string(path_or_spec) + "` is neither a system file nor a built-in system (built-ins: " +
                   std::string(kList) + ")");
}

}  // namespace maspo::mas
