// The embedded llama.cpp backend: see llama_backend.hpp for the design (continuous batching,
// prefix reuse, what batching does to temperature 0).
#ifdef MASPO_WITH_LLAMA

#include "llm/llama_backend.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include <ggml-cpu.h>
#include <gguf.h>
#include <llama.h>
#include <spdlog/spdlog.h>

#include "maspo/util.hpp"
#include "util/utf8.hpp"

namespace maspo::llm {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf";

// ---------------------------------------------------------------------------------------------
// Process-wide llama.cpp setup.
// ---------------------------------------------------------------------------------------------

// llama.cpp prints a lot (every tensor, every KV on load) to stderr by default. Route it to
// spdlog at debug level, so `--log-level debug` shows it and nothing else does. Messages arrive
// in pieces (GGML_LOG_LEVEL_CONT); a per-thread buffer joins them into lines.
void llama_log_to_spdlog(ggml_log_level /*level*/, const char* text, void* /*user*/) {
  if (!spdlog::should_log(spdlog::level::debug) || text == nullptr) return;
  thread_local std::string line;
  line += text;
  std::size_t nl;
  while ((nl = line.find('\n')) != std::string::npos) {
    if (nl > 0) spdlog::debug("llama.cpp: {}", line.substr(0, nl));
    line.erase(0, nl + 1);
  }
}

void init_llama_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(llama_log_to_spdlog, nullptr);
    llama_backend_init();
  });
}

// Physical cores: ggml's threads spin at every barrier between ops, so a second hardware thread
// of the same core (or any thread more than the cores free) slows decoding down instead of
// speeding it up. Counted as distinct thread-sibling sets in sysfs; the logical count otherwise.
int physical_cores() {
  const unsigned logical = std::max(1u, std::thread::hardware_concurrency());
  std::set<std::string> cores;
  for (unsigned i = 0; i < logical; ++i) {
    std::ifstream in("/sys/devices/system/cpu/cpu" + std::to_string(i) + "/topology/thread_siblings_list");
    std::string siblings;
    if (in && std::getline(in, siblings)) cores.insert(siblings);
  }
  return cores.empty() ? static_cast<int>(logical) : static_cast<int>(cores.size());
}

int thread_count() {
  // MASPO_LLAMA_THREADS pins it: for a machine shared with other work (spinning threads that
  // are not scheduled cost far more than they bring), and for benchmarks that compare with
  // llama-server at the same count.
  if (auto v = getenv_string("MASPO_LLAMA_THREADS")) {
    try {
      int n = std::stoi(*v);
      if (n > 0) return n;
    } catch (const std::exception&) {
    }
    spdlog::warn("MASPO_LLAMA_THREADS={}: not a positive number, ignored", *v);
  }
  static const int cores = physical_cores();
  return cores;
}

// ---------------------------------------------------------------------------------------------
// Text helpers.
// ---------------------------------------------------------------------------------------------

// Replies go into JSON (cache, HTTP), which needs valid UTF-8; a token boundary or max_tokens can
// cut a multi-byte character. A cut character at the very end is dropped; any other invalid
// byte becomes U+FFFD.
std::string sanitize_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (const std::size_t n = utf8::sequence_length(s, i); n > 0) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    // A lead byte whose continuation bytes all follow until the end: a character cut short.
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t want = (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (want > 1 && i + want > s.size()) {
      bool prefix = true;
      for (std::size_t k = i + 1; k < s.size(); ++k) prefix = prefix && (static_cast<unsigned char>(s[k]) >> 6) == 0x2;
      if (prefix) break;
    }
    out += "\xEF\xBF\xBD";
    ++i;
  }
  return out;
}

