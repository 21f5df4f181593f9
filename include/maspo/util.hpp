// maspo/util.hpp — small pieces every layer uses: the bad-input error, hashing, paths.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace maspo {

// Bad input from the user: a config, dataset, prompts file or flag. The message names the file,
// the line or key, and what was expected. The CLI prints it and exits with code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "FILE:LINE: key `KEY`: MESSAGE" (line omitted when 0, key when empty).
std::string where(std::string_view file, int line, std::string_view key, std::string_view message);

// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

// $MASPO_CACHE_DIR, else $XDG_CACHE_HOME/maspo, else ~/.cache/maspo. Not created.
std::filesystem::path cache_dir();

// Whole file as a string; InputError naming the path if it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Writes through a temporary file + rename, so readers never see half a file.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// Environment variable, or nullopt when unset.
std::optional<std::string> getenv_string(const char* name);

}  // namespace maspo
