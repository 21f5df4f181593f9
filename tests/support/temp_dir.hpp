// A fresh directory per test, named after the test and the process, removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "maspo/util.hpp"

namespace maspo::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "maspo-test") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info != nullptr ? info->name() : "outside-test";
    path_ = std::filesystem::temp_directory_path() /
            (std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `text` to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, std::string_view text) const {
    auto p = file(name);
    write_file_atomic(p, text);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace maspo::testing