std::size_t common_prefix(const std::vector<llama_token>& a, const std::vector<llama_token>& b) {
  std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// ---------------------------------------------------------------------------------------------
// The model: weights, vocabulary and chat template, shared by every engine on the same file.
// ---------------------------------------------------------------------------------------------

class LlamaModel {
 public:
  LlamaModel(fs::path path, bool is_default) : path_(std::move(path)) {
    check_gguf_file(path_, is_default);
    init_llama_once();
    llama_model_params params = llama_model_default_params();
    params.n_gpu_layers = 0;  // CPU build
    model_ = llama_model_load_from_file(path_.c_str(), params);
    if (model_ == nullptr) {
      throw Error(ErrorKind::config, path_.string() + ": llama.cpp could not load this model (unsupported "
                                     "architecture or corrupt file; run with --log-level debug for its log)");
    }
    vocab_ = llama_model_get_vocab(model_);
    if (const char* t = llama_model_chat_template(model_, nullptr)) {
      template_ = t;
    } else {
      spdlog::warn("{}: the model has no chat template; using ChatML", path_.string());
      template_ = "chatml";
    }
    // Fail now, not on the first request, when llama.cpp does not know this template.
    llama_chat_message probe{"user", "x"};
    if (llama_chat_apply_template(template_.c_str(), &probe, 1, true, nullptr, 0) < 0) {
      llama_model_free(model_);
      throw Error(ErrorKind::config, path_.string() + ": llama.cpp does not support this model's chat template");
    }
    char desc[128] = {0};
    llama_model_desc(model_, desc, sizeof desc);
    spdlog::debug("llama: loaded {} ({})", path_.string(), desc);
  }
  ~LlamaModel() { llama_model_free(model_); }
  LlamaModel(const LlamaModel&) = delete;
  LlamaModel& operator=(const LlamaModel&) = delete;

  llama_model* get() const { return model_; }
  const llama_vocab* vocab() const { return vocab_; }
  const fs::path& path() const { return path_; }
  std::string name() const { return path_.stem().string(); }

  std::string format(const std::vector<Message>& messages) const {
    std::vector<llama_chat_message> chat;
    chat.reserve(messages.size());
    std::size_t chars = 0;
    for (const auto& m : messages) {
      chat.push_back({m.role.c_str(), m.content.c_str()});
      chars += m.role.size() + m.content.size();
    }
    std::vector<char> buf(2 * chars + 256);
    for (int attempt = 0; attempt < 2; ++attempt) {
      int32_t n = llama_chat_apply_template(template_.c_str(), chat.data(), chat.size(), true, buf.data(),
                                            static_cast<int32_t>(buf.size()));
      if (n < 0) throw Error(ErrorKind::internal, "llama: the chat template could not be applied");
      if (static_cast<std::size_t>(n) <= buf.size()) return std::string(buf.data(), static_cast<std::size_t>(n));
      buf.resize(static_cast<std::size_t>(n));  // one retry with the size it asked for
    }
    throw Error(ErrorKind::internal, "llama: the chat template output kept growing");
  }

  // Thread-safe (llama.cpp's tokenizer is).
  std::vector<llama_token> tokenize(const std::string& text, bool special) const {
    if (text.size() > static_cast<std::size_t>(INT32_MAX / 2)) {
      throw Error(ErrorKind::prompt_too_long, "llama: prompt of " + std::to_string(text.size()) + " bytes");
    }
    auto len = static_cast<int32_t>(text.size());
    std::vector<llama_token> tokens(text.size() + 2);  // never more tokens than bytes (+ BOS/EOS)
    int32_t n = llama_tokenize(vocab_, text.data(), len, tokens.data(), static_cast<int32_t>(tokens.size()),
                               special, special);
    if (n < 0) throw Error(ErrorKind::internal, "llama: tokenization failed");
    tokens.resize(static_cast<std::size_t>(n));
    return tokens;
  }

  std::string piece(llama_token token) const {
    char buf[64];
    int32_t n = llama_token_to_piece(vocab_, token, buf, sizeof buf, 0, false);
    if (n >= 0) return std::string(buf, static_cast<std::size_t>(n));
    std::string big(static_cast<std::size_t>(-n), '\0');
    n = llama_token_to_piece(vocab_, token, big.data(), static_cast<int32_t>(big.size()), 0, false);
    big.resize(static_cast<std::size_t>(std::max(n, 0)));
    return big;
  }

 private:
  fs::path path_;
  llama_model* model_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  std::string template_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public helpers.
// ---------------------------------------------------------------------------------------------

fs::path default_llama_model_path() { return cache_dir() / "models" / kDefaultModelFile; }

void check_gguf_file(const fs::path& path, bool is_default) {
  const std::string p = path.string();
  const std::string hint = is_default ? " (the bundled default model: run scripts/setup, or scripts/fetch-model, "
                                        "to fetch it; or pass --model PATH.gguf)"
                                      : "";
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(ErrorKind::config, p + ": model file not found" + hint);
  if (!fs::is_regular_file(status)) throw Error(ErrorKind::config, p + ": not a regular file (expected a GGUF model)");
  auto size = fs::file_size(path, ec);
  if (ec) throw Error(ErrorKind::config, p + ": cannot read the model file: " + ec.message());

  // Header: magic "GGUF", u32 version, u64 tensor count, u64 metadata count = 24 bytes.
  char magic[4] = {0};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorKind::config, p + ": cannot open the model file for reading");
    in.read(magic, sizeof magic);
  }
  if (size < 4 || std::memcmp(magic, "GGUF", 4) != 0) {
    throw Error(ErrorKind::config, p + ": not a GGUF model file (it does not start with the GGUF magic bytes)" + hint);
  }
  if (size < 24) {
    throw Error(ErrorKind::config, p + ": truncated GGUF file (" + std::to_string(size) + " bytes, shorter than the header)" + hint);
  }
  // The metadata and tensor table, parsed by ggml's own reader (no tensor data is read), tell
  // where the tensor data must end; a download cut short fails here with a clear message instead
  // of somewhere inside llama.cpp.
  init_llama_once();  // its log goes where ours goes
  gguf_init_params params{};
  params.no_alloc = true;
  params.ctx = nullptr;
  gguf_context* gguf = gguf_init_from_file(p.c_str(), params);
  if (gguf == nullptr) {
    throw Error(ErrorKind::config, p + ": truncated or corrupt GGUF file (its metadata cannot be read)" + hint);
  }
  std::uint64_t need = gguf_get_data_offset(gguf);
  const int64_t n_tensors = gguf_get_n_tensors(gguf);
  for (int64_t i = 0; i < n_tensors; ++i) {
    need = std::max<std::uint64_t>(need, gguf_get_data_offset(gguf) + gguf_get_tensor_offset(gguf, i) +
                                             gguf_get_tensor_size(gguf, i));
  }
  gguf_free(gguf);
  if (n_tensors == 0) throw Error(ErrorKind::config, p + ": GGUF file without tensors (not a model)");
  if (size < need) {
    throw Error(ErrorKind::config, p + ": truncated GGUF file (" + std::to_string(size) + " bytes, its tensors need " +
                                       std::to_string(need) + ")" + hint);
  }
}

