// Content-addressed reply cache in SQLite (WAL). Keys are llm::cache_key(canonical request); the
// canonical request is stored beside the reply for inspection. It never holds secrets: the
// canonical form has no key, URL or header by construction.
//
// Safe from many threads (reads share one connection guarded by a mutex; writes are queued and
// committed in batched transactions by a writer thread with its own connection) and from several
// processes (WAL + busy timeout + bounded retries; INSERT OR IGNORE).
//
// First writer wins, at every moment: once a reply for a key is committed (by this process or
// another), get() returns that reply and every later put() of the key is dropped. A reply this
// process queued but has not committed yet is served only while nothing is committed for its key,
// and a second put() of a queued key is dropped.
//
// Opening throws Error(config) naming the path when the file is not a SQLite database, is another
// program's database, was written by a newer schema version, or (replay) does not exist.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "maspo/llm.hpp"

namespace maspo::llm {

class Cache {
 public:
  // Opens (creating the file and its parent directory if needed). mode off: opens nothing.
  explicit Cache(const CacheConfig& config);
  ~Cache();  // flushes pending writes
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  CacheMode mode() const;
  const std::string& path() const;

  // The recorded reply with cached = true, or nullopt. Sees writes not yet flushed.
  std::optional<Reply> get(const std::string& key);
  // Queues a write (read_write mode only; no-op otherwise). The first reply stored for a key wins.
  void put(const std::string& key, const json& canonical_request, const Reply& reply);
  // Blocks until every queued write is committed. Throws Error(internal) naming the path if a
  // batch could not be committed since the last flush (those replies are served no more).
  void flush();
  // Number of stored entries (committed).
  std::int64_t size();

  // For tests that force a race window: runs on the writer thread before each batch's
  // transaction (before_commit) and after its commit, while the batch is still queued
  // (after_commit). Set before the first put().
  enum class WriterStage { before_commit, after_commit };
  void set_writer_hook_for_testing(std::function<void(WriterStage)> hook);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maspo::llm
