// Where tests find the full benchmark files (../shared/datasets of the project): $MASPO_DATASETS
// if set, else beside the checkout. nullopt where neither exists: the tests that need them skip
// and say why.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace maspo::testing {

inline std::optional<std::filesystem::path> shared_datasets() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("MASPO_DATASETS"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env)) return fs::path(env);
  }
  if (const fs::path dir = fs::path(MASPO_SOURCE_DIR) / ".." / "shared" / "datasets"; fs::is_directory(dir)) return dir;
  return std::nullopt;
}

}  // namespace maspo::testing
