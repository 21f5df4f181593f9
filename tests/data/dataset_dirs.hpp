// Where the loader tests find their data: the excerpts under tests/fixtures/data (always there)
// and the full files under shared/datasets (support/shared_datasets.hpp says where).
#pragma once

#include <filesystem>
#include <optional>

#include "support/shared_datasets.hpp"

namespace maspo::testing {

inline std::filesystem::path fixture_datasets() {
  return std::filesystem::path(MASPO_SOURCE_DIR) / "tests" / "fixtures" / "data";
}

}  // namespace maspo::testing
