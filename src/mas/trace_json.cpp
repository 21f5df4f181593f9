// Traces as JSON: what run files and the run store keep, and read back on resume. Reading is
// strict (every field present with its type) so a truncated or hand-edited trace is reported,
// not half loaded.
#include <stdexcept>
#include <string>

#include "maspo/mas.hpp"

namespace maspo::mas {

const AgentTrace* Trace::find(std::string_view agent) const {
  for (const AgentTrace& a : agents) {
    if (a.agent == agent) return &a;
  }
  return nullptr;
}

namespace {

json usage_json(const llm::Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}};
}

std::string sub(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

[[noreturn]] void bad(const std::string& path, const std::string& expected) {
  std::string at = path.empty() ? "" : "`" + path + "`: ";
  throw std::invalid_argument("malformed trace: " + at + "expected " + expected);
}

const json& field(const json& j, const std::string& path, const char* key) {
  if (!j.is_object()) bad(path, "an object");
  auto it = j.find(key);
  if (it == j.end()) bad(sub(path, key), "a value (the key is missing)");
  return *it;
}

std::string text(const json& j, const std::string& path, const char* key) {
  const json& v = field(j, path, key);
  if (!v.is_string()) bad(sub(path, key), "a string");
  return v.get<std::string>();
}

double number(const json& j, const std::string& path, const char* key) {
  const json& v = field(j, path, key);
  if (!v.is_number()) bad(sub(path, key), "a number");
  return v.get<double>();
}

std::int64_t count(const json& j, const std::string& path, const char* key) {
  const json& v = field(j, path, key);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) bad(sub(path, key), "a non-negative integer");
  return v.get<std::int64_t>();
}

bool flag(const json& j, const std::string& path, const char* key) {
  const json& v = field(j, path, key);
  if (!v.is_boolean()) bad(sub(path, key), "true or false");
  return v.get<bool>();
}

llm::Usage usage_from(const json& j, const std::string& path) {
  const json& u = field(j, path, "usage");
  return {count(u, sub(path, "usage"), "prompt_tokens"), count(u, sub(path, "usage"), "completion_tokens")};
}

AgentTrace agent_from(const json& j, const std::string& path) {
  AgentTrace a;
  a.agent = text(j, path, "agent");
  a.prompt = text(j, path, "prompt");
  a.input_context = text(j, path, "input_context");
  a.output = text(j, path, "output");
  a.summary = text(j, path, "summary");
  a.finish_reason = text(j, path, "finish_reason");
  a.usage = usage_from(j, path);
  a.latency_s = number(j, path, "latency_s");
  a.calls = static_cast<int>(count(j, path, "calls"));
  a.cached_calls = static_cast<int>(count(j, path, "cached_calls"));
  a.reused = flag(j, path, "reused");
  a.error = text(j, path, "error");
  return a;
}

}  // namespace

json to_json(const AgentTrace& t) {
  return {{"agent", t.agent},
          {"prompt", t.prompt},
          {"input_context", t.input_context},
          {"output", t.output},
          {"summary", t.summary},
          {"finish_reason", t.finish_reason},
          {"usage", usage_json(t.usage)},
          {"latency_s", t.latency_s},
          {"calls", t.calls},
          {"cached_calls", t.cached_calls},
          {"reused", t.reused},
          {"error", t.error}};
}

json to_json(const Trace& t) {
  json agents = json::array();
  for (const AgentTrace& a : t.agents) agents.push_back(to_json(a));
  return {{"question", t.question},
          {"agents", std::move(agents)},
          {"final_output", t.final_output},
          {"error", t.error},
          {"budget_exceeded", t.budget_exceeded},
          {"usage", usage_json(t.usage)},
          {"latency_s", t.latency_s}};
}

Trace trace_from_json(const json& j) {
  Trace t;
  t.question = text(j, "", "question");
  const json& agents = field(j, "", "agents");
  if (!agents.is_array()) bad("agents", "a list of agent traces");
  for (std::size_t i = 0; i < agents.size(); ++i) t.agents.push_back(agent_from(agents[i], "agents[" + std::to_string(i) + "]"));
  t.final_output = text(j, "", "final_output");
  t.error = text(j, "", "error");
  t.budget_exceeded = flag(j, "", "budget_exceeded");
  t.usage = usage_from(j, "");
  t.latency_s = number(j, "", "latency_s");
  return t;
}

}  // namespace maspo::mas