// ---------------------------------------------------------------------------------------------
// The engine: one context, `parallel` slots, one decode thread.
// ---------------------------------------------------------------------------------------------

namespace {

struct Job {
  Request request;
  Completion done;
  std::vector<llama_token> prompt;
  std::size_t max_tokens = 0;
  std::vector<std::string> stops;
  std::size_t max_stop = 0;
  llama_sampler* sampler = nullptr;

  // Decode state.
  std::size_t n_prompt_done = 0;  // prompt tokens in the slot's KV cache
  bool generating = false;
  llama_token next = 0;           // sampled, not yet decoded
  int batch_index = -1;           // where its logits are in the current batch, -1 none
  std::string text;
  std::size_t n_generated = 0;

  ~Job() {
    if (sampler != nullptr) llama_sampler_free(sampler);
  }
};

struct Slot {
  llama_seq_id id = 0;
  std::vector<llama_token> cached;  // tokens whose KV is in this sequence, in order
  std::unique_ptr<Job> job;         // null: free
  std::uint64_t last_used = 0;
};

struct Delivery {
  Completion done;
  Reply reply;
  std::exception_ptr error;
};

// Completions run on their own thread, not on the decode thread, so a slow callback (a cache
// write, the next agent's submit) never stalls decoding for the other sequences. The queue is
// shared with that thread, not owned by the engine: a callback that drops the last reference to
// the backend destroys the engine on this very thread, which then must not touch the engine.
struct DeliveryQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Delivery> items;
  bool stopping = false;

