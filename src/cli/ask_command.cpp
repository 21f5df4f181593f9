// `maspo ask "TEXT"`: one request to one role, the reply on stdout, one usage line on stderr.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "maspo/config.hpp"
#include "maspo/llm.hpp"

namespace maspo::cli {

namespace {

struct AskOptions {
  std::string text;
  std::string role = "agents";
  std::string system;
  double temperature = 0.0;
  int max_tokens = 0;
  std::string cache;  // empty: the config's mode
  bool json = false;
};

llm::CacheMode cache_mode(const std::string& name) {
  if (name == "replay") return llm::CacheMode::replay;
  if (name == "off") return llm::CacheMode::off;
  return llm::CacheMode::read_write;
}

// The client builds a backend for every role it is given; ask uses one, so only that one is
// built (the others may name a model this machine cannot load).
llm::ClientOptions client_options(const Config& config, const AskOptions& o) {
  llm::ClientOptions options = config.llm;
  options.roles = {{o.role, config.llm.roles.at(o.role)}};
  if (!o.cache.empty()) options.cache.mode = cache_mode(o.cache);
  return options;
}

llm::Request make_request(const AskOptions& o) {
  llm::Request r;
  if (!o.system.empty()) r.messages.push_back({"system", o.system});
  r.messages.push_back({"user", o.text});
  r.temperature = o.temperature;
  r.max_tokens = o.max_tokens;
  return r;
}

double role_dollars(const llm::Client& client, const std::string& role) {
  double dollars = 0.0;
  for (const auto& line : client.usage()) {
    if (line.role == role) dollars += line.dollars;
  }
  return dollars;
}

int run_ask(const AskOptions& o, const GlobalOptions& global) {
  Config config = load_config(global.config_path);
  spdlog::debug("config: {}", config.source.empty() ? "built-in defaults" : config.source);
  llm::Client client(client_options(config, o));
  llm::Reply reply = client.complete(o.role, make_request(o));

  const auto& role_cfg = client.role_config(o.role);
  std::string model = !reply.model.empty() ? reply.model : !role_cfg.model.empty() ? role_cfg.model : role_cfg.backend;
  double dollars = role_dollars(client, o.role);
  if (o.json) {
    llm::json out = {
        {"text", reply.text},
        {"role", o.role},
        {"model", model},
        {"finish_reason", reply.finish_reason},
        {"usage", {{"prompt_tokens", reply.usage.prompt_tokens}, {"completion_tokens", reply.usage.completion_tokens}}},
        {"latency_s", reply.latency_s},
        {"cached", reply.cached},
        {"attempts", reply.attempts},
        {"dollars", dollars},
    };
    // A reply that is not UTF-8 (a model can emit any bytes) must not make the JSON unwritable:
    // the bad bytes become U+FFFD, as items.jsonl does.
    std::cout << out.dump(-1, ' ', false, llm::json::error_handler_t::replace) << '\n';
  } else {
    std::cout << reply.text << '\n';
    std::cerr << fmt::format("usage: role={} model={} prompt_tokens={} completion_tokens={} latency_s={:.3f} "
                             "cached={} dollars={:.6f}\n",
                             o.role, model, reply.usage.prompt_tokens, reply.usage.completion_tokens,
                             reply.latency_s, reply.cached ? "yes" : "no", dollars);
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

Action add_ask_command(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<AskOptions>();
  auto* cmd = app.add_subcommand("ask", "Send one prompt to a role's model; the reply on stdout, usage on stderr");
  cmd->add_option("text", o->text, "The prompt (sent as the user message)")->required();
  cmd->add_option("--role", o->role, "Which role's model answers")
      ->check(CLI::IsMember(std::vector<std::string>(kRoles.begin(), kRoles.end())))
      ->capture_default_str();
  cmd->add_option("--system", o->system, "System message");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature")
      ->check(number_at_least(0))
      ->capture_default_str();
  cmd->add_option("--max-tokens", o->max_tokens, "Most tokens in the reply (default: the backend's)")
      ->check(whole_number(1));
  cmd->add_option("--cache", o->cache, "Cache mode for this request (default: the config's)")
      ->check(CLI::IsMember({"read_write", "replay", "off"}));
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout instead of the text and the usage line");
  return [o, &global] { return run_ask(*o, global); };
}

}  // namespace maspo::cli
