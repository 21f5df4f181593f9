// TEST DOUBLE. A deterministic synthetic testbed for the optimizer's logic: a two-agent system
// (predictor -> reflector, raw context) whose scripted "models" behave according to feature tags
// in their prompts, with a built-in local-global misalignment. It proves the search logic, not any
// model's quality.
//
// Prompts look like "ROLE=predictor FEATURES=[CHECK] ... {question}". The scripted optimizer
// toggles one feature of the parent prompt (chosen by a hash of its request). Behaviour:
//   predictor  local quality L = 1 + 2*VERBOSE - TERSE; its answer is right when CHECK is on, or for
//              one question in five (a hash of the question) otherwise.
//   reflector  with VERBOSE upstream it is misled: final answer wrong and L = 0. Otherwise it is
//              right when the predictor was, L = 1 + 2*right + CAREFUL.
//   judge      intermediate: the higher L wins; final and terminal: the right answer wins, then
//              the higher L; a tie is broken by a hash of the two outputs (a coin flip).
// So VERBOSE wins every local comparison but ruins the system (misalignment); CHECK wins only
// downstream. Joint evaluation should pick CHECK; local-only evaluation picks VERBOSE.
// Final outputs carry <answer>1</answer> when right and <answer>0</answer> otherwise; gold is "1".
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "maspo/data.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"

namespace maspo::testing {

struct Testbed {
  std::shared_ptr<const mas::System> system;
  std::vector<data::Example> pool;
  mas::PromptMap seed;
  std::shared_ptr<llm::BackendFactory> factory;   // agents, optimizer and judge roles
  // Client options with every role scripted; cache at `cache_path` ("" = cache off).
  llm::ClientOptions client_options(const std::string& cache_path = "") const;
};

// `questions` pool items (gold "1").
Testbed make_testbed(int questions = 50);

// The scripted reply for a role ("agents", "optimizer", "judge"), exposed for the fake server.
std::string testbed_reply(std::string_view role, const llm::Request& request);

bool has_feature(std::string_view prompt, std::string_view feature);
// The testbed's prompt for `role` ("predictor" or "reflector") with these features on; the seed
// prompts have none.
std::string testbed_prompt(const std::string& role, const std::set<std::string>& features);
// The role named by the first "ROLE=<role> FEATURES=[...]" in `text` ("" when there is none).
std::string role_of(std::string_view text);

// The same testbed for the `maspo` binary through the fake server (fake_openai_server
// --responder testbed, which answers each request as the role named by its model,
// "testbed-<role>"): the system as a YAML file, the pool as GSM8K lines (gold "1"), and a config
// whose three roles point at the server.
std::string testbed_system_yaml();
std::string testbed_gsm8k_jsonl(int questions);
std::string testbed_http_config(int port, int max_concurrency = 16);
// Writes DIR/testbed.yaml, DIR/test.jsonl (`test_questions`) and, when `pool_questions` > 0,
// DIR/pool.jsonl: the files a CLI test of the testbed passes to `maspo`.
void write_testbed_files(const std::filesystem::path& dir, int test_questions, int pool_questions);

}  // namespace maspo::testing
