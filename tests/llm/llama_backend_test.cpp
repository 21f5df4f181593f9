// The embedded llama.cpp backend on the real bundled model (SmolLM2-135M, fetched by
// scripts/setup): generation limits, stop strings, the chat template, determinism, continuous
// batching of concurrent requests, prefix reuse, model sharing, and clean errors for bad model
// files and prompts that do not fit. Compiled only when maspo is built with llama.cpp.
#ifdef MASPO_WITH_LLAMA

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "llm/llama_backend.hpp"
#include "maspo/llm.hpp"
#include "maspo/util.hpp"

namespace maspo::llm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One decode thread per engine: ctest runs test programs side by side, and ggml's threads spin
// at barriers, so on a busy machine two threads can be ten times slower than one. (A value set
// by the caller wins.)
[[maybe_unused]] const bool kOneThread = [] { return ::setenv("MASPO_LLAMA_THREADS", "1", 0) == 0; }();

// Every wait is bounded: a hung decode loop fails the test instead of hanging ctest.
Reply run(Backend& backend, Request request) {
  auto promise = std::make_shared<std::promise<Reply>>();
  auto future = promise->get_future();
  backend.submit(std::move(request), [promise](Reply reply, std::exception_ptr error) {
    if (error) {
      promise->set_exception(error);
    } else {
      promise->set_value(std::move(reply));
    }
  });
  if (future.wait_for(120s) != std::future_status::ready) throw std::runtime_error("no reply within 120 s");
  return future.get();
}

Request ask(const std::string& user, int max_tokens) {
  Request r;
  r.messages = {{"user", user}};
  r.max_tokens = max_tokens;
  return r;
}

RoleConfig llama_role(int parallel, int context_size, std::string model_path = "") {
  RoleConfig cfg;
  cfg.backend = "llama";
  cfg.parallel = parallel;
  cfg.context_size = context_size;
  cfg.model_path = std::move(model_path);
  return cfg;
}

// What an error's message says, or "" when the call did not throw llm::Error of `kind`.
template <typename F>
std::string error_of_kind(ErrorKind kind, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.kind() == kind) return e.what();
    return std::string("wrong kind ") + std::string(to_string(e.kind())) + ": " + e.what();
  }
  return "";
}

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("maspo-llama-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path file(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// One backend (8 sequences x 512 tokens) for the tests that only generate; loading once keeps
// the suite fast.
class LlamaBackendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(fs::exists(default_llama_model_path()))
        << default_llama_model_path() << " is missing: run scripts/setup (or scripts/fetch-model)";
    backend_ = std::make_shared<LlamaBackend>("agents", llama_role(8, 512));
  }
  static void TearDownTestSuite() { backend_.reset(); }
  static std::shared_ptr<LlamaBackend> backend_;
};
std::shared_ptr<LlamaBackend> LlamaBackendTest::backend_;

const char* kStoryPrompt = "Write a long story about a dragon who lives in a lighthouse.";

TEST_F(LlamaBackendTest, GeneratesNonEmptyTextWithinMaxTokens) {
  Reply r = run(*backend_, ask("What is the capital of France?", 12));
  EXPECT_FALSE(r.text.empty());
  EXPECT_GT(r.usage.completion_tokens, 0);
  EXPECT_LE(r.usage.completion_tokens, 12);
  EXPECT_GT(r.usage.prompt_tokens, 0);
  EXPECT_TRUE(r.finish_reason == "stop" || r.finish_reason == "length") << r.finish_reason;
  EXPECT_EQ(r.model, "SmolLM2-135M-Instruct.Q4_1");
}

TEST_F(LlamaBackendTest, StopsAtMaxTokensWithFinishReasonLength) {
  Reply r = run(*backend_, ask(kStoryPrompt, 5));
  EXPECT_EQ(r.usage.completion_tokens, 5);
  EXPECT_EQ(r.finish_reason, "length");
  // Five tokens of a story are a few words, not a story.
  EXPECT_LT(r.text.size(), 60u) << r.text;
}

TEST_F(LlamaBackendTest, StopStringEndsTheReplyAndIsStripped) {
  Reply full = run(*backend_, ask(kStoryPrompt, 40));
  ASSERT_GT(full.text.size(), 40u) << full.text;
  // A stop string taken from the middle of what the model says (it may span token boundaries);
  // the reply must be what came before its first occurrence.
  std::string stop = full.text.substr(full.text.size() / 2, 5);
  std::string expected = full.text.substr(0, full.text.find(stop));

  Request req = ask(kStoryPrompt, 40);
  req.stop = {"no such text in this story", stop};
  Reply r = run(*backend_, req);
  EXPECT_EQ(r.text, expected);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.text.find(stop), std::string::npos);
  EXPECT_LT(r.usage.completion_tokens, full.usage.completion_tokens);
}

