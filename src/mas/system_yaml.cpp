// System files (docs/systems.md): YAML -> System.
//
// Every key is checked: an unknown key (a typo such as `temprature`) stops loading with the file,
// the line and the key, because a silently ignored setting is a silently wrong experiment. The
// parser checks the shape of the file (types, known keys, edge ends) where it still knows line
// numbers; the System constructor then checks the graph and the templates.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string>

#include <yaml-cpp/yaml.h>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"
#include "mas/internal.hpp"
#include "util/utf8.hpp"
#include "util/yaml_text.hpp"

namespace maspo::mas {

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;   // a system is a few KB; more is the wrong file

int line_at(std::string_view text, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

int line_of(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

struct Entry {
  std::string key;
  int line = 0;
  YAML::Node value;
};

struct AgentFields {   // which keys an agent entry set, for overrides of a built-in
  bool type = false, role = false, prompt = false, kind = false, model_role = false, temperature = false,
       max_tokens = false;
};

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(int line, std::string_view key, std::string_view message) const {
    throw InputError(where(source_, line, key, message));
  }

  // The entries of a map in file order; fails on a non-map, a non-scalar key, a duplicate key,
  // and a key outside `allowed`.
  std::vector<Entry> entries(const YAML::Node& map, const std::string& path, int line,
                             const std::vector<std::string_view>& allowed, std::string_view prefix = {}) const {
    if (!map.IsMap()) fail(line, path, std::string(prefix) + "expected a map, got " + kind(map));
    std::vector<Entry> out;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      int key_line = line_of(it->first);
      if (!it->first.IsScalar()) fail(key_line, path, std::string(prefix) + "keys must be plain words");
      std::string key = it->first.Scalar();
      std::string full = path.empty() ? key : path + "." + key;
      bool known = false;
      for (auto a : allowed) known = known || a == key;
      if (!known) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(key_line, full, std::string(prefix) + "unknown key (expected one of: " + list + ")");
      }
      if (!seen.insert(key).second) fail(key_line, full, std::string(prefix) + "duplicate key");
      out.push_back({key, key_line, it->second});
    }
    return out;
  }

  std::string text(const Entry& e, const std::string& path, std::string_view prefix = {}) const {
    if (!e.value.IsScalar()) fail(e.line, path, std::string(prefix) + "expected text, got " + kind(e.value));
    return e.value.Scalar();
  }

  std::string one_of(const Entry& e, const std::string& path, const std::vector<std::string_view>& values,
                     std::string_view prefix = {}) const {
    std::string v = text(e, path, prefix);
    for (auto allowed : values) {
      if (allowed == v) return v;
    }
    std::string list;
    for (auto a : values) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(e.line, path, std::string(prefix) + "expected one of: " + list + " (got `" + shorten(v) + "`)");
  }

