// The two LLM requests an agent makes.
//
// Role call: one user message, the formatted template, at the agent's temperature and max_tokens.
//
// Compression call (summary mode, MASPO.md §2.1): what successors see instead of the raw output.
// The reference code compressed every non-terminal output to <= 30 words (<= 50 for code) and the
// paper's numbers were measured that way, so `summary` is the default context mode. Wording (ours):
//   other tasks: "In at most 30 words, summarize the key reasoning steps and the final answer of
//                 the text below. Reply with the summary only."
//   code:        "In at most 50 words, describe the key logic of the Python code in the text below.
//                 Reply with the description only."
// followed by a blank line, "Text:" and the output; temperature 0, max_tokens 128 (50 words is
// about 70 tokens, so the budget never truncates a summary that follows the instruction), sent to
// the agent's own model_role.
#include <cstdint>
#include <string>

#include "maspo/mas.hpp"

namespace maspo::mas {

namespace {

constexpr int kCompressionMaxTokens = 128;

// At temperature > 0, two agents with the same template (the parallel predictors of `vote`) would
// send identical requests and share one cache entry, i.e. one sample. Each agent therefore draws
// its own sample: the sample index is a stable hash of its id (FNV-1a), so the same agent on the
// same question is still reproducible from the cache.
int sample_index_for(std::string_view id) {
  std::uint32_t h = 2166136261u;
  for (char c : id) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return static_cast<int>(h & 0x7fffffffu);
}

}  // namespace

llm::Request agent_request(const Agent& agent, std::string formatted_prompt) {
  llm::Request r;
  r.messages.push_back({"user", std::move(formatted_prompt)});
  r.temperature = agent.temperature;
  r.max_tokens = agent.max_tokens;
  if (agent.temperature > 0.0) r.sample_index = sample_index_for(agent.id);
  return r;
}

llm::Request compression_request(const Agent& /*agent*/, TaskType task, std::string_view output) {
  std::string instruction =
      task == TaskType::code
          ? "In at most 50 words, describe the key logic of the Python code in the text below. "
            "Reply with the description only."
          : "In at most 30 words, summarize the key reasoning steps and the final answer of the text below. "
            "Reply with the summary only.";
  llm::Request r;
  r.messages.push_back({"user", instruction + "\n\nText:\n" + std::string(output)});
  r.temperature = 0.0;
  r.max_tokens = kCompressionMaxTokens;
  return r;
}

}  // namespace maspo::mas
