// The optimizer's search state <-> JSON: what a checkpoint holds, and what a resumed run starts
// from. The round trip is exact: every field, the RNG state string byte for byte, and doubles —
// nlohmann writes the shortest text that reads back to the same double, and non-finite scores
// (which JSON cannot hold as numbers) are written as the strings "nan", "inf" and "-inf".
//
// Reading is strict about what it needs (a missing key or a wrong type is std::invalid_argument
// naming the key's path, e.g. `agents.Predictor_0.beam[1].score`), because resuming from a damaged
// checkpoint must fail loudly rather than restart a search from zeros. Keys it does not know are
// ignored, so a later version can add some; "version" is checked when present.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "maspo/opt.hpp"

namespace maspo::opt {

namespace {

constexpr int kVersion = 1;

json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json to_json(const BeamNode& n) { return {{"prompt", n.prompt}, {"score", number(n.score)}, {"path", n.path}}; }

json to_json(const MisalignmentCase& c) {
  return {{"question", c.question}, {"context", c.context}, {"output", c.output}, {"priority", c.priority}};
}

json to_json(const AgentState& a) {
  json beam = json::array();
  for (const auto& n : a.beam) beam.push_back(to_json(n));
  json buffer = json::array();
  for (const auto& c : a.buffer) buffer.push_back(to_json(c));
  return {{"beam", std::move(beam)},
          {"best_prompt", a.best_prompt},
          {"best_score", number(a.best_score)},
          {"buffer", std::move(buffer)},
          {"visits", a.visits}};
}

// Reads fields of one JSON object, naming `path.key` in every error.
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_.empty() ? "search state" : path_, "an object", j_);
  }

  const json& at(const std::string& key) const {
    auto it = j_.find(key);
    if (it == j_.end()) throw std::invalid_argument("search state: missing key `" + name(key) + "`");
    return *it;
  }
  bool has(const std::string& key) const { return j_.contains(key); }

  std::string str(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_string()) fail(name(key), "a string", v);
    return v.get<std::string>();
  }
  bool boolean(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_boolean()) fail(name(key), "true or false", v);
    return v.get<bool>();
  }
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max) const {
    return read_integer(at(key), name(key), min, max);
  }
  double real(const std::string& key) const { return read_real(at(key), name(key)); }

  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  [[noreturn]] static void fail(const std::string& where, const std::string& expected, const json& got) {
    throw std::invalid_argument("search state: key `" + where + "`: expected " + expected + ", got " +
                                std::string(got.type_name()));
  }

  static std::int64_t read_integer(const json& v, const std::string& where, std::int64_t min, std::int64_t max) {
    std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!v.is_number_integer()) fail(where, expected, v);
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) fail(where, expected, v);
    auto x = v.get<std::int64_t>();
    if (x < min || x > max) fail(where, expected, v);
    return x;
  }

  static double read_real(const json& v, const std::string& where) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    fail(where, "a number (or \"nan\", \"inf\", \"-inf\")", v);
  }

 private:
  const json& j_;
  std::string path_;
};

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

const json& array_at(const Reader& r, const std::string& key) {
  const json& v = r.at(key);
  if (!v.is_array()) Reader::fail(r.name(key), "an array", v);
  return v;
}

BeamNode beam_node_from_json(const json& j, const std::string& path) {
  Reader r(j, path);
  BeamNode n;
  n.prompt = r.str("prompt");
  n.score = r.real("score");
  const json& p = array_at(r, "path");
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!p[i].is_string()) Reader::fail(r.name("path") + "[" + std::to_string(i) + "]", "a string", p[i]);
    n.path.push_back(p[i].get<std::string>());
  }
  return n;
}

MisalignmentCase case_from_json(const json& j, const std::string& path) {
  Reader r(j, path);
  MisalignmentCase c;
  c.question = r.str("question");
  c.context = r.str("context");
  c.output = r.str("output");
  c.priority = static_cast<int>(r.integer("priority", 0, 2));
  return c;
}

AgentState agent_from_json(const json& j, const std::string& path) {
  Reader r(j, path);
  AgentState a;
  const json& beam = array_at(r, "beam");
  for (std::size_t i = 0; i < beam.size(); ++i) {
    a.beam.push_back(beam_node_from_json(beam[i], r.name("beam") + "[" + std::to_string(i) + "]"));
  }
  a.best_prompt = r.str("best_prompt");
  a.best_score = r.real("best_score");
  const json& buffer = array_at(r, "buffer");
  for (std::size_t i = 0; i < buffer.size(); ++i) {
    a.buffer.push_back(case_from_json(buffer[i], r.name("buffer") + "[" + std::to_string(i) + "]"));
  }
  a.visits = static_cast<int>(r.integer("visits", 0, kIntMax));
  return a;
}

}  // namespace

json to_json(const SearchState& s) {
  json agents = json::object();
  for (const auto& [id, a] : s.agents) agents[id] = to_json(a);
  return {{"version", kVersion},
          {"round", s.round},
          {"agent_index", s.agent_index},
          {"layer", s.layer},
          {"refreshed", s.refreshed},
          {"done", s.done},
          {"prompts", s.prompts},
          {"agents", std::move(agents)},
          {"rng_state", s.rng_state},
          {"step", s.step}};
}

SearchState search_state_from_json(const json& j) {
  Reader r(j, "");
  if (r.has("version") && r.integer("version", 0, kIntMax) != kVersion) {
    throw std::invalid_argument("search state: key `version`: this maspo reads version " +
                                std::to_string(kVersion) + ", the state is version " + r.at("version").dump());
  }
  SearchState s;
  s.round = static_cast<int>(r.integer("round", 0, kIntMax));
  s.agent_index = static_cast<int>(r.integer("agent_index", 0, kIntMax));
  s.layer = static_cast<int>(r.integer("layer", 0, kIntMax));
  s.refreshed = r.boolean("refreshed");
  s.done = r.boolean("done");

  const json& prompts = r.at("prompts");
  if (!prompts.is_object()) Reader::fail("prompts", "an object {agent: template}", prompts);
  for (const auto& [id, tmpl] : prompts.items()) {
    if (!tmpl.is_string()) Reader::fail("prompts." + id, "a string", tmpl);
    s.prompts[id] = tmpl.get<std::string>();
  }

  const json& agents = r.at("agents");
  if (!agents.is_object()) Reader::fail("agents", "an object {agent: state}", agents);
  for (const auto& [id, a] : agents.items()) s.agents[id] = agent_from_json(a, "agents." + id);

  s.rng_state = r.str("rng_state");
  s.step = r.integer("step", 0, std::numeric_limits<std::int64_t>::max());
  return s;
}

}  // namespace maspo::opt
