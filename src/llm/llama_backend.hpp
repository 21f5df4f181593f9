// The embedded backend: llama.cpp in-process, with continuous batching.
//
// One engine per (model file, parallel, context_size): a llama.cpp context with `parallel`
// sequence slots of `context_size` tokens each, and one decode thread. Requests from any thread
// queue up; between two decode steps the thread admits queued requests into free slots, then
// decodes one batch that holds the next token of every generating sequence plus prompt chunks of
// the newly admitted ones (many sequences in one llama_decode), samples, and lets finished
// sequences leave. Roles that name the same file share the weights (a process-wide registry keyed
// by canonical path), and with the same settings also the engine, so their requests batch together.
//
// Prompt-prefix reuse: a slot keeps the KV cache of its last sequence after it finishes. A new
// request goes to the free slot whose cached tokens share the longest prefix with its prompt, and
// only the rest of the prompt is decoded (the same agent prompt, the same question: decoded once
// per slot, not once per request).
//
// Determinism: temperature 0 is greedy decoding (arg-max), so a request alone gives the same
// text every time, prefix reuse or not. Batched, a sequence's logits come out of matrix products
// over more rows; on the CPU build that scripts/fetch-llama pins, llama.cpp computes every row on
// its own (one dot product per row and column, attention per sequence stream), and the same
// request gives the same text alone or batched with others: tests/llm/llama_backend_test.cpp checks
// 8 requests batched against each alone, and alone twice. That is a property of these kernels,
// not a promise of llama.cpp: another build (a GPU backend, kernels that tile by batch size)
// could change a logit in its last bits with the batch and flip a near-tie. At temperature > 0
// with a seed, the draw is reproducible the same way; without a seed it is random.
#pragma once

#ifdef MASPO_WITH_LLAMA

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "maspo/llm.hpp"

namespace maspo::llm {

// <cache dir>/models/SmolLM2-135M-Instruct.Q4_1.gguf, what scripts/fetch-model installs.
std::filesystem::path default_llama_model_path();

// Checks that `path` is a complete GGUF file before llama.cpp sees it; throws Error(config)
// naming the path (missing, not a file, not GGUF, truncated). `is_default` adds the hint to run
// scripts/setup.
void check_gguf_file(const std::filesystem::path& path, bool is_default);

inline constexpr int kLlamaDefaultParallel = 8;
inline constexpr int kLlamaDefaultContext = 2048;    // tokens per sequence
inline constexpr int kLlamaDefaultMaxTokens = 512;   // when a request leaves max_tokens at 0

// Counters of one engine (shared by every backend on it), for tests, benchmarks and logs.
struct LlamaStats {
  std::int64_t requests = 0;               // finished (answered or failed)
  std::int64_t decode_calls = 0;           // llama_decode calls
  std::int64_t max_sequences_in_batch = 0; // most distinct sequences in one llama_decode
  std::int64_t prompt_tokens = 0;          // prompt tokens of admitted requests
  std::int64_t reused_prompt_tokens = 0;   // of those, taken from a slot's KV cache, not decoded
  std::int64_t generated_tokens = 0;
};

class LlamaEngine;

class LlamaBackend : public Backend {
 public:
  // Loads (or shares) the model and engine. Throws Error(config) naming the path when the model
  // is missing or unusable.
  LlamaBackend(const std::string& role, const RoleConfig& config);
  ~LlamaBackend() override;

  void submit(Request request, Completion done) override;
  std::string describe() const override;
  // "llama:<file name>:<size in bytes>": two GGUF files (another model, another quantization)
  // never share cache entries, while the same file at another path still does.
  std::string model_fingerprint() const override;

  // The prompt text the model sees: the messages through the model's own chat template, with the
  // assistant turn opened.
  std::string format_prompt(const std::vector<Message>& messages) const;
  // Tokens of `text` as plain text (no special tokens parsed, no BOS).
  int count_tokens(std::string_view text) const;
  LlamaStats stats() const;
  const std::filesystem::path& model_path() const;
  int parallel() const;
  int context_size() const;

 private:
  std::string role_;
  std::shared_ptr<LlamaEngine> engine_;
};

}  // namespace maspo::llm

#endif  // MASPO_WITH_LLAMA
