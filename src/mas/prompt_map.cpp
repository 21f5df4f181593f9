// Prompt maps: {agent_id: template} as JSON, what `maspo run --prompts` reads and the optimizer
// writes. A map may be partial (agents it omits keep their seed prompt) but never names an agent
// the system does not have: a prompt written for another system must not be half applied.
#include <string>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"
#include "mas/internal.hpp"

namespace maspo::mas {

namespace {

std::string agent_list(const System& system) {
  std::vector<std::string> ids;
  for (const Agent& a : system.agents()) {
    if (a.kind == AgentKind::llm) ids.push_back(a.id);
  }
  return detail::join_ids(ids);
}

// Checks one entry; `line` is where it is in the file (0 when unknown).
void check_entry(const System& system, std::string_view source, int line, const std::string& id,
                 const std::string& tmpl) {
  if (!system.has_agent(id)) {
    detail::fail_agent(source, line, id, "not an agent of system `" + system.name() + "` (agents: " +
                                             agent_list(system) + ")");
  }
  const Agent& agent = system.agent(id);
  if (agent.kind == AgentKind::vote) {
    detail::fail_agent(source, line, id, "is a vote agent: it makes no LLM call and takes no prompt");
  }
  detail::check_agent_template(source, line, id, tmpl, !system.predecessors(id).empty(), "prompt");
}

// 1-based line of the first occurrence of `"id"` as a key, for messages; 0 if not found.
int key_line(std::string_view text, const std::string& id) {
  std::string needle = json(id).dump();
  std::size_t at = text.find(needle);
  if (at == std::string_view::npos) return 0;
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

void validate_prompt_map(const PromptMap& prompts, const System& system, std::string_view source_name) {
  for (const auto& [id, tmpl] : prompts) check_entry(system, source_name, 0, id, tmpl);
}

PromptMap parse_prompt_map(std::string_view json_text, std::string_view source_name, const System& system) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    int line = 1;
    for (std::size_t i = 0; i < e.byte && i < json_text.size(); ++i) line += json_text[i] == '\n';
    // nlohmann's message starts with its own error id; keep only the part that describes the text.
    std::string what = e.what();
    auto colon = what.find("]: ");
    throw InputError(where(source_name, line, "", "invalid JSON: " + (colon == what.npos ? what : what.substr(colon + 3))));
  }
  if (!j.is_object()) {
    throw InputError(where(source_name, 1, "", std::string("expected a JSON object {\"agent_id\": \"template\", ...}, got ") +
                                                   j.type_name()));
  }
  PromptMap out = system.seed_prompts();
  for (const auto& [id, value] : j.items()) {
    int line = key_line(json_text, id);
    if (!value.is_string()) {
      detail::fail_agent(source_name, line, id, std::string("expected the template as a string, got ") + value.type_name());
    }
    check_entry(system, source_name, line, id, value.get<std::string>());
    out[id] = value.get<std::string>();
  }
  return out;
}

PromptMap load_prompt_map(const std::filesystem::path& path, const System& system) {
  return parse_prompt_map(read_file(path), path.string(), system);
}

}  // namespace maspo::mas
