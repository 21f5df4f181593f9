// TEST DOUBLE. The scripted backend answers from a rules file or a callback, deterministically,
// with no model at all. It exists for tests and for checking the optimizer's logic; it is never
// a default and is always named "scripted (test double)" in output.
//
// Rules file (YAML):
//   rules:
//     - match: "capital of France"     # RE2 regex searched in the last user message
//       reply: "<answer>Paris</answer>"
//     - match: "(?s).*"                # first matching rule wins
//       reply: "echo: {last_user}"     # {last_user}, {system} and {model} are substituted
//       finish_reason: stop            # optional, default "stop"
// A request no rule matches fails with Error(bad_reply) naming the rules file.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "maspo/llm.hpp"

namespace maspo::llm {

class ScriptedBackend : public Backend {
 public:
  using Script = std::function<Reply(const Request&)>;

  explicit ScriptedBackend(Script script, std::string label = "callback");
  // Throws InputError naming the file and line on a malformed rules file.
  static std::shared_ptr<ScriptedBackend> from_rules_file(const std::string& path);

  void submit(Request request, Completion done) override;  // answers synchronously
  std::string describe() const override;
  std::string model_fingerprint() const override { return "scripted:" + label_; }

  // Deterministic token counts for scripted replies: whitespace-separated words.
  static std::int64_t count_tokens(std::string_view text);

 private:
  Script script_;
  std::string label_;
};

}  // namespace maspo::llm
