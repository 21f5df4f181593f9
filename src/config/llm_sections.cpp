// The sections that fill llm::ClientOptions: models, cache, budget.
#include <algorithm>
#include <cctype>

#include "config/sections.hpp"

namespace maspo::config {

namespace {

using llm::RoleConfig;

std::vector<std::string_view> role_names() { return {kRoles.begin(), kRoles.end()}; }

bool is_role(std::string_view name) {
  return std::find(kRoles.begin(), kRoles.end(), name) != kRoles.end();
}

// Which backends a role key applies to (bit set).
enum : unsigned { kOpenai = 1, kLlama = 2, kScripted = 4, kAll = 7 };

unsigned backend_bit(std::string_view backend) {
  if (backend == "openai") return kOpenai;
  if (backend == "llama") return kLlama;
  return kScripted;
}

std::string backend_names(unsigned bits) {
  std::string out;
  for (auto [bit, name] : {std::pair{kOpenai, "openai"}, {kLlama, "llama"}, {kScripted, "scripted"}}) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

bool is_env_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Variable names are words (OPENAI_API_KEY); keys are long random-looking tokens. A false alarm
// costs the user a rename, a miss would put a secret in a file that gets shared.
bool looks_like_secret(std::string_view s) {
  for (std::string_view prefix : {"sk-", "sk_", "Bearer ", "bearer ", "hf_", "gsk_", "xai-", "AIza"}) {
    if (s.substr(0, prefix.size()) == prefix) return true;
  }
  bool lower = std::any_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
  bool upper = std::any_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
  bool digit = std::any_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  return s.size() >= 24 && lower && upper && digit;
}

// The value is never quoted back in these messages: it may be the secret itself.
void read_api_key_env(const Field& f, RoleConfig& c) {
  std::string name = f.string();
  if (looks_like_secret(name)) {
    f.fail("this looks like an API key itself (value not shown); put the key in an environment variable "
           "and give the variable's name here, e.g. `api_key_env: OPENAI_API_KEY`");
  }
  if (!is_env_name(name)) {
    f.fail("expected the name of an environment variable (letters, digits and _, not starting with a digit; "
           "value not shown)");
  }
  c.api_key_env = std::move(name);
}

void read_base_url(const Field& f, RoleConfig& c) {
  c.endpoints.clear();
  for (std::string url : f.string_or_list()) {
    bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    if (!http) f.fail("expected an http:// or https:// URL such as http://127.0.0.1:8000/v1");
    auto authority = url.substr(url.find("//") + 2);
    if (authority.substr(0, authority.find('/')).find('@') != std::string::npos) {
      f.fail("credentials in the URL are not allowed (value not shown); put the key in an environment "
             "variable and name it with api_key_env");
    }
    c.endpoints.push_back(llm::Endpoint{std::move(url)});
  }
}

void read_retry(const Field& f, RoleConfig& c) {
  for (const Field& e : f.entries()) {
    if (e.key() == "max_attempts") {
      c.retry.max_attempts = e.positive_int32();
    } else if (e.key() == "base_delay_s") {
      c.retry.base_delay_s = e.non_negative_number();
    } else if (e.key() == "max_delay_s") {
      c.retry.max_delay_s = e.non_negative_number();
    } else {
      e.fail_unknown({"max_attempts", "base_delay_s", "max_delay_s"});
    }
  }
  if (c.retry.max_delay_s < c.retry.base_delay_s) {
    f.fail("max_delay_s must be at least base_delay_s (max_delay_s defaults to 30)");
  }
}

void read_price(const Field& f, RoleConfig& c) {
  for (const Field& e : f.entries()) {
    if (e.key() == "prompt") {
      c.price.prompt_per_mtok = e.non_negative_number();
    } else if (e.key() == "completion") {
      c.price.completion_per_mtok = e.non_negative_number();
    } else {
      e.fail_unknown({"prompt", "completion"});
    }
  }
}

std::string existing_file(const Field& f) {
  auto path = f.file_path();
  if (!std::filesystem::is_regular_file(path)) f.fail("file not found: " + path.string());
  return path.string();
}

void read_model_path(const Field& f, RoleConfig& c) {
  // An empty string is how a user spells "the bundled model" explicitly.
  c.model_path = f.string().empty() ? std::string() : existing_file(f);
}

struct RoleKey {
  std::string_view name;
  unsigned backends;
  void (*read)(const Field&, RoleConfig&);
};

const RoleKey kRoleKeys[] = {
    {"backend", kAll, [](const Field&, RoleConfig&) {}},  // read before the others
    {"model", kAll, [](const Field& f, RoleConfig& c) { c.model = f.string(); }},
    {"extra", kAll, [](const Field& f, RoleConfig& c) { c.extra = f.map_as_json(); }},
    {"price", kAll, read_price},
    {"base_url", kOpenai, read_base_url},
    {"api_key_env", kOpenai, read_api_key_env},
    {"max_concurrency", kOpenai, [](const Field& f, RoleConfig& c) { c.max_concurrency = f.positive_int32(); }},
    {"requests_per_minute", kOpenai, [](const Field& f, RoleConfig& c) { c.requests_per_minute = f.positive_number(); }},
    {"tokens_per_minute", kOpenai, [](const Field& f, RoleConfig& c) { c.tokens_per_minute = f.positive_number(); }},
    {"connect_timeout_s", kOpenai, [](const Field& f, RoleConfig& c) { c.connect_timeout_s = f.positive_number(); }},
    {"timeout_s", kOpenai, [](const Field& f, RoleConfig& c) { c.timeout_s = f.positive_number(); }},
    {"retry", kOpenai, read_retry},
    {"model_path", kLlama, read_model_path},
    {"parallel", kLlama, [](const Field& f, RoleConfig& c) { c.parallel = f.positive_int32(); }},
    {"context_size", kLlama, [](const Field& f, RoleConfig& c) { c.context_size = f.positive_int32(); }},
    {"rules", kScripted, [](const Field& f, RoleConfig& c) { c.rules_path = existing_file(f); }},
};

const RoleKey* find_role_key(std::string_view name) {
  for (const auto& k : kRoleKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

void check_required(const Field& role, const RoleConfig& c) {
  if (c.backend == "openai") {
    if (c.endpoints.empty()) role.fail_missing("base_url", "the openai backend needs base_url and model");
    if (c.model.empty()) role.fail_missing("model", "the openai backend needs base_url and model");
  }
  if (c.backend == "scripted" && c.rules_path.empty()) {
    role.fail_missing("rules", "the scripted backend (a test double) needs a rules file");
  }
}

RoleConfig parse_role(const Field& role) {
  auto entries = role.entries();
  RoleConfig c = default_role_config();
  for (const Field& e : entries) {
    if (e.key() == "backend") c.backend = e.one_of({"openai", "llama", "scripted"});
  }
  for (const Field& e : entries) {
    const RoleKey* key = find_role_key(e.key());
    if (key == nullptr) {
      if (e.key() == "api_key") {
        e.fail("a config never holds the key itself; put it in an environment variable and name that "
               "variable with api_key_env");
      }
      std::vector<std::string_view> names;
      for (const auto& k : kRoleKeys) {
        if (k.backends & backend_bit(c.backend)) names.push_back(k.name);
      }
      e.fail_unknown(names, "key for backend " + c.backend);
    }
    if ((key->backends & backend_bit(c.backend)) == 0) {
      e.fail("applies only to backend " + backend_names(key->backends) + ", and this role's backend is " +
             c.backend + (c.backend == "llama" ? " (the default; set `backend:`)" : ""));
    }
    key->read(e, c);
  }
  check_required(role, c);
  return c;
}

llm::Budget parse_role_budget(const Field& f) {
  llm::Budget b;
  for (const Field& e : f.entries()) {
    if (e.key() == "calls") {
      b.calls = e.positive_int();
    } else if (e.key() == "tokens") {
      b.tokens = e.positive_int();
    } else if (e.key() == "dollars") {
      b.dollars = e.positive_number();
    } else {
      e.fail_unknown({"calls", "tokens", "dollars"});
    }
  }
  return b;
}

}  // namespace

void parse_models(const Field& section, Config& out) {
  for (const Field& role : section.entries()) {
    if (!is_role(role.key())) role.fail_unknown(role_names(), "role");
    out.llm.roles[role.key()] = parse_role(role);
  }
}

void parse_cache(const Field& section, Config& out) {
  for (const Field& e : section.entries()) {
    if (e.key() == "mode") {
      auto mode = e.one_of({"read_write", "replay", "off"});
      out.llm.cache.mode = mode == "replay" ? llm::CacheMode::replay
                           : mode == "off"  ? llm::CacheMode::off
                                            : llm::CacheMode::read_write;
    } else if (e.key() == "path") {
      out.llm.cache.path = e.string().empty() ? std::string() : e.file_path().string();
    } else {
      e.fail_unknown({"mode", "path"});
    }
  }
}

void parse_budget(const Field& section, Config& out) {
  for (const Field& role : section.entries()) {
    if (!is_role(role.key())) role.fail_unknown(role_names(), "role");
    out.llm.budgets[role.key()] = parse_role_budget(role);
  }
}

}  // namespace maspo::config
