// TEST DOUBLE: see scripted_backend.hpp.
#include "llm/scripted_backend.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <system_error>

#include "maspo/util.hpp"
#include "util/yaml_text.hpp"

namespace maspo::llm {

namespace {

std::string last_of_role(const Request& r, std::string_view role) {
  for (auto it = r.messages.rbegin(); it != r.messages.rend(); ++it) {
    if (it->role == role) return it->content;
  }
  return {};
}

// One pass over the template, so text coming from the request (a user message that itself says
// "{model}") is inserted verbatim, never substituted again.
std::string substitute(const std::string& text, const Request& r) {
  static constexpr std::string_view kNames[] = {"{last_user}", "{system}", "{model}"};
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    size_t which = 0;
    while (which < std::size(kNames) && text.compare(pos, kNames[which].size(), kNames[which]) != 0) ++which;
    if (which == std::size(kNames)) {
      out.push_back(text[pos++]);
      continue;
    }
    out += which == 0 ? last_of_role(r, "user") : which == 1 ? last_of_role(r, "system") : r.model;
    pos += kNames[which].size();
  }
  return out;
}

struct Rule {
  std::shared_ptr<RE2> pattern;
  std::string reply;
  std::string finish_reason;
};

}  // namespace

std::int64_t ScriptedBackend::count_tokens(std::string_view text) {
  std::int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

ScriptedBackend::ScriptedBackend(Script script, std::string label)
    : script_(std::move(script)), label_(std::move(label)) {}

std::shared_ptr<ScriptedBackend> ScriptedBackend::from_rules_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(path + ": cannot open the scripted backend's rules file");
  }
  YAML::Node root = load_yaml_text(read_file(path), path);
  if (!root.IsMap() || !root["rules"] || !root["rules"].IsSequence()) {
    throw InputError(where(path, root.Mark().line + 1, "rules", "expected a list of rules under `rules:`"));
  }
  std::vector<Rule> rules;
  // A value of the wrong shape (`match: [a, b]`) makes yaml-cpp throw from as<>(); it is still
  // bad input, so it gets the same file:line message.
  try {
    for (const auto& node : root["rules"]) {
      int line = node.Mark().line + 1;
      if (!node.IsMap()) throw InputError(where(path, line, "rules", "each rule must be a map with `match` and `reply`"));
      for (const auto& kv : node) {
        auto k = kv.first.as<std::string>();
        if (k != "match" && k != "reply" && k != "finish_reason") {
          throw InputError(where(path, kv.first.Mark().line + 1, k,
                                 "unknown key (expected one of: match, reply, finish_reason)"));
        }
      }
      if (!node["match"] || !node["reply"]) {
        throw InputError(where(path, line, node["match"] ? "reply" : "match", "missing (every rule needs match and reply)"));
      }
      Rule rule;
      // The pattern is the user's: a bad one is reported below as an InputError, so RE2 must not
      // also log its own "re2.cc: Error parsing ..." line on stderr.
      RE2::Options options;
      options.set_log_errors(false);
      rule.pattern = std::make_shared<RE2>(node["match"].as<std::string>(), options);
      if (!rule.pattern->ok()) {
        throw InputError(where(path, node["match"].Mark().line + 1, "match", "invalid regex: " + rule.pattern->error()));
      }
      rule.reply = node["reply"].as<std::string>();
      rule.finish_reason = node["finish_reason"] ? node["finish_reason"].as<std::string>() : "stop";
      rules.push_back(std::move(rule));
    }
  } catch (const YAML::Exception& e) {
    throw InputError(where(path, e.mark.line + 1, "", "expected text here: " + e.msg));
  }
  Script script = [rules, path](const Request& r) {
    std::string user = last_of_role(r, "user");
    for (const auto& rule : rules) {
      if (RE2::PartialMatch(user, *rule.pattern)) {
        Reply reply;
        reply.text = substitute(rule.reply, r);
        reply.finish_reason = rule.finish_reason;
        return reply;
      }
    }
    throw Error(ErrorKind::bad_reply, "scripted backend (test double): no rule in " + path +
                                          " matches the request's last user message");
  };
  return std::make_shared<ScriptedBackend>(std::move(script), path);
}

void ScriptedBackend::submit(Request request, Completion done) {
  Reply reply;
  try {
    reply = script_(request);
    if (reply.model.empty()) reply.model = request.model.empty() ? "scripted" : request.model;
    if (reply.finish_reason.empty()) reply.finish_reason = "stop";
    if (reply.usage.total() == 0) {
      Usage u;
      for (const auto& m : request.messages) u.prompt_tokens += count_tokens(m.content);
      u.completion_tokens = count_tokens(reply.text);
      reply.usage = u;
    }
  } catch (...) {
    done(Reply{}, std::current_exception());
    return;
  }
  done(std::move(reply), nullptr);
}

std::string ScriptedBackend::describe() const { return "scripted (test double): " + label_; }

}  // namespace maspo::llm
