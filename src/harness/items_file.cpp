#include "harness/items_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "maspo/util.hpp"

namespace maspo::harness {

std::map<std::string, nlohmann::json> read_items(const std::filesystem::path& path, bool repair) {
  std::map<std::string, nlohmann::json> items;
  if (!std::filesystem::exists(path)) return items;
  const std::string text = read_file(path);

  // Split keeping track of where each line starts, so a torn tail can be cut off exactly.
  struct Line {
    std::size_t offset;
    std::string text;
    bool terminated;
  };
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    bool terminated = nl != std::string::npos;
    std::size_t end = terminated ? nl : text.size();
    lines.push_back({start, text.substr(start, end - start), terminated});
    start = terminated ? nl + 1 : text.size();
  }

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    if (line.text.empty()) continue;
    nlohmann::json item;
    bool ok = line.terminated;
    if (ok) {
      try {
        item = nlohmann::json::parse(line.text);
        ok = item.is_object() && item.contains("id") && item["id"].is_string();
      } catch (const nlohmann::json::exception&) {
        ok = false;
      }
    }
    if (!ok) {
      if (i + 1 == lines.size()) {
        // A crash mid-append: forget the partial item (it will be run again).
        if (repair) std::filesystem::resize_file(path, line.offset);
        break;
      }
      throw InputError(where(path.string(), static_cast<int>(i + 1), "",
                             "not an item record (expected one JSON object with a string \"id\" per line); "
                             "the file was edited or is not a maspo run's items.jsonl"));
    }
    // The id first: json's operator= takes its argument by value, so in `items[id-of-item] =
    // std::move(item)` the move would happen before the id is read.
    std::string id = item["id"].get<std::string>();
    items[id] = std::move(item);
  }
  return items;
}

ItemsWriter::ItemsWriter(const std::filesystem::path& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) {
    throw InputError(fmt::format("{}: cannot open for appending: {}", path.string(), std::strerror(errno)));
  }
}

ItemsWriter::~ItemsWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void ItemsWriter::append(const nlohmann::json& item) {
  // Invalid UTF-8 from a model must not make the record unwritable: replace it.
  std::string line = item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw std::runtime_error(fmt::format("{}: write failed: {}", path_.string(), std::strerror(errno)));
  }
}

}  // namespace maspo::harness