TEST_F(LlamaBackendTest, EarliestOfSeveralStopStringsWins) {
  Reply full = run(*backend_, ask(kStoryPrompt, 40));
  ASSERT_GT(full.text.size(), 30u);
  std::string early = full.text.substr(10, 4);
  std::string late = full.text.substr(25, 4);
  Request req = ask(kStoryPrompt, 40);
  req.stop = {late, early};
  Reply r = run(*backend_, req);
  EXPECT_EQ(r.text, full.text.substr(0, std::min(full.text.find(early), full.text.find(late))));
}

TEST_F(LlamaBackendTest, AppliesTheModelsChatTemplate) {
  const std::string content = "Name three colours.";
  std::string prompt = backend_->format_prompt({{"system", "Be brief."}, {"user", content}});
  // SmolLM2's GGUF carries a ChatML template.
  EXPECT_EQ(prompt,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nName three colours.<|im_end|>\n"
            "<|im_start|>assistant\n");

  Reply r = run(*backend_, ask(content, 4));
  // The template's markers are tokens the model sees besides the text itself: <|im_start|>,
  // "user", newlines, <|im_end|>, <|im_start|>, "assistant", newline.
  EXPECT_GE(r.usage.prompt_tokens, backend_->count_tokens(content) + 6);
  // ... and the markers are parsed as the special tokens they are, not spelled out as text.
  EXPECT_LT(r.usage.prompt_tokens, backend_->count_tokens(backend_->format_prompt({{"user", content}})));
}

TEST_F(LlamaBackendTest, TemperatureZeroIsDeterministic) {
  Request req = ask("Give me a short poem about the sea.", 24);
  Reply a = run(*backend_, req);
  Reply b = run(*backend_, req);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.usage, b.usage);
  // A seed is irrelevant to greedy decoding.
  req.seed = 12345;
  EXPECT_EQ(run(*backend_, req).text, a.text);
}

TEST_F(LlamaBackendTest, SeededSamplingIsReproducibleAndSeedsMatter) {
  Request req = ask("Invent a name for a new planet and describe it.", 24);
  req.temperature = 1.0;
  req.top_p = 0.95;
  req.extra["top_k"] = 50;
  req.seed = 7;
  Reply a = run(*backend_, req);
  Reply b = run(*backend_, req);
  EXPECT_EQ(a.text, b.text);
  std::set<std::string> texts{a.text};
  for (std::int64_t seed : {1, 2, 3, 4}) {
    req.seed = seed;
    texts.insert(run(*backend_, req).text);
  }
  EXPECT_GE(texts.size(), 3u) << "five seeds at temperature 1 gave almost always the same text";
  // The sample index draws a different sample from the same seeded request.
  req.seed = 7;
  req.sample_index = 1;
  EXPECT_NE(run(*backend_, req).text, a.text);
}

TEST_F(LlamaBackendTest, RejectsANonNumericTopK) {
  Request req = ask("hi", 4);
  req.temperature = 0.5;
  req.extra["top_k"] = "many";
  EXPECT_NE(error_of_kind(ErrorKind::config, [&] { run(*backend_, req); }).find("top_k"), std::string::npos);
}

TEST_F(LlamaBackendTest, ReusesTheKvCacheOfASharedPromptPrefix) {
  Request req;
  req.messages = {{"system", "You are a careful assistant who answers questions about geography in one word."},
                  {"user", "What is the capital of Italy?"}};
  req.max_tokens = 4;
  Reply first = run(*backend_, req);
  LlamaStats before = backend_->stats();
  Reply again = run(*backend_, req);
  LlamaStats after = backend_->stats();
  // All but the last prompt token come from the cache.
  EXPECT_EQ(after.reused_prompt_tokens - before.reused_prompt_tokens, again.usage.prompt_tokens - 1);
  EXPECT_EQ(again.text, first.text);

  // Same system prompt, another question: the system part is reused.
  req.messages[1].content = "What is the capital of Spain?";
  before = backend_->stats();
  run(*backend_, req);
  after = backend_->stats();
  EXPECT_GE(after.reused_prompt_tokens - before.reused_prompt_tokens, backend_->count_tokens(req.messages[0].content));
}

