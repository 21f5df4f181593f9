#include "harness/run_manifest.hpp"

#include <set>

#include <fmt/format.h>

#include "maspo/util.hpp"

namespace maspo::harness {

namespace {

nlohmann::json describe_system(const mas::System& system) {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : system.agents()) {
    agents.push_back({{"id", a.id},
                      {"kind", a.kind == mas::AgentKind::vote ? "vote" : "llm"},
                      {"model_role", a.model_role},
                      {"temperature", a.temperature},
                      {"max_tokens", a.max_tokens}});
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& [from, to] : system.edges()) edges.push_back({from, to});
  return {{"agents", agents}, {"edges", edges}, {"context", mas::to_string(system.context_mode())},
          {"task", data::to_string(system.task())}};
}

// Only identity, never endpoints or keys: a run moved to another server with the same model
// resumes; a run pointed at another model does not.
nlohmann::json describe_models(const llm::Client& client, const mas::System& system) {
  std::set<std::string> roles;
  for (const auto& a : system.agents()) {
    if (a.kind == mas::AgentKind::llm) roles.insert(a.model_role);
  }
  nlohmann::json models = nlohmann::json::object();
  for (const auto& role : roles) {
    if (!client.has_role(role)) continue;
    const auto& rc = client.role_config(role);
    models[role] = {{"backend", rc.backend}, {"model", rc.model}, {"model_path", rc.model_path}};
  }
  return models;
}

}  // namespace

nlohmann::json make_manifest(const llm::Client& client, const mas::System& system,
                             const mas::PromptMap& prompts, const data::Dataset& dataset, int limit,
                             std::uint64_t seed) {
  nlohmann::json p(prompts);
  return {{"kind", "maspo-run"},
          {"version", 1},
          {"system", system.name()},
          {"system_sha256", sha256_hex(describe_system(system).dump())},
          {"prompts_sha256", sha256_hex(p.dump())},
          {"models", describe_models(client, system)},
          {"dataset", {{"name", dataset.name}, {"format", dataset.format}, {"items", dataset.examples.size()}}},
          {"limit", limit},
          {"seed", seed}};
}

void write_or_check_manifest(const std::filesystem::path& path, const nlohmann::json& manifest) {
  if (!std::filesystem::exists(path)) {
    write_file_atomic(path, manifest.dump(2) + "\n");
    return;
  }
  nlohmann::json old;
  try {
    old = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: not a maspo run manifest ({})", path.string(), e.what()));
  }
  for (const auto& [key, value] : manifest.items()) {
    if (!old.contains(key) || old[key] != value) {
      throw InputError(fmt::format(
          "{}: this directory holds a run with a different `{}` ({} here, {} now); resuming would mix "
          "results — use another --out directory",
          path.string(), key, old.contains(key) ? old[key].dump() : "nothing", value.dump()));
    }
  }
}

}  // namespace maspo::harness