  static void run(const std::shared_ptr<DeliveryQueue>& q) {
    std::unique_lock lock(q->mu);
    while (true) {
      q->cv.wait(lock, [&] { return q->stopping || !q->items.empty(); });
      if (q->items.empty()) return;  // stopping, and everything delivered
      Delivery d = std::move(q->items.front());
      q->items.pop_front();
      lock.unlock();
      d.done(std::move(d.reply), d.error);
      d = Delivery{};  // whatever the callback held goes now, before the lock is taken again
      lock.lock();
    }
  }
};

}  // namespace

class LlamaEngine {
 public:
  LlamaEngine(std::shared_ptr<LlamaModel> model, int parallel, int context_size)
      : model_(std::move(model)), parallel_(parallel) {
    llama_context_params cp = llama_context_default_params();
    cp.n_seq_max = static_cast<uint32_t>(parallel);
    cp.n_ctx = static_cast<uint32_t>(parallel) * static_cast<uint32_t>(context_size);
    // One KV stream per sequence: attention of each sequence spans only its own cache, which is
    // what keeps many unrelated sequences in one batch cheap (a unified cache makes every token
    // attend over all sequences' cells, masked).
    cp.kv_unified = false;
    cp.n_batch = 2048;
    cp.n_ubatch = 512;
    cp.n_threads = cp.n_threads_batch = thread_count();
    cp.no_perf = true;
    ctx_ = llama_init_from_model(model_->get(), cp);
    if (ctx_ == nullptr) {
      throw Error(ErrorKind::config, model_->path().string() + ": llama.cpp could not create a context of " +
                                         std::to_string(parallel) + " sequences x " + std::to_string(context_size) +
                                         " tokens (out of memory? lower `parallel` or `context_size`)");
    }
    // A thread pool that lives as long as the context: without one, ggml starts and joins its
    // worker threads again for every llama_decode, which costs about a fifth of the
    // single-sequence speed on a small model (measured: 82 -> 105 tokens/s with 2 threads).
    ggml_threadpool_params tpp = ggml_threadpool_params_default(cp.n_threads);
    threadpool_ = ggml_threadpool_new(&tpp);
    if (threadpool_ != nullptr) llama_attach_threadpool(ctx_, threadpool_, nullptr);
    n_ctx_seq_ = static_cast<std::size_t>(llama_n_ctx_seq(ctx_));
    n_batch_ = static_cast<int>(llama_n_batch(ctx_));
    n_vocab_ = llama_vocab_n_tokens(model_->vocab());
    batch_ = llama_batch_init(n_batch_, 0, 1);
    slots_.resize(static_cast<std::size_t>(parallel));
    for (int i = 0; i < parallel; ++i) slots_[static_cast<std::size_t>(i)].id = i;
    decode_thread_ = std::thread([this] { decode_loop(); });
    delivery_thread_ = std::thread([q = deliveries_] { DeliveryQueue::run(q); });
  }

