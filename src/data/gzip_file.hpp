// Whole-file reads that see through gzip (HumanEval ships as HumanEval.jsonl.gz).
#pragma once

#include <filesystem>
#include <string>

namespace maspo::data::detail {

// Contents of `path`, decompressed when the name ends in ".gz". InputError naming the path when
// it cannot be read or the gzip stream is corrupt or cut short.
std::string read_dataset_file(const std::filesystem::path& path);

}  // namespace maspo::data::detail
