// Where the loader tests find their data: the excerpts under tests/fixtures/data (always there)
// and the full files under shared/datasets (only beside the main checkout, not in a CI clone).
#pragma once

#include <filesystem>
#include <optional>

namespace maspo::testing {

inline std::filesystem::path fixture_datasets() {
  return std::filesystem::path(MASPO_SOURCE_DIR) / "tests" / "fixtures" / "data";
}

inline std::optional<std::filesystem::path> shared_datasets() {
  const auto dir = std::filesystem::path(MASPO_SOURCE_DIR) / ".." / "shared" / "datasets";
  if (!std::filesystem::is_directory(dir)) return std::nullopt;
  return dir;
}

}  // namespace maspo::testing