// Its own engine (another context size), so its counters see only this test.
TEST(LlamaBackendBatching, ConcurrentRequestsAreBatchedAndEachGetsItsOwnAnswer) {
  LlamaBackend backend("agents", llama_role(8, 320));
  const std::vector<std::string> words = {"apple", "river", "mountain", "guitar", "yellow", "window", "tiger", "coffee"};
  auto request = [](const std::string& w) { return ask("Repeat this word exactly once and nothing else: " + w, 16); };

  std::vector<std::string> solo;
  for (const auto& w : words) solo.push_back(run(backend, request(w)).text);
  std::set<std::string> distinct(solo.begin(), solo.end());
  ASSERT_GE(distinct.size(), 6u) << "the prompts should get different answers";

  LlamaStats before = backend.stats();
  std::vector<std::shared_ptr<std::promise<Reply>>> promises;
  std::vector<std::future<Reply>> futures;
  for (const auto& w : words) {
    promises.push_back(std::make_shared<std::promise<Reply>>());
    futures.push_back(promises.back()->get_future());
    backend.submit(request(w), [p = promises.back()](Reply reply, std::exception_ptr error) {
      if (error) {
        p->set_exception(error);
      } else {
        p->set_value(std::move(reply));
      }
    });
  }
  std::int64_t generated = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    ASSERT_EQ(futures[i].wait_for(120s), std::future_status::ready);
    Reply r = futures[i].get();
    generated += r.usage.completion_tokens;
    // Its own answer, and (temperature 0) exactly the one it gets alone: see llama_backend.hpp.
    EXPECT_EQ(r.text, solo[i]) << "request " << i << " (" << words[i] << ")";
  }
  LlamaStats after = backend.stats();
  EXPECT_GE(after.max_sequences_in_batch, 4) << "concurrent requests were not decoded together";
  // Decoded one after another they would take one decode per generated token at least.
  EXPECT_LT(after.decode_calls - before.decode_calls, generated / 2);
  EXPECT_EQ(after.requests - before.requests, 8);
}

TEST(LlamaBackendBatching, MoreRequestsThanSlotsAllComplete) {
  LlamaBackend backend("agents", llama_role(2, 256));
  std::vector<std::future<Reply>> futures;
  std::vector<std::shared_ptr<std::promise<Reply>>> promises;
  for (int i = 0; i < 6; ++i) {
    promises.push_back(std::make_shared<std::promise<Reply>>());
    futures.push_back(promises.back()->get_future());
    backend.submit(ask("Count to " + std::to_string(i + 3) + ".", 6), [p = promises.back()](Reply reply, std::exception_ptr e) {
      if (e) {
        p->set_exception(e);
      } else {
        p->set_value(std::move(reply));
      }
    });
  }
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(120s), std::future_status::ready);
    Reply r = f.get();
    EXPECT_FALSE(r.text.empty());
    EXPECT_LE(r.usage.completion_tokens, 6);
  }
  EXPECT_LE(backend.stats().max_sequences_in_batch, 2);
}

TEST(LlamaBackendIdentity, FingerprintNamesTheModelFileAndItsSize) {
  // The cache key of a role with no `model:` rests on this: it must change with the file.
  LlamaBackend backend("agents", llama_role(1, 256));
  const auto size = std::filesystem::file_size(backend.model_path());
  EXPECT_EQ(backend.model_fingerprint(),
            "llama:" + backend.model_path().filename().string() + ":" + std::to_string(size));
}

TEST(LlamaBackendErrors, PromptLongerThanTheContextIsPromptTooLong) {
  LlamaBackend backend("agents", llama_role(1, 256));
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "word" + std::to_string(i) + " ";
  std::string message = error_of_kind(ErrorKind::prompt_too_long, [&] { run(backend, ask(long_text, 4)); });
  EXPECT_NE(message.find("256"), std::string::npos) << message;
  EXPECT_NE(message.find("context_size"), std::string::npos) << message;
  // The backend is still fine afterwards.
  EXPECT_FALSE(run(backend, ask("Hello!", 4)).text.empty());
}

TEST(LlamaBackendErrors, MissingModelFileNamesThePath) {
  TempDir dir;
  fs::path missing = dir.file("nope.gguf");
  std::string message = error_of_kind(ErrorKind::config, [&] { LlamaBackend("agents", llama_role(1, 256, missing.string())); });
  EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
  EXPECT_NE(message.find("not found"), std::string::npos) << message;
}

