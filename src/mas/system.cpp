// System: validation of a spec and the graph queries over it.
//
// Everything is checked once, in the constructor, in the order a user fixes things: ids, then
// each agent's own fields, then edges, then the shape of the graph. Agents are stored in a stable
// topological order (Kahn's algorithm; among agents that are ready together, the one declared
// first comes first), so "topological order" means the same thing in every trace and prompt map.
// Graphs are a handful of agents, so the queries scan the edge list instead of keeping indexes.
#include <algorithm>
#include <cmath>
#include <queue>
#include <set>
#include <stdexcept>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"
#include "mas/internal.hpp"

namespace maspo::mas {

namespace detail {

void fail_agent(std::string_view source, int line, std::string_view agent, std::string_view message) {
  std::string text = "agent `" + std::string(agent) + "`: ";
  text += message;
  throw InputError(where(source, line, "", text));
}

void check_agent_template(std::string_view source, int line, std::string_view agent, std::string_view tmpl,
                          bool has_predecessors, std::string_view what) {
  std::string w(what);
  if (tmpl.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    fail_agent(source, line, agent, w + " is empty (expected text with a {question} placeholder)");
  }
  Placeholders found;
  try {
    found = check_template(tmpl);
  } catch (const TemplateError& e) {
    fail_agent(source, line, agent, w + ": " + e.what());
  }
  if (!found.question) {
    fail_agent(source, line, agent, w + " has no {question} placeholder (every agent must see the question)");
  }
  if (has_predecessors && !found.context) {
    fail_agent(source, line, agent,
               w + " has no {context} placeholder, but the agent has predecessors (their output would be lost)");
  }
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string join_ids(const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 10;
  if (ids.size() <= kShown) return join(ids);
  return join(std::vector<std::string>(ids.begin(), ids.begin() + kShown)) + ", ... and " +
         std::to_string(ids.size() - kShown) + " more";
}

}  // namespace detail

namespace {

using detail::fail_agent;

bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// One cycle among `stuck` (agents Kahn's algorithm could not order; each has a stuck
// predecessor), as "a -> b -> c -> a" in edge direction.
std::string describe_cycle(const std::vector<Agent>& agents, const std::vector<std::vector<std::size_t>>& preds,
                           const std::vector<bool>& stuck) {
  std::size_t start = 0;
  while (!stuck[start]) ++start;
  // Walk backwards along stuck predecessors until a node repeats: that stretch is a cycle.
  std::vector<std::size_t> path;
  std::vector<int> seen_at(agents.size(), -1);
  std::size_t v = start;
  while (seen_at[v] < 0) {
    seen_at[v] = static_cast<int>(path.size());
    path.push_back(v);
    for (std::size_t p : preds[v]) {
      if (stuck[p]) {
        v = p;
        break;
      }
    }
  }
  std::vector<std::size_t> cycle(path.begin() + seen_at[v], path.end());
  std::reverse(cycle.begin(), cycle.end());  // we walked predecessors; show edge direction
  // Start at the agent declared first, so the message does not depend on where the walk began.
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  // A long loop shows its start only: the message must stay one readable line.
  constexpr std::size_t kShown = 10;
  std::string out;
  for (std::size_t k = 0; k < cycle.size() && k < kShown; ++k) out += agents[cycle[k]].id + " -> ";
  if (cycle.size() > kShown) out += "... (" + std::to_string(cycle.size() - kShown) + " more agents) -> ";
  return out + agents[cycle.front()].id;
}

}  // namespace

System::System(std::string name, TaskType task, ContextMode context, std::vector<Agent> agents,
               std::vector<std::pair<std::string, std::string>> edges, std::string source)
    : name_(std::move(name)), task_(task), context_(context), edges_(std::move(edges)), source_(std::move(source)) {
  if (agents.empty()) throw InputError(where(source_, 0, "", "the system has no agents (expected at least one)"));

  // Ids first: every later message names agents by id.
  std::map<std::string, std::size_t> declared;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const Agent& a = agents[i];
    if (!valid_id(a.id)) {
      fail_agent(source_, a.line, a.id, "bad id (expected letters, digits, `_` or `-`, at least one)");
    }
    auto [it, fresh] = declared.emplace(a.id, i);
    if (!fresh) {
      const Agent& first = agents[it->second];
      fail_agent(source_, a.line, a.id,
                 "duplicate id (first declared" + (first.line > 0 ? " at line " + std::to_string(first.line) : "") + ")");
    }
  }
  // Each agent's own fields (templates need the graph, so they come after the edges).
  for (const Agent& a : agents) {
    if (a.model_role.empty()) fail_agent(source_, a.line, a.id, "model_role is empty (expected a role such as `agents`)");
    if (!std::isfinite(a.temperature) || a.temperature < 0) {
      fail_agent(source_, a.line, a.id, "temperature must be a number >= 0");
    }
    if (a.max_tokens <= 0) fail_agent(source_, a.line, a.id, "max_tokens must be a positive integer");
  }

  // Edges: known ids, no self-loops, no duplicates. Reported at the line of the edge's source agent.
  const std::size_t n = agents.size();
  std::vector<std::vector<std::size_t>> preds(n), succs(n);
  std::set<std::pair<std::size_t, std::size_t>> seen_edges;
  std::vector<std::string> ids;
  for (const auto& a : agents) ids.push_back(a.id);
  for (const auto& [from, to] : edges_) {
    for (const std::string* end : {&from, &to}) {
      if (!declared.count(*end)) {
        throw InputError(where(source_, 0, "",
                               "edge `" + from + " -> " + to + "`: unknown agent `" + *end +
                                   "` (agents: " + detail::join_ids(ids) + ")"));
      }
    }
    std::size_t f = declared[from], t = declared[to];
    if (f == t) fail_agent(source_, agents[f].line, from, "edge `" + from + " -> " + to + "` is a self-loop");
    if (!seen_edges.emplace(f, t).second) {
      fail_agent(source_, agents[f].line, from, "edge `" + from + " -> " + to + "` is listed twice");
    }
    preds[t].push_back(f);
    succs[f].push_back(t);
  }

