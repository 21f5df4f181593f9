#include "maspo/config.hpp"

#include <yaml-cpp/yaml.h>

#include "config/sections.hpp"
#include "maspo/util.hpp"
#include "util/yaml_text.hpp"

namespace maspo {

namespace {

using SectionParser = void (*)(const config::Field&, Config&);

struct Section {
  std::string_view name;
  SectionParser parse;
};

constexpr Section kSections[] = {
    {"models", config::parse_models},
    {"cache", config::parse_cache},
    {"budget", config::parse_budget},
    {"optimizer", config::parse_optimizer},
};

const Section* find_section(std::string_view name) {
  for (const auto& s : kSections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void fill_missing_roles(Config& config) {
  for (auto role : kRoles) config.llm.roles.try_emplace(std::string(role), default_role_config());
}

}  // namespace

llm::RoleConfig default_role_config() {
  llm::RoleConfig role;
  role.backend = "llama";
  return role;
}

Config default_config() {
  Config config;
  fill_missing_roles(config);
  return config;
}

Config parse_config(std::string_view yaml, const std::string& file_name, const std::filesystem::path& base_dir) {
  YAML::Node root = load_yaml_text(yaml, file_name);
  config::Source source{file_name, base_dir};
  config::Field top(source, root, "", 1);
  Config config;
  config.source = file_name;
  for (const config::Field& entry : top.entries()) {
    const Section* section = find_section(entry.key());
    if (section == nullptr) {
      std::vector<std::string_view> names;
      for (const auto& s : kSections) names.push_back(s.name);
      entry.fail_unknown(names, "section");
    }
    section->parse(entry, config);
  }
  fill_missing_roles(config);
  return config;
}

Config load_config_file(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InputError(path.string() + ": config file not found (or not a regular file)");
  }
  return parse_config(read_file(path), path.string(), std::filesystem::absolute(path).parent_path());
}

Config load_config(const std::string& flag_path) {
  if (!flag_path.empty()) return load_config_file(flag_path);
  auto env = getenv_string("MASPO_CONFIG");
  if (!env || env->empty()) return default_config();
  if (!std::filesystem::is_regular_file(*env)) {
    throw InputError(*env + ": config file not found (named by $MASPO_CONFIG)");
  }
  return load_config_file(*env);
}

}  // namespace maspo