  ~LlamaEngine() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    decode_thread_.join();  // fails what is still queued or running with `cancelled`
    {
      std::lock_guard lock(deliveries_->mu);
      deliveries_->stopping = true;
    }
    deliveries_->cv.notify_all();
    // On the delivery thread itself (see DeliveryQueue) it cannot join itself; it finishes the
    // queue on its own, holding the queue alive.
    if (std::this_thread::get_id() == delivery_thread_.get_id()) {
      delivery_thread_.detach();
    } else {
      delivery_thread_.join();
    }
    llama_batch_free(batch_);
    llama_detach_threadpool(ctx_);
    llama_free(ctx_);
    if (threadpool_ != nullptr) ggml_threadpool_free(threadpool_);
  }
  LlamaEngine(const LlamaEngine&) = delete;
  LlamaEngine& operator=(const LlamaEngine&) = delete;

  const LlamaModel& model() const { return *model_; }
  int parallel() const { return parallel_; }
  int context_size() const { return static_cast<int>(n_ctx_seq_); }

  LlamaStats stats() const {
    std::lock_guard lock(stats_mu_);
    return stats_;
  }

  // Templating, tokenizing and the length check run on the caller's thread; only decoding is
  // serialized on the engine's thread.
  void submit(Request request, Completion done) {
    auto job = std::make_unique<Job>();
    try {
      job->prompt = model_->tokenize(model_->format(request.messages), true);
      if (job->prompt.empty()) throw Error(ErrorKind::bad_reply, "llama: the prompt is empty");
      if (job->prompt.size() >= n_ctx_seq_) {
        throw Error(ErrorKind::prompt_too_long,
                    "llama: the prompt is " + std::to_string(job->prompt.size()) + " tokens, but the context of " +
                        model_->name() + " holds " + std::to_string(n_ctx_seq_) +
                        " tokens per sequence (raise `context_size`, or shorten the prompt)");
      }
      job->max_tokens = request.max_tokens > 0 ? static_cast<std::size_t>(request.max_tokens)
                                               : static_cast<std::size_t>(kLlamaDefaultMaxTokens);
      for (const auto& s : request.stop) {
        if (s.empty()) continue;  // an empty stop string would end every reply at once
        job->stops.push_back(s);
        job->max_stop = std::max(job->max_stop, s.size());
      }
      job->sampler = make_sampler(request);
    } catch (...) {
      done(Reply{}, std::current_exception());
      return;
    }
    job->request = std::move(request);
    job->done = std::move(done);
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        queue_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    job->done(Reply{}, std::make_exception_ptr(Error(ErrorKind::cancelled, "llama: the backend is shutting down")));
  }

  std::string format(const std::vector<Message>& messages) const { return model_->format(messages); }
  int count_tokens(std::string_view text) const {
    return static_cast<int>(model_->tokenize(std::string(text), false).size());
  }

 private:
  static llama_sampler* make_sampler(const Request& r) {
    // Greedy (temperature 0) needs no sampler: see sample().
    if (r.temperature <= 0.0) return nullptr;
    llama_sampler* chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
    int top_k = 0;
    if (r.extra.is_object() && r.extra.contains("top_k")) {
      const auto& k = r.extra["top_k"];
      if (!k.is_number()) {
        llama_sampler_free(chain);
        throw Error(ErrorKind::config, "llama: `top_k` must be a number, got " + k.dump());
      }
      top_k = k.get<int>();
    }
    if (top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(top_k));
    if (r.top_p && *r.top_p < 1.0) llama_sampler_chain_add(chain, llama_sampler_init_top_p(static_cast<float>(*r.top_p), 1));
    llama_sampler_chain_add(chain, llama_sampler_init_temp(static_cast<float>(r.temperature)));
    // A seed makes the draw reproducible. The sample index is folded in so that drawing the same
    // seeded request several times (sample_index 0, 1, ...) gives different samples.
    uint32_t seed = LLAMA_DEFAULT_SEED;  // llama.cpp: a random seed
    if (r.seed) {
      auto mixed = static_cast<std::uint64_t>(*r.seed) + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(r.sample_index);
      seed = static_cast<uint32_t>(mixed ^ (mixed >> 32));
      if (seed == LLAMA_DEFAULT_SEED) seed = 0;  // that value means "random" to llama.cpp
    }
    llama_sampler_chain_add(chain, llama_sampler_init_dist(seed));
    return chain;
  }

  // Greedy decoding is an arg-max over the logits (the first maximum on a tie, as llama.cpp's
  // greedy sampler picks). Done directly rather than through a sampler, which would first copy
  // the whole vocabulary (49k entries for SmolLM2) into a candidate array for every token of
  // every sequence, on the one thread the whole batch waits for.
  llama_token sample(Job& job) {
    if (job.sampler != nullptr) return llama_sampler_sample(job.sampler, ctx_, job.batch_index);
    const float* logits = llama_get_logits_ith(ctx_, job.batch_index);
    if (logits == nullptr) throw Error(ErrorKind::internal, "llama: no logits for a sequence");
    return static_cast<llama_token>(std::max_element(logits, logits + n_vocab_) - logits);
  }

  void deliver(Completion done, Reply reply, std::exception_ptr error) {
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.requests;
    }
    {
      std::lock_guard lock(deliveries_->mu);
      deliveries_->items.push_back({std::move(done), std::move(reply), std::move(error)});
    }
    deliveries_->cv.notify_one();
  }

  void finish(Slot& slot, const std::string& reason) {
    Job& job = *slot.job;
    Reply reply;
    reply.text = sanitize_utf8(job.text);
    reply.finish_reason = reason;
    reply.usage.prompt_tokens = static_cast<std::int64_t>(job.prompt.size());
    reply.usage.completion_tokens = static_cast<std::int64_t>(job.n_generated);
    reply.model = job.request.model.empty() ? model_->name() : job.request.model;
    Completion done = std::move(job.done);
    slot.job.reset();  // the slot keeps its KV cache (slot.cached) for prefix reuse
    deliver(std::move(done), std::move(reply), nullptr);
  }

  void fail(Slot& slot, const Error& error) {
    // Whatever this sequence had in the cache is suspect now.
    llama_memory_seq_rm(llama_get_memory(ctx_), slot.id, -1, -1);
    slot.cached.clear();
    Completion done = std::move(slot.job->done);
    slot.job.reset();
    deliver(std::move(done), Reply{}, std::make_exception_ptr(error));
  }

  // Called with mu_ held: moves queued jobs into free slots, choosing for each the free slot
  // whose cache shares the longest prefix with its prompt (least recently used on a tie, so the
  // caches of busy prefixes live longest), and drops the part of that cache that differs.
  void admit() {
    while (!queue_.empty()) {
      Slot* best = nullptr;
      std::size_t best_lcp = 0;
      for (auto& s : slots_) {
        if (s.job) continue;
        std::size_t lcp = common_prefix(s.cached, queue_.front()->prompt);
        if (best == nullptr || lcp > best_lcp || (lcp == best_lcp && s.last_used < best->last_used)) {
          best = &s;
          best_lcp = lcp;
        }
      }
      if (best == nullptr) return;  // every slot busy
      std::unique_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      // The last prompt token is always decoded again: its logits start the reply.
      std::size_t keep = std::min(best_lcp, job->prompt.size() - 1);
      llama_memory_t mem = llama_get_memory(ctx_);
      if (!llama_memory_seq_rm(mem, best->id, static_cast<llama_pos>(keep), -1)) {
        // Some caches (recurrent, sliding window) cannot drop a tail; start that slot afresh.
        llama_memory_seq_rm(mem, best->id, -1, -1);
        keep = 0;
      }
      best->cached.resize(keep);
      job->n_prompt_done = keep;
      best->last_used = ++clock_;
      {
        std::lock_guard lock(stats_mu_);
        stats_.prompt_tokens += static_cast<std::int64_t>(job->prompt.size());
        stats_.reused_prompt_tokens += static_cast<std::int64_t>(keep);
      }
      best->job = std::move(job);
    }
  }

  void add_to_batch(Slot& slot, llama_token token, bool logits) {
    int i = batch_.n_tokens++;
    batch_.token[i] = token;
    batch_.pos[i] = static_cast<llama_pos>(slot.cached.size());
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = slot.id;
    batch_.logits[i] = logits ? 1 : 0;
    slot.cached.push_back(token);
  }

  // One step: every generating sequence's next token, then prompt chunks while the batch has
  // room. Returns false when there was nothing to decode.
  bool step() {
    batch_.n_tokens = 0;
    int sequences = 0;
    for (auto& s : slots_) {
      if (!s.job || !s.job->generating) continue;
      s.job->batch_index = batch_.n_tokens;
      add_to_batch(s, s.job->next, true);
      ++sequences;
    }
    for (auto& s : slots_) {
      if (!s.job || s.job->generating) continue;
      Job& job = *s.job;
      job.batch_index = -1;
      std::size_t room = static_cast<std::size_t>(n_batch_ - batch_.n_tokens);
      if (room == 0) continue;  // waits for the next step
      std::size_t n = std::min(room, job.prompt.size() - job.n_prompt_done);
      for (std::size_t k = 0; k < n; ++k) {
        bool last = job.n_prompt_done + k + 1 == job.prompt.size();
        if (last) job.batch_index = batch_.n_tokens;
        add_to_batch(s, job.prompt[job.n_prompt_done + k], last);
      }
      job.n_prompt_done += n;
      ++sequences;
    }
    if (batch_.n_tokens == 0) return false;

    int32_t rc = llama_decode(ctx_, batch_);
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.decode_calls;
      stats_.max_sequences_in_batch = std::max<std::int64_t>(stats_.max_sequences_in_batch, sequences);
    }
    if (rc != 0) {
      // Not expected (every sequence stays within its own context). If it happens, every running
      // request fails (their caches are dropped) and the engine goes on with the queued ones.
      Error error(ErrorKind::internal, "llama: llama_decode failed (code " + std::to_string(rc) + ")");
      for (auto& s : slots_) {
        if (s.job) fail(s, error);
      }
      return true;
    }

    const llama_vocab* vocab = model_->vocab();
    for (auto& s : slots_) {
      if (!s.job || s.job->batch_index < 0) continue;
      Job& job = *s.job;
      llama_token token = sample(job);
      job.batch_index = -1;
      job.generating = true;
      if (llama_vocab_is_eog(vocab, token)) {
        finish(s, "stop");
        continue;
      }
      ++job.n_generated;
      {
        std::lock_guard lock(stats_mu_);
        ++stats_.generated_tokens;
      }
      std::size_t before = job.text.size();
      job.text += model_->piece(token);
      if (!job.stops.empty()) {
        // Only a stop string that ends in the new piece can be new.
        std::size_t from = before >= job.max_stop ? before - job.max_stop + 1 : 0;
        std::size_t hit = std::string::npos;
        for (const auto& stop : job.stops) hit = std::min(hit, job.text.find(stop, from));
        if (hit != std::string::npos) {
          job.text.resize(hit);
          finish(s, "stop");
          continue;
        }
      }
      if (job.n_generated >= job.max_tokens || s.cached.size() >= n_ctx_seq_) {
        finish(s, "length");
        continue;
      }
      job.next = token;
    }
    return true;
  }

  void decode_loop() {
    while (true) {
      {
        std::unique_lock lock(mu_);
        auto busy = [&] { return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return bool(s.job); }); };
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || busy(); });
        if (stopping_) break;
        admit();  // new requests join between steps
      }
      try {
        step();
      } catch (const std::exception& e) {
        // A sampler or tokenizer failure: fail the running requests, keep the engine.
        Error error(ErrorKind::internal, std::string("llama: ") + e.what());
        for (auto& s : slots_) {
          if (s.job) fail(s, error);
        }
      }
    }
    Error cancelled(ErrorKind::cancelled, "llama: the backend shut down before the request finished");
    std::deque<std::unique_ptr<Job>> queued;
    {
      std::lock_guard lock(mu_);
      queued.swap(queue_);
    }
    for (auto& s : slots_) {
      if (s.job) fail(s, cancelled);
    }
    for (auto& job : queued) deliver(std::move(job->done), Reply{}, std::make_exception_ptr(cancelled));
  }

  std::shared_ptr<LlamaModel> model_;
  int parallel_;
  llama_context* ctx_ = nullptr;
  ggml_threadpool* threadpool_ = nullptr;
  std::size_t n_ctx_seq_ = 0;
  int n_batch_ = 0;
  int n_vocab_ = 0;
  llama_batch batch_{};

  std::mutex mu_;  // queue_, stopping_, and which slots hold a job (admission)
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<Slot> slots_;  // contents touched by the decode thread only
  std::uint64_t clock_ = 0;

  mutable std::mutex stats_mu_;
  LlamaStats stats_;

  std::shared_ptr<DeliveryQueue> deliveries_ = std::make_shared<DeliveryQueue>();

  std::thread decode_thread_;
  std::thread delivery_thread_;
};