  double number(const Entry& e, const std::string& path, std::string_view prefix) const {
    std::string v = text(e, path, prefix);
    double d = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(d) || d < 0) {
      fail(e.line, path, std::string(prefix) + "expected a number >= 0 (got `" + shorten(v) + "`)");
    }
    return d;
  }

  int integer(const Entry& e, const std::string& path, int low, int high, std::string_view prefix = {}) const {
    std::string v = text(e, path, prefix);
    long long i = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || i < low || i > high) {
      fail(e.line, path, std::string(prefix) + "expected a whole number from " + std::to_string(low) + " to " +
                             std::to_string(high) + " (got `" + shorten(v) + "`)");
    }
    return static_cast<int>(i);
  }

  static std::string kind(const YAML::Node& n) {
    if (n.IsMap()) return "a map";
    if (n.IsSequence()) return "a list";
    if (n.IsNull()) return "nothing";
    return "text";
  }

  static std::string shorten(std::string_view v) {
    constexpr std::size_t kMax = 40;
    std::string out(v.substr(0, kMax));
    if (v.size() > kMax) out += "…";
    return out;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

const std::vector<std::string_view> kTopKeys = {"name", "description", "task", "context", "topology",
                                                "n", "agents", "edges"};
const std::vector<std::string_view> kAgentKeys = {"id", "type", "role", "template", "prompt", "kind",
                                                  "model_role", "temperature", "max_tokens"};

// Reads one entry of `agents:` into `agent` (whose fields keep their value where the entry is
// silent, which is how a built-in's agent is overridden).
AgentFields read_agent(const Parser& p, const YAML::Node& node, const std::string& path, Agent& agent) {
  int line = line_of(node);
  if (!node.IsMap()) p.fail(line, path, "expected a map with `id`, `type`, `template`, ... (got " + Parser::kind(node) + ")");
  std::string prefix;
  if (node["id"] && node["id"].IsScalar()) prefix = "agent `" + node["id"].Scalar() + "`: ";
  AgentFields set;
  for (const Entry& e : p.entries(node, path, line, kAgentKeys, prefix)) {
    std::string key = path + "." + e.key;
    if (e.key == "id") {
      agent.id = p.text(e, key, prefix);
    } else if (e.key == "type") {
      agent.type = p.text(e, key, prefix);
      set.type = true;
    } else if (e.key == "role") {
      agent.role = p.text(e, key, prefix);
      set.role = true;
    } else if (e.key == "template" || e.key == "prompt") {
      if (set.prompt) p.fail(e.line, key, prefix + "give either `template` or `prompt`, not both");
      agent.prompt = p.text(e, key, prefix);
      set.prompt = true;
    } else if (e.key == "kind") {
      agent.kind = p.one_of(e, key, {"llm", "vote"}, prefix) == "vote" ? AgentKind::vote : AgentKind::llm;
      set.kind = true;
    } else if (e.key == "model_role") {
      agent.model_role = p.text(e, key, prefix);
      set.model_role = true;
    } else if (e.key == "temperature") {
      agent.temperature = p.number(e, key, prefix);
      set.temperature = true;
    } else if (e.key == "max_tokens") {
      agent.max_tokens = p.integer(e, key, 1, 1'000'000, prefix);
      set.max_tokens = true;
    }
  }
  agent.line = line;
  return set;
}

// `edges:` items: "a -> b" (or a chain "a -> b -> c") or a pair [a, b].
std::vector<std::pair<std::string, std::string>> read_edges(const Parser& p, const Entry& e,
                                                            const std::set<std::string>& ids,
                                                            const std::string& id_list) {
  if (!e.value.IsSequence()) p.fail(e.line, "edges", "expected a list of edges like `a -> b` (got " + Parser::kind(e.value) + ")");
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < e.value.size(); ++i) {
    const YAML::Node item = e.value[i];
    std::string key = "edges[" + std::to_string(i) + "]";
    int line = line_of(item) > 0 ? line_of(item) : e.line;
    std::vector<std::string> chain;
    if (item.IsScalar()) {
      std::string_view s = item.Scalar();
      std::size_t start = 0;
      while (true) {
        std::size_t arrow = s.find("->", start);
        std::string_view part = s.substr(start, arrow == std::string_view::npos ? s.npos : arrow - start);
        std::size_t b = part.find_first_not_of(" \t"), en = part.find_last_not_of(" \t");
        chain.emplace_back(b == part.npos ? std::string_view{} : part.substr(b, en - b + 1));
        if (arrow == std::string_view::npos) break;
        start = arrow + 2;
      }
    } else if (item.IsSequence() && item.size() == 2 && item[0].IsScalar() && item[1].IsScalar()) {
      chain = {item[0].Scalar(), item[1].Scalar()};
    }
    if (chain.size() < 2 || std::any_of(chain.begin(), chain.end(), [](const auto& c) { return c.empty(); })) {
      p.fail(line, key, "expected an edge `from -> to` or a pair [from, to]");
    }
    for (std::size_t k = 0; k + 1 < chain.size(); ++k) {
      for (const auto* end : {&chain[k], &chain[k + 1]}) {
        if (!ids.count(*end)) p.fail(line, key, "unknown agent `" + *end + "` (agents: " + id_list + ")");
      }
      if (chain[k] == chain[k + 1]) p.fail(line, key, "agent `" + chain[k] + "`: edge to itself (self-loop)");
      out.emplace_back(chain[k], chain[k + 1]);
    }
  }
  return out;
}

// A system built from `topology:`, with the `agents:` entries applied as overrides by id.
std::vector<Agent> apply_overrides(const Parser& p, const System& base, const Entry* agents_entry, int topology_line) {
  std::vector<Agent> agents = base.agents();
  for (Agent& a : agents) a.line = topology_line;
  if (agents_entry == nullptr) return agents;
  const YAML::Node& list = agents_entry->value;
  if (!list.IsSequence()) p.fail(agents_entry->line, "agents", "expected a list of agent overrides (got " + Parser::kind(list) + ")");
  std::vector<std::string> ids;
  for (const Agent& a : agents) ids.push_back(a.id);
  std::set<std::string> overridden;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string path = "agents[" + std::to_string(i) + "]";
    const YAML::Node item = list[i];
    int line = line_of(item);
    if (!item.IsMap() || !item["id"] || !item["id"].IsScalar()) {
      p.fail(line, path, "with `topology`, each entry of `agents` overrides a built-in agent and needs its `id` (" +
                             detail::join(ids) + ")");
    }
    std::string id = item["id"].Scalar();
    auto it = std::find_if(agents.begin(), agents.end(), [&](const Agent& a) { return a.id == id; });
    if (it == agents.end()) {
      p.fail(line, path + ".id", "agent `" + id + "` is not in topology " + base.name() + " (its agents: " +
                                     detail::join(ids) + ")");
    }
    if (!overridden.insert(id).second) p.fail(line, path + ".id", "agent `" + id + "` is overridden twice");
    read_agent(p, item, path, *it);
  }
  return agents;
}

}  // namespace