TEST(LlamaBackendErrors, MissingDefaultModelSaysToRunSetup) {
  TempDir dir;
  const char* old = std::getenv("MASPO_CACHE_DIR");
  std::string saved = old ? old : "";
  ::setenv("MASPO_CACHE_DIR", dir.file("cache").c_str(), 1);
  std::string message = error_of_kind(ErrorKind::config, [&] { LlamaBackend("agents", llama_role(1, 256)); });
  if (old) {
    ::setenv("MASPO_CACHE_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("MASPO_CACHE_DIR");
  }
  EXPECT_NE(message.find((dir.file("cache") / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("scripts/setup"), std::string::npos) << message;
}

TEST(LlamaBackendErrors, NonGgufFileNamesThePath) {
  TempDir dir;
  fs::path bogus = dir.file("model.gguf");
  std::ofstream(bogus) << "this is not a model, just some text long enough to pass a size check\n";
  std::string message = error_of_kind(ErrorKind::config, [&] { LlamaBackend("agents", llama_role(1, 256, bogus.string())); });
  EXPECT_NE(message.find(bogus.string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a GGUF"), std::string::npos) << message;
}

TEST(LlamaBackendErrors, TruncatedModelFileNamesThePath) {
  TempDir dir;
  std::ifstream in(default_llama_model_path(), std::ios::binary);
  ASSERT_TRUE(in);
  // Cut inside the tensor data, then inside the metadata, then inside the fixed header.
  for (std::size_t keep : {std::size_t{50'000'000}, std::size_t{200'000}, std::size_t{12}}) {
    fs::path cut = dir.file("cut-" + std::to_string(keep) + ".gguf");
    {
      std::vector<char> bytes(keep);
      in.seekg(0);
      in.read(bytes.data(), static_cast<std::streamsize>(keep));
      std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    }
    std::string message = error_of_kind(ErrorKind::config, [&] { LlamaBackend("agents", llama_role(1, 256, cut.string())); });
    EXPECT_NE(message.find(cut.string()), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
}

TEST(LlamaBackendErrors, DirectoryIsNotAModel) {
  TempDir dir;
  fs::path d = dir.file("a-dir.gguf");
  fs::create_directories(d);
  std::string message = error_of_kind(ErrorKind::config, [&] { LlamaBackend("agents", llama_role(1, 256, d.string())); });
  EXPECT_NE(message.find(d.string()), std::string::npos) << message;
}

// Roles naming the same file (spelled differently) share the model and, with equal settings,
// the engine: a request through one shows in the other's counters.
TEST(LlamaBackendSharing, RolesNamingTheSameFileShareOneEngine) {
  auto factory = default_backend_factory();
  fs::path model = default_llama_model_path();
  fs::path detour = model.parent_path() / ".." / "models" / model.filename();
  auto agents = factory->make("agents", llama_role(2, 256, model.string()));
  auto judge = factory->make("judge", llama_role(2, 256, detour.string()));
  auto* a = dynamic_cast<LlamaBackend*>(agents.get());
  auto* j = dynamic_cast<LlamaBackend*>(judge.get());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(a->model_path(), j->model_path());
  std::int64_t before = j->stats().requests;
  run(*agents, ask("Hi!", 3));
  EXPECT_EQ(j->stats().requests, before + 1);
  EXPECT_NE(agents->describe().find("SmolLM2-135M-Instruct.Q4_1.gguf"), std::string::npos) << agents->describe();
}

// Shutting down with requests running and queued: every callback is called exactly once, with
// a reply or with `cancelled`, and the destructor does not wait for the queued work.
TEST(LlamaBackendLifetime, DestroyingTheBackendCancelsWhatIsLeft) {
  auto backend = std::make_unique<LlamaBackend>("agents", llama_role(1, 224));
  std::mutex mu;
  std::vector<int> calls(6, 0);
  int cancelled = 0;
  for (int i = 0; i < 6; ++i) {
    backend->submit(ask(kStoryPrompt, 150), [&, i](Reply, std::exception_ptr error) {
      std::lock_guard lock(mu);
      ++calls[static_cast<std::size_t>(i)];
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const Error& e) {
          if (e.kind() == ErrorKind::cancelled) ++cancelled;
        }
      }
    });
  }
  auto start = std::chrono::steady_clock::now();
  backend.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  std::lock_guard lock(mu);
  for (int c : calls) EXPECT_EQ(c, 1);
  EXPECT_GE(cancelled, 4) << "one slot: at most the running request and maybe one more finished";
}

// A completion may drop the last reference to the backend (the engine then shuts down on its
// own delivery thread).
TEST(LlamaBackendLifetime, ACallbackMayDropTheLastReference) {
  auto backend = std::make_shared<LlamaBackend>("agents", llama_role(1, 192));
  LlamaBackend* raw = backend.get();
  auto promise = std::make_shared<std::promise<std::string>>();
  auto future = promise->get_future();
  raw->submit(ask("Hi!", 3), [keep = std::move(backend), promise](Reply reply, std::exception_ptr) mutable {
    keep.reset();
    promise->set_value(reply.text);
  });
  ASSERT_EQ(future.wait_for(60s), std::future_status::ready);
  EXPECT_FALSE(future.get().empty());
}

TEST(LlamaBackendClient, AnswersThroughTheClient) {
  ClientOptions options;
  options.roles["agents"] = llama_role(2, 256);
  options.cache.mode = CacheMode::off;
  Client client(std::move(options));
  Reply r = client.complete("agents", ask("Say hello.", 6));
  EXPECT_FALSE(r.text.empty());
  EXPECT_LE(r.usage.completion_tokens, 6);
  auto usage = client.usage();
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].calls, 1);
  EXPECT_EQ(usage[0].usage, r.usage);
}

}  // namespace
}  // namespace maspo::llm

#endif  // MASPO_WITH_LLAMA