  // Kahn's algorithm; the ready set is ordered by declaration index, which makes the order stable.
  std::vector<std::size_t> indegree(n);
  for (std::size_t i = 0; i < n; ++i) indegree[i] = preds[i].size();
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (indegree[i] == 0) ready.push(i);
  }
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    std::size_t v = ready.top();
    ready.pop();
    order.push_back(v);
    for (std::size_t s : succs[v]) {
      if (--indegree[s] == 0) ready.push(s);
    }
  }
  if (order.size() != n) {
    std::vector<bool> stuck(n, true);
    for (std::size_t v : order) stuck[v] = false;
    std::size_t first = 0;
    while (!stuck[first]) ++first;
    std::string cycle = describe_cycle(agents, preds, stuck);
    throw InputError(where(source_, agents[first].line, "",
                           "the graph has a cycle: " + cycle + " (a system must be a DAG)"));
  }

  std::vector<std::string> sinks;
  for (std::size_t v : order) {
    if (succs[v].empty()) sinks.push_back(agents[v].id);
  }
  // Without cycles there is always at least one sink; several means several final answers.
  if (sinks.size() > 1) {
    const Agent& second = agents[declared[sinks[1]]];
    throw InputError(where(source_, second.line, "",
                           "the system has " + std::to_string(sinks.size()) + " terminal agents (" +
                               detail::join_ids(sinks) + "); expected exactly one agent with no successors, "
                               "whose output is the system's answer"));
  }

  for (std::size_t v : order) {
    const Agent& a = agents[v];
    bool has_preds = !preds[v].empty();
    if (a.kind == AgentKind::vote) {
      if (!has_preds) fail_agent(source_, a.line, a.id, "a vote agent needs predecessors to vote over");
      // A vote makes no LLM call; a template, if given, is never formatted, but keep it valid.
      if (!a.prompt.empty()) {
        try {
          check_template(a.prompt);
        } catch (const TemplateError& e) {
          fail_agent(source_, a.line, a.id, std::string("template: ") + e.what());
        }
      }
      continue;
    }
    detail::check_agent_template(source_, a.line, a.id, a.prompt, has_preds);
  }

  agents_.reserve(n);
  for (std::size_t v : order) {
    index_[agents[v].id] = agents_.size();
    agents_.push_back(std::move(agents[v]));
  }
}

const Agent& System::agent(std::string_view id) const { return agents_[index(id)]; }

std::size_t System::index(std::string_view id) const {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) throw std::out_of_range("system `" + name_ + "` has no agent `" + std::string(id) + "`");
  return it->second;
}

bool System::has_agent(std::string_view id) const { return index_.count(std::string(id)) > 0; }

const std::string& System::sink() const {
  for (const Agent& a : agents_) {
    bool has_out = std::any_of(edges_.begin(), edges_.end(), [&](const auto& e) { return e.first == a.id; });
    if (!has_out) return a.id;
  }
  return agents_.back().id;  // unreachable: the constructor guarantees exactly one sink
}

namespace {

// Ids from a set of topological indices, in topological order.
std::vector<std::string> ids_of(const std::set<std::size_t>& indices, const std::vector<Agent>& agents) {
  std::vector<std::string> out;
  for (std::size_t i : indices) out.push_back(agents[i].id);
  return out;
}

}  // namespace

std::vector<std::string> System::predecessors(std::string_view id) const {
  index(id);  // throws for an unknown id
  std::set<std::size_t> found;
  for (const auto& [from, to] : edges_) {
    if (to == id) found.insert(index(from));
  }
  return ids_of(found, agents_);
}

std::vector<std::string> System::successors(std::string_view id) const { return successors_within(id, 1); }

std::vector<std::string> System::successors_within(std::string_view id, int depth) const {
  std::set<std::size_t> found;
  std::vector<std::string> frontier = {std::string(id)};
  index(id);
  for (int hop = 0; hop < depth && !frontier.empty(); ++hop) {
    std::vector<std::string> next;
    for (const auto& v : frontier) {
      for (const auto& [from, to] : edges_) {
        if (from == v && found.insert(index(to)).second) next.push_back(to);
      }
    }
    frontier = std::move(next);
  }
  return ids_of(found, agents_);
}

std::vector<std::string> System::descendants(std::string_view id) const {
  return successors_within(id, static_cast<int>(agents_.size()));
}

std::vector<std::vector<std::string>> System::levels() const {
  // In topological order every predecessor's level is known before it is needed.
  std::vector<std::size_t> level(agents_.size(), 0);
  std::size_t depth = 0;
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    for (const auto& [from, to] : edges_) {
      if (to == agents_[i].id) level[i] = std::max(level[i], level[index(from)] + 1);
    }
    depth = std::max(depth, level[i] + 1);
  }
  std::vector<std::vector<std::string>> out(depth);
  for (std::size_t i = 0; i < agents_.size(); ++i) out[level[i]].push_back(agents_[i].id);
  return out;
}

PromptMap System::seed_prompts() const {
  PromptMap out;
  for (const Agent& a : agents_) {
    if (a.kind == AgentKind::llm) out[a.id] = a.prompt;
  }
  return out;
}

}  // namespace maspo::mas