System parse_system(std::string_view yaml_text, std::string_view source_name, std::optional<TaskType> task) {
  Parser p{std::string(source_name)};
  if (yaml_text.size() > kMaxFileBytes) {
    p.fail(0, "", "the file is " + std::to_string(yaml_text.size()) + " bytes; a system file is at most 1 MB "
                  "(is this the right file?)");
  }
  if (const auto bad = utf8::first_invalid(yaml_text)) {
    p.fail(line_at(yaml_text, *bad), "", "the file is not valid UTF-8 (bad byte at offset " + std::to_string(*bad) + ")");
  }
  YAML::Node root = load_yaml_text(yaml_text, source_name);
  if (root.IsNull()) p.fail(0, "", "the file is empty (expected a system: name, task, agents, edges)");
  if (!root.IsMap()) p.fail(line_of(root), "", "expected a map with name, task, agents, edges (got " + Parser::kind(root) + ")");

  std::map<std::string, Entry> top;
  for (Entry& e : p.entries(root, "", 1, kTopKeys)) top[e.key] = std::move(e);
  auto get = [&](const char* key) -> const Entry* {
    auto it = top.find(key);
    return it == top.end() ? nullptr : &it->second;
  };

  std::string name = std::filesystem::path(std::string(source_name)).stem().string();
  if (const Entry* e = get("name")) name = p.text(*e, "name");
  if (const Entry* e = get("description")) p.text(*e, "description");

  if (const Entry* e = get("task")) {
    auto parsed = data::parse_task_type(p.one_of(*e, "task", {"math", "choice", "reasoning_choice", "code", "exact"}));
    task = *parsed;
  }
  if (!task) {
    p.fail(0, "task", "missing (expected one of: math, choice, reasoning_choice, code, exact; it picks the seed "
                      "templates and how answers are read)");
  }
  ContextMode context = ContextMode::summary;
  if (const Entry* e = get("context")) {
    context = p.one_of(*e, "context", {"raw", "summary"}) == "raw" ? ContextMode::raw : ContextMode::summary;
  }

  if (const Entry* topo = get("topology")) {
    if (get("edges")) p.fail(get("edges")->line, "edges", "not allowed with `topology` (the topology fixes the edges)");
    std::string spec = p.text(*topo, "topology");
    if (const Entry* n = get("n")) {
      if (spec.find(':') != std::string::npos) p.fail(n->line, "n", "given twice: in `topology: " + spec + "` and here");
      spec += ":" + std::to_string(p.integer(*n, "n", 1, 16));
    }
    std::optional<System> base;
    try {
      base.emplace(builtin_system(spec, *task, context));
    } catch (const InputError& err) {
      p.fail(topo->line, "topology", err.what());
    }
    std::vector<Agent> agents = apply_overrides(p, *base, get("agents"), topo->line);
    if (!get("name")) name = base->name();
    return System(name, *task, context, std::move(agents), base->edges(), p.source());
  }
  if (const Entry* n = get("n")) p.fail(n->line, "n", "only meaningful with `topology` (e.g. topology: sequential, n: 3)");

  const Entry* agents_entry = get("agents");
  if (agents_entry == nullptr) p.fail(0, "agents", "missing (expected a list of agents, or a `topology`)");
  if (!agents_entry->value.IsSequence() || agents_entry->value.size() == 0) {
    p.fail(agents_entry->line, "agents", "expected a non-empty list of agents (got " + Parser::kind(agents_entry->value) + ")");
  }
  std::vector<Agent> agents;
  for (std::size_t i = 0; i < agents_entry->value.size(); ++i) {
    std::string path = "agents[" + std::to_string(i) + "]";
    Agent a;
    a.type = "";
    AgentFields set = read_agent(p, agents_entry->value[i], path, a);
    if (a.id.empty()) p.fail(a.line, path + ".id", "missing (every agent needs an id)");
    if (!set.type) a.type = a.kind == AgentKind::vote ? "Vote" : "Agent";
    if (!set.prompt && a.kind == AgentKind::llm) {
      const auto& types = detail::seed_types();
      if (std::find(types.begin(), types.end(), a.type) == types.end()) {
        std::vector<std::string> known(types.begin(), types.end());
        p.fail(a.line, path, "agent `" + a.id + "`: missing `template` (type `" + a.type +
                                 "` has no seed template; types with one: " + detail::join(known) + ")");
      }
      a.prompt = seed_template(a.type, *task);
    }
    agents.push_back(std::move(a));
  }
  std::set<std::string> ids;
  std::vector<std::string> id_list;
  for (const Agent& a : agents) {
    ids.insert(a.id);
    id_list.push_back(a.id);
  }
  std::vector<std::pair<std::string, std::string>> edges;
  if (const Entry* e = get("edges")) edges = read_edges(p, *e, ids, detail::join_ids(id_list));
  return System(name, *task, context, std::move(agents), std::move(edges), p.source());
}

System load_system(const std::filesystem::path& path, std::optional<TaskType> task) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    throw InputError(where(path.string(), 0, "", "the file is " + std::to_string(size) +
                                                     " bytes; a system file is at most 1 MB (is this the right file?)"));
  }
  return parse_system(read_file(path), path.string(), task);
}

}  // namespace maspo::mas
