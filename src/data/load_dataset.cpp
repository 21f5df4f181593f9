// The loader driver: file → records → Examples, applying the bad-line policy and the whole-dataset
// checks (unique ids, not empty) that no single record can make.
#include <algorithm>
#include <unordered_map>

#include "data/fields.hpp"
#include "data/gzip_file.hpp"
#include "data/loaders.hpp"
#include "data/record_reader.hpp"
#include "maspo/util.hpp"

namespace maspo::data {

namespace {

namespace fs = std::filesystem;
using detail::FormatEntry;
using detail::RawRecord;

// Where a record's problem is, in the file's own terms: a line for JSONL, a key path for JSON.
std::string locate(const std::string& file, const RawRecord& record, const std::string& key, const std::string& message) {
  if (record.key_prefix.empty()) return where(file, record.line, key, message);
  return where(file, 0, key.empty() ? record.key_prefix : record.key_prefix + "." + key, message);
}

std::string describe(const RawRecord& record, const std::string& key, const std::string& message) {
  const std::string full_key = record.key_prefix.empty() ? key : (key.empty() ? record.key_prefix : record.key_prefix + "." + key);
  return full_key.empty() ? message : "key `" + full_key + "`: " + message;
}

struct FileLoad {
  const FormatEntry& format;
  const LoadOptions& options;
  std::string_view dataset_name;
  bool prefix_skips_with_file;  // several files in one dataset: a skipped line must say which
};

// A .jsonl name settles it; a .json name does not (AQuA's upstream .json files are JSONL), so
// there the content decides.
detail::Layout layout_of(const fs::path& path, detail::Layout format_layout) {
  const fs::path name = path.extension() == ".gz" ? path.stem() : path.filename();
  if (format_layout == detail::Layout::lines_or_array && name.extension() == ".jsonl") return detail::Layout::lines;
  return format_layout;
}

void load_file(const fs::path& path, const FileLoad& load, Dataset& dataset,
               std::unordered_map<std::string, std::string>& seen_ids) {
  const std::string file = path.string();
  const std::string text = detail::read_dataset_file(path);
  const std::string task_name = path.stem().string();
  for (const RawRecord& raw : detail::split_records(text, file, layout_of(path, load.format.layout))) {
    std::string key;
    std::string problem = raw.error;
    Example example;
    if (problem.empty()) {
      try {
        detail::RecordContext context{load.dataset_name, task_name, raw.line, raw.index};
        example = load.format.convert(raw.value, context);
      } catch (const detail::FieldError& e) {
        key = e.key();
        problem = e.what();
      }
    }
    if (!problem.empty()) {
      if (load.options.on_bad_line == OnBadLine::fail) throw InputError(locate(file, raw, key, problem));
      std::string message = describe(raw, key, problem);
      if (load.prefix_skips_with_file) message = path.filename().string() + ": " + message;
      dataset.skipped.push_back({raw.line, std::move(message)});
      continue;
    }
    const std::string here = raw.key_prefix.empty() ? "line " + std::to_string(raw.line) : raw.key_prefix;
    auto [it, inserted] = seen_ids.emplace(example.id, file + " " + here);
    if (!inserted) {
      throw InputError(locate(file, raw, "", "duplicate id `" + example.id + "` (first at " + it->second +
                                                 "); expected every id to be unique"));
    }
    dataset.examples.push_back(std::move(example));
  }
}

std::vector<fs::path> dataset_files(const fs::path& path, const FormatEntry& format) {
  if (!fs::is_directory(path)) return {path};
  if (format.layout != detail::Layout::bbh_examples) {
    throw InputError(where(path.string(), 0, "", "is a folder; expected a dataset file (only the bbh format "
                                                 "loads a folder of <task>.json files)"));
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  // Directory order differs between file systems; ids and samples must not.
  std::sort(files.begin(), files.end());
  if (files.empty()) throw InputError(where(path.string(), 0, "", "folder holds no <task>.json files"));
  return files;
}

}  // namespace

Dataset load_dataset(std::string_view name, const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError(where(path.string(), 0, "", "dataset `" + std::string(name) + "`: no such file"));
  }
  const std::string format_name = options.format.empty() ? detail::guess_format(name, path) : options.format;
  const FormatEntry* format = detail::find_format(format_name);
  if (format == nullptr) {
    throw InputError(where(path.string(), 0, "", "unknown dataset format `" + format_name +
                                                     "`; known formats: " + detail::format_names()));
  }

  Dataset dataset;
  dataset.name = std::string(name);
  dataset.format = format->info.name;
  dataset.path = path;
  dataset.task = format->info.task;

  const auto files = dataset_files(path, *format);
  const FileLoad load{*format, options, name, files.size() > 1};
  std::unordered_map<std::string, std::string> seen_ids;
  for (const auto& file : files) load_file(file, load, dataset, seen_ids);

  if (dataset.examples.empty()) {
    std::string message = "no examples; expected at least one " + format->info.name + " record";
    if (!dataset.skipped.empty()) {
      message += " (all " + std::to_string(dataset.skipped.size()) + " records were bad; first, line " +
                 std::to_string(dataset.skipped.front().line) + ": " + dataset.skipped.front().message + ")";
    }
    throw InputError(where(path.string(), 0, "", message));
  }
  return dataset;
}

}  // namespace maspo::data