// ---------------------------------------------------------------------------------------------
// Registries: one model per file, one engine per (file, parallel, context), while in use.
// ---------------------------------------------------------------------------------------------

namespace {

std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<LlamaModel>> g_models;
std::map<std::tuple<std::string, int, int>, std::weak_ptr<LlamaEngine>> g_engines;

std::shared_ptr<LlamaEngine> acquire_engine(const std::string& role, const RoleConfig& cfg) {
  const bool is_default = cfg.model_path.empty();
  fs::path path = is_default ? default_llama_model_path() : fs::path(cfg.model_path);
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  if (ec) canonical = fs::absolute(path, ec);
  const int parallel = cfg.parallel > 0 ? cfg.parallel : kLlamaDefaultParallel;
  const int context = cfg.context_size > 0 ? cfg.context_size : kLlamaDefaultContext;
  if (parallel > static_cast<int>(llama_max_parallel_sequences())) {
    throw Error(ErrorKind::config, "role `" + role + "`: parallel " + std::to_string(parallel) +
                                       " is more than llama.cpp supports (" +
                                       std::to_string(llama_max_parallel_sequences()) + ")");
  }

  // Loading takes a while; holding the lock meanwhile is what makes two roles naming the same
  // file share one load instead of racing to two.
  std::lock_guard lock(g_registry_mu);
  auto key = std::make_tuple(canonical.string(), parallel, context);
  if (auto it = g_engines.find(key); it != g_engines.end()) {
    if (auto engine = it->second.lock()) return engine;
  }
  std::shared_ptr<LlamaModel> model;
  if (auto it = g_models.find(canonical.string()); it != g_models.end()) model = it->second.lock();
  if (!model) {
    model = std::make_shared<LlamaModel>(canonical, is_default);
    g_models[canonical.string()] = model;
  }
  auto engine = std::make_shared<LlamaEngine>(model, parallel, context);
  g_engines[key] = engine;
  return engine;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The backend: a handle on a shared engine.
// ---------------------------------------------------------------------------------------------

LlamaBackend::LlamaBackend(const std::string& role, const RoleConfig& config)
    : role_(role), engine_(acquire_engine(role, config)) {}

LlamaBackend::~LlamaBackend() = default;

void LlamaBackend::submit(Request request, Completion done) { engine_->submit(std::move(request), std::move(done)); }

std::string LlamaBackend::describe() const {
  return "llama (embedded): " + engine_->model().path().string() + ", " + std::to_string(engine_->parallel()) +
         " sequences x " + std::to_string(engine_->context_size()) + " tokens";
}

std::string LlamaBackend::model_fingerprint() const {
  const auto& path = engine_->model().path();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return "llama:" + path.filename().string() + ":" + (ec ? std::string("?") : std::to_string(size));
}

std::string LlamaBackend::format_prompt(const std::vector<Message>& messages) const { return engine_->format(messages); }
int LlamaBackend::count_tokens(std::string_view text) const { return engine_->count_tokens(text); }
LlamaStats LlamaBackend::stats() const { return engine_->stats(); }
const fs::path& LlamaBackend::model_path() const { return engine_->model().path(); }
int LlamaBackend::parallel() const { return engine_->parallel(); }
int LlamaBackend::context_size() const { return engine_->context_size(); }

}  // namespace maspo::llm

#endif  // MASPO_WITH_LLAMA
