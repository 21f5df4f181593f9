// items.jsonl: one JSON object per finished item, appended as items finish. Reading it back is
// how a run resumes, so reading is tolerant of exactly one kind of damage — a torn last line from
// a crash mid-write — and strict about everything else.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace maspo::harness {

// Finished items by id, from an existing file. A torn (unterminated or unparsable) LAST line is
// dropped and the file truncated before it, so the next append starts on a clean line; a bad line
// anywhere else is an InputError (the file was edited or belongs to something else). With
// `repair` false the torn line is only dropped, the file left as it is (a file maspo may not own).
std::map<std::string, nlohmann::json> read_items(const std::filesystem::path& path, bool repair = true);

// Appends lines and flushes each to the OS, so a kill loses at most the line being written.
class ItemsWriter {
 public:
  explicit ItemsWriter(const std::filesystem::path& path);
  ~ItemsWriter();
  ItemsWriter(const ItemsWriter&) = delete;
  ItemsWriter& operator=(const ItemsWriter&) = delete;
  void append(const nlohmann::json& item);

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
};

}  // namespace maspo::harness
