#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "maspo/config.hpp"
#include "maspo/util.hpp"

namespace maspo {
namespace {

namespace fs = std::filesystem;

// Sets (or unsets) an environment variable for one scope, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name), old_(getenv_string(name)) {
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& v) {
    if (v) {
      ::setenv(name_, v->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  const char* name_;
  std::optional<std::string> old_;
};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("maspo-config-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const fs::path& relative, const std::string& text) {
    auto p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

  // The InputError message of loading `yaml` as a file, or "" if it loaded.
  std::string load_error(const std::string& yaml, const std::string& name = "bad.yaml") {
    try {
      load_config_file(write(name, yaml));
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

const llm::RoleConfig& role(const Config& c, const std::string& name) { return c.llm.roles.at(name); }

TEST_F(ConfigTest, EveryKeyLandsInItsField) {
  write("rules/judge.yaml", "rules:\n  - match: x\n    reply: y\n");
  write("models/tiny.gguf", "not really a model");
  auto path = write("full.yaml", R"(models:
  agents:
    backend: openai
    base_url: [http://127.0.0.1:8000/v1, "http://127.0.0.1:8001/v1"]
    model: Qwen3-8B
    api_key_env: AGENTS_API_KEY
    max_concurrency: 7
    requests_per_minute: 120
    tokens_per_minute: 90000.5
    connect_timeout_s: 3
    timeout_s: 45.5
    retry: {max_attempts: 4, base_delay_s: 0.25, max_delay_s: 8}
    extra: {top_k: 20, chat_template_kwargs: {enable_thinking: false}, quoted: "7", ratio: 0.5, tags: [a, 1], none: ~}
    price: {prompt: 0.05, completion: 0.1}
  optimizer:
    backend: llama
    model_path: models/tiny.gguf
    parallel: 4
    context_size: 2048
    model: tiny
  judge:
    backend: scripted
    rules: rules/judge.yaml
cache:
  mode: replay
  path: cache/replies.sqlite
budget:
  judge: {calls: 5000, tokens: 2000000, dollars: 20.5}
  agents: {calls: 10}
)");
  Config c = load_config_file(path);
  EXPECT_EQ(c.source, path.string());

  const auto& a = role(c, "agents");
  EXPECT_EQ(a.backend, "openai");
  ASSERT_EQ(a.endpoints.size(), 2u);
  EXPECT_EQ(a.endpoints[0].base_url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(a.endpoints[1].base_url, "http://127.0.0.1:8001/v1");
  EXPECT_EQ(a.model, "Qwen3-8B");
  EXPECT_EQ(a.api_key_env, "AGENTS_API_KEY");
  EXPECT_EQ(a.max_concurrency, 7);
  EXPECT_DOUBLE_EQ(a.requests_per_minute, 120);
  EXPECT_DOUBLE_EQ(a.tokens_per_minute, 90000.5);
  EXPECT_DOUBLE_EQ(a.connect_timeout_s, 3);
  EXPECT_DOUBLE_EQ(a.timeout_s, 45.5);
  EXPECT_EQ(a.retry.max_attempts, 4);
  EXPECT_DOUBLE_EQ(a.retry.base_delay_s, 0.25);
  EXPECT_DOUBLE_EQ(a.retry.max_delay_s, 8);
  EXPECT_EQ(a.extra, llm::json::parse(R"({"top_k": 20, "chat_template_kwargs": {"enable_thinking": false},
                                          "quoted": "7", "ratio": 0.5, "tags": ["a", 1], "none": null})"));
  EXPECT_DOUBLE_EQ(a.price.prompt_per_mtok, 0.05);
  EXPECT_DOUBLE_EQ(a.price.completion_per_mtok, 0.1);

  const auto& o = role(c, "optimizer");
  EXPECT_EQ(o.backend, "llama");
  EXPECT_EQ(fs::path(o.model_path), dir_ / "models/tiny.gguf");
  EXPECT_EQ(o.parallel, 4);
  EXPECT_EQ(o.context_size, 2048);
  EXPECT_EQ(o.model, "tiny");

  const auto& j = role(c, "judge");
  EXPECT_EQ(j.backend, "scripted");
  EXPECT_EQ(fs::path(j.rules_path), dir_ / "rules/judge.yaml");

  EXPECT_EQ(c.llm.cache.mode, llm::CacheMode::replay);
  EXPECT_EQ(fs::path(c.llm.cache.path), dir_ / "cache/replies.sqlite");

  const auto& jb = c.llm.budgets.at("judge");
  EXPECT_EQ(jb.calls, 5000);
  EXPECT_EQ(jb.tokens, 2000000);
  EXPECT_EQ(jb.dollars, 20.5);
  const auto& ab = c.llm.budgets.at("agents");
  EXPECT_EQ(ab.calls, 10);
  EXPECT_FALSE(ab.tokens);
  EXPECT_FALSE(ab.dollars);
  EXPECT_EQ(c.llm.budgets.count("optimizer"), 0u);
}

TEST_F(ConfigTest, SingleBaseUrlIsOneEndpointAndUnsetKeysKeepDefaults) {
  Config c = load_config_file(write("one.yaml", "models:\n  judge:\n    backend: openai\n"
                                                "    base_url: http://localhost:9000/v1\n    model: m\n"));
  const auto& j = role(c, "judge");
  ASSERT_EQ(j.endpoints.size(), 1u);
  EXPECT_EQ(j.endpoints[0].base_url, "http://localhost:9000/v1");
  llm::RoleConfig defaults;
  EXPECT_EQ(j.max_concurrency, defaults.max_concurrency);
  EXPECT_EQ(j.retry.max_attempts, defaults.retry.max_attempts);
  EXPECT_DOUBLE_EQ(j.timeout_s, defaults.timeout_s);
  EXPECT_TRUE(j.api_key_env.empty());
  EXPECT_EQ(c.llm.cache.mode, llm::CacheMode::read_write);
  EXPECT_TRUE(c.llm.cache.path.empty());
}

TEST_F(ConfigTest, RolesLeftOutGetTheEmbeddedDefault) {
  write("r.yaml", "rules: []\n");
  Config c = load_config_file(write("c.yaml", "models:\n  agents: {backend: scripted, rules: r.yaml}\n"));
  ASSERT_EQ(c.llm.roles.size(), 3u);
  EXPECT_EQ(role(c, "agents").backend, "scripted");
  for (const char* name : {"optimizer", "judge"}) {
    EXPECT_EQ(role(c, name).backend, "llama") << name;
    EXPECT_TRUE(role(c, name).model_path.empty()) << name;
  }
}

TEST_F(ConfigTest, RoleWithoutBackendIsTheEmbeddedModel) {
  write("m.gguf", "x");
  Config c = load_config_file(write("c.yaml", "models:\n  judge: {model_path: m.gguf}\n"));
  EXPECT_EQ(role(c, "judge").backend, "llama");
  EXPECT_EQ(fs::path(role(c, "judge").model_path), dir_ / "m.gguf");
}

TEST_F(ConfigTest, EmptyFileMeansDefaults) {
  auto path = write("empty.yaml", "# nothing configured yet\n");
  Config c = load_config_file(path);
  EXPECT_EQ(c.source, path.string());
  ASSERT_EQ(c.llm.roles.size(), 3u);
  EXPECT_EQ(role(c, "agents").backend, "llama");
}

TEST_F(ConfigTest, NoFileAndNoEnvironmentMeansEveryRoleOnTheEmbeddedModel) {
  ScopedEnv env("MASPO_CONFIG", std::nullopt);
  Config c = load_config("");
  EXPECT_TRUE(c.source.empty());
  ASSERT_EQ(c.llm.roles.size(), kRoles.size());
  for (auto name : kRoles) {
    const auto& r = role(c, std::string(name));
    EXPECT_EQ(r.backend, "llama") << name;
    EXPECT_TRUE(r.model_path.empty()) << name;
  }
  EXPECT_TRUE(c.llm.budgets.empty());
  EXPECT_EQ(c.llm.cache.mode, llm::CacheMode::read_write);
}

TEST_F(ConfigTest, MaspoConfigIsUsedWhenNoFlagIsGiven) {
  write("r.yaml", "rules: []\n");
  auto env_file = write("env.yaml", "models:\n  agents: {backend: scripted, rules: r.yaml}\n");
  auto flag_file = write("flag.yaml", "cache: {mode: off}\n");
  ScopedEnv env("MASPO_CONFIG", env_file.string());

  Config from_env = load_config("");
  EXPECT_EQ(from_env.source, env_file.string());
  EXPECT_EQ(role(from_env, "agents").backend, "scripted");

  Config from_flag = load_config(flag_file.string());
  EXPECT_EQ(from_flag.source, flag_file.string());
  EXPECT_EQ(role(from_flag, "agents").backend, "llama");
  EXPECT_EQ(from_flag.llm.cache.mode, llm::CacheMode::off);
}

TEST_F(ConfigTest, MaspoConfigNamingAMissingFileSaysSo) {
  auto missing = (dir_ / "nope.yaml").string();
  ScopedEnv env("MASPO_CONFIG", missing);
  try {
    load_config("");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MASPO_CONFIG"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigTest, MissingFlagFileIsInputErrorNamingIt) {
  auto missing = (dir_ / "absent.yaml").string();
  try {
    load_config(missing);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

TEST_F(ConfigTest, RelativePathsAreTakenFromTheConfigDirectoryNotTheWorkingDirectory) {
  write("shared/rules.yaml", "rules: []\n");
  write("conf/local.yaml", "rules: []\n");
  auto path = write("conf/c.yaml",
                    "models:\n  agents: {backend: scripted, rules: ../shared/rules.yaml}\n"
                    "  judge: {backend: scripted, rules: local.yaml}\n");
  ASSERT_NE(fs::current_path(), dir_ / "conf");
  Config c = load_config_file(path);
  EXPECT_EQ(fs::path(role(c, "agents").rules_path), dir_ / "shared/rules.yaml");
  EXPECT_EQ(fs::path(role(c, "judge").rules_path), dir_ / "conf/local.yaml");

  auto abs_rules = write("abs.yaml", "rules: []\n");
  Config c2 = load_config_file(write("conf/abs.yaml", "models:\n  agents: {backend: scripted, rules: " +
                                                          abs_rules.string() + "}\n"));
  EXPECT_EQ(fs::path(role(c2, "agents").rules_path), abs_rules);
}

TEST_F(ConfigTest, LiteralSecretInApiKeyEnvIsRejectedWithoutEchoingIt) {
  const std::string secrets[] = {
      "sk-proj-4fT9qLmZ0aXc81VbN2hR7sKd",        // OpenAI style
      "Zq81bXk2LmN4pQr7StUv9WxYz3Ab6Cd0",        // no prefix, but a random-looking token
      "hf_abcdefghijklmnopqrstuvwxyz123456",      // Hugging Face style
  };
  for (const auto& secret : secrets) {
    std::string msg = load_error("models:\n  agents:\n    backend: openai\n    base_url: http://h/v1\n"
                                 "    model: m\n    api_key_env: \"" + secret + "\"\n");
    ASSERT_FALSE(msg.empty()) << "accepted a literal key";
    EXPECT_EQ(msg.find(secret), std::string::npos) << "the secret was echoed: " << msg;
    EXPECT_EQ(msg.find(secret.substr(0, 12)), std::string::npos) << "part of the secret was echoed: " << msg;
    EXPECT_NE(msg.find("bad.yaml:6:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("models.agents.api_key_env"), std::string::npos) << msg;
    EXPECT_NE(msg.find("environment variable"), std::string::npos) << msg;
  }
}

TEST_F(ConfigTest, ApiKeyEnvAcceptsAVariableName) {
  Config c = load_config_file(write("ok.yaml", "models:\n  agents: {backend: openai, base_url: http://h/v1, "
                                               "model: m, api_key_env: MY_Server_KEY_2}\n"));
  EXPECT_EQ(role(c, "agents").api_key_env, "MY_Server_KEY_2");
}

TEST_F(ConfigTest, AKeyWrittenAsApiKeyIsRejectedWithoutEchoingIt) {
  const std::string secret = "sk-live-000111222333444555666";
  std::string msg = load_error("models:\n  agents:\n    api_key: " + secret + "\n");
  ASSERT_FALSE(msg.empty());
  EXPECT_EQ(msg.find(secret), std::string::npos) << msg;
  EXPECT_NE(msg.find("api_key_env"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:3:"), std::string::npos) << msg;
}

TEST(ExampleConfigs, EveryExampleLoads) {
  fs::path dir = fs::path(MASPO_SOURCE_DIR) / "examples" / "configs";
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_config_file(entry.path())) << entry.path();
    ++loaded;
  }
  EXPECT_GE(loaded, 3);

  Config fleet = load_config_file(dir / "fleet.yaml");
  EXPECT_EQ(fleet.llm.roles.at("agents").endpoints.size(), 2u);
  EXPECT_GT(fleet.llm.roles.at("judge").requests_per_minute, 0);
  EXPECT_TRUE(fleet.llm.budgets.at("judge").dollars.has_value());
  EXPECT_EQ(fs::path(fleet.llm.cache.path), dir / "fleet-cache.sqlite");

  Config scripted = load_config_file(dir / "scripted.yaml");
  for (auto name : kRoles) {
    EXPECT_EQ(fs::path(scripted.llm.roles.at(std::string(name)).rules_path), dir / "rules" / "scripted.yaml");
  }
}

// One bad input, where its error must point, and what it must say.
struct BadCase {
  const char* name;
  std::string yaml;
  int line;                  // 1-based; 0: the message names no line
  std::string key;           // dotted path; empty: the message names no key
  std::string says;          // a phrase the message must contain
};

// Lines 1-5: a valid openai role; the cases add their bad line at line 6 unless they say otherwise.
const std::string kOpenai =
    "models:\n"
    "  agents:\n"
    "    backend: openai\n"
    "    base_url: http://127.0.0.1:9/v1\n"
    "    model: m\n";

std::vector<BadCase> bad_cases() {
  return {
      {"not_an_integer", kOpenai + "    max_concurrency: lots\n", 6, "models.agents.max_concurrency", "positive integer"},
      {"fraction_for_integer", kOpenai + "    max_concurrency: 2.5\n", 6, "models.agents.max_concurrency", "positive integer"},
      {"negative_integer", kOpenai + "    max_concurrency: -3\n", 6, "models.agents.max_concurrency", "positive integer"},
      {"zero_timeout", kOpenai + "    timeout_s: 0\n", 6, "models.agents.timeout_s", "positive number"},
      {"nan_rate", kOpenai + "    requests_per_minute: .nan\n", 6, "models.agents.requests_per_minute", "positive number"},
      {"map_for_number", kOpenai + "    connect_timeout_s: {a: 1}\n", 6, "models.agents.connect_timeout_s", "got a map"},
      {"list_for_string", kOpenai + "    api_key_env: [A, B]\n", 6, "models.agents.api_key_env", "expected a string"},
      {"scalar_for_map", kOpenai + "    retry: 3\n", 6, "models.agents.retry", "expected a map"},
      {"list_for_extra", kOpenai + "    extra: [1, 2]\n", 6, "models.agents.extra", "expected a map"},
      {"null_value", "models:\n  agents:\n    backend: openai\n    base_url: http://h/v1\n    model:\n    timeout_s: 5\n",
       5, "models.agents.model", "expected a string"},
      {"unknown_role_key", kOpenai + "    temprature: 0.5\n", 6, "models.agents.temprature",
       "unknown key for backend openai (expected one of: backend, model, extra, price, base_url"},
      {"unknown_llama_key", "models:\n  judge:\n    gpu_layers: 0\n", 3, "models.judge.gpu_layers",
       "model_path, parallel, context_size)"},
      {"unknown_retry_key", kOpenai + "    retry:\n      max_tries: 3\n", 7, "models.agents.retry.max_tries",
       "max_attempts"},
      {"retry_zero_attempts", kOpenai + "    retry: {max_attempts: 0}\n", 6, "models.agents.retry.max_attempts",
       "positive integer"},
      {"retry_max_below_base", kOpenai + "    retry:\n      base_delay_s: 60\n", 6, "models.agents.retry",
       "max_delay_s must be at least base_delay_s"},
      {"unknown_price_key", kOpenai + "    price: {input: 1}\n", 6, "models.agents.price.input", "prompt, completion"},
      {"negative_price", kOpenai + "    price:\n      prompt: -1\n", 7, "models.agents.price.prompt", "number >= 0"},
      {"unknown_role", "models:\n  agents: {}\n  planner:\n    backend: llama\n", 3, "models.planner",
       "unknown role (expected one of: agents, optimizer, judge)"},
      {"unknown_section", "cache: {mode: off}\nmodles:\n  agents: {}\n", 2, "modles", "unknown section"},
      {"bad_backend", "models:\n  judge:\n    backend: gpt4\n", 3, "models.judge.backend",
       "expected one of: openai, llama, scripted"},
      {"bad_cache_mode", "cache:\n  mode: sometimes\n", 2, "cache.mode", "read_write, replay, off"},
      {"unknown_cache_key", "cache:\n  mode: off\n  dir: /tmp\n", 3, "cache.dir", "unknown key"},
      {"openai_without_base_url", "models:\n  optimizer:\n    backend: openai\n    model: m\n", 2,
       "models.optimizer.base_url", "missing"},
      {"openai_without_model", "models:\n  optimizer:\n    backend: openai\n    base_url: http://h/v1\n", 2,
       "models.optimizer.model", "missing"},
      {"scripted_without_rules", "# a test double\nmodels:\n  judge:\n    backend: scripted\n", 3,
       "models.judge.rules", "missing"},
      {"scripted_rules_not_found", "models:\n  judge:\n    backend: scripted\n    rules: no/such/rules.yaml\n", 4,
       "models.judge.rules", "file not found"},
      {"llama_model_not_found", "models:\n  judge:\n    model_path: no-such.gguf\n", 3, "models.judge.model_path",
       "file not found"},
      {"key_for_another_backend", "models:\n  judge:\n    backend: llama\n    base_url: http://h/v1\n", 4,
       "models.judge.base_url", "applies only to backend openai"},
      {"openai_key_on_default_backend", "models:\n  judge:\n    max_concurrency: 4\n", 3,
       "models.judge.max_concurrency", "set `backend:`"},
      {"llama_key_on_openai", kOpenai + "    context_size: 4096\n", 6, "models.agents.context_size",
       "applies only to backend llama"},
      {"url_without_scheme", "models:\n  agents:\n    backend: openai\n    model: m\n    base_url: localhost:8000/v1\n",
       5, "models.agents.base_url", "http://"},
      {"bad_entry_in_url_list",
       "models:\n  agents:\n    backend: openai\n    model: m\n    base_url:\n      - http://a/v1\n      - {host: b}\n",
       7, "models.agents.base_url[1]", "expected a string"},
      {"empty_url_list", kOpenai.substr(0, kOpenai.find("    base_url")) + "    base_url: []\n    model: m\n", 4,
       "models.agents.base_url", "at least one"},
      {"duplicate_key", kOpenai + "    model: other\n", 6, "models.agents.model", "duplicate key"},
      {"budget_unknown_role", "budget:\n  planner: {calls: 3}\n", 2, "budget.planner", "unknown role"},
      {"budget_fraction_calls", "budget:\n  judge:\n    calls: 1.5\n", 3, "budget.judge.calls", "positive integer"},
      {"budget_unknown_limit", "budget:\n  judge:\n    seconds: 10\n", 3, "budget.judge.seconds",
       "calls, tokens, dollars"},
      {"budget_zero_dollars", "budget:\n  judge: {dollars: 0}\n", 2, "budget.judge.dollars", "positive number"},
      {"models_is_a_list", "models:\n  - agents\n", 1, "models", "expected a map"},
      {"top_level_is_a_list", "- models\n- cache\n", 1, "", "expected a map"},
      {"invalid_yaml_flow", "models:\n  agents:\n    base_url: [http://a/v1,\n    model: m\nbudget: {}\n", 5, "",
       "invalid YAML"},
      {"invalid_yaml_indent", "models:\n  agents:\n    backend: llama\n   model: x\n", 4, "", "invalid YAML"},
      {"model_not_utf8", kOpenai.substr(0, kOpenai.find("    model")) + "    model: \"caf\xE9\"\n", 5,
       "models.agents.model", "not valid UTF-8 (bad byte 0xE9 at byte 4 of the value)"},
      {"extra_value_not_utf8", kOpenai + "    extra: {stop: \"\xC0\xAF\"}\n", 6, "models.agents.extra.stop",
       "not valid UTF-8"},
      {"key_not_utf8", kOpenai + "    mod\xFF: m\n", 6, "models.agents", "a key is not valid UTF-8"},
      {"nul_byte", kOpenai + "    model: a" + '\0' + "b\n", 6, "", "contains a control character (byte 0x00, NUL) at column 13"},
      {"escape_byte", "cache:\n  mode: o\x1b[31mff\n", 2, "", "control character (byte 0x1B, ESC)"},
      {"nested_too_deeply", "models:\n  agents:\n    extra: {a: " + std::string(2000, '[') + std::string(2000, ']') + "}\n",
       3, "", "nested too deeply"},
  };
}

class BadConfig : public ConfigTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(BadConfig, IsInputErrorNamingFileLineAndKey) {
  const BadCase& c = GetParam();
  std::string msg = load_error(c.yaml);
  ASSERT_FALSE(msg.empty()) << "loaded without error";
  EXPECT_NE(msg.find(c.says), std::string::npos) << msg;
  if (c.line > 0) {
    EXPECT_NE(msg.find("bad.yaml:" + std::to_string(c.line) + ":"), std::string::npos) << msg;
  } else {
    EXPECT_NE(msg.find("bad.yaml"), std::string::npos) << msg;
  }
  if (!c.key.empty()) {
    EXPECT_NE(msg.find("key `" + c.key + "`"), std::string::npos) << msg;
  } else {
    EXPECT_EQ(msg.find("key `"), std::string::npos) << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, BadConfig, ::testing::ValuesIn(bad_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace maspo
