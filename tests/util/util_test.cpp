#include <gtest/gtest.h>

#include <unistd.h>

#include "maspo/util.hpp"

namespace maspo {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Where, NamesFileLineAndKey) {
  EXPECT_EQ(where("c.yaml", 3, "models.agents.port", "expected an integer"),
            "c.yaml:3: key `models.agents.port`: expected an integer");
  EXPECT_EQ(where("c.yaml", 0, "", "empty"), "c.yaml: empty");
}

TEST(WriteFileAtomic, ReplacesWholeFile) {
  auto dir = std::filesystem::temp_directory_path() / ("maspo-util-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / "f.txt";
  write_file_atomic(p, "first version, long");
  write_file_atomic(p, "second");
  EXPECT_EQ(read_file(p), "second");
  EXPECT_FALSE(std::filesystem::exists(dir / "f.txt.tmp"));
  std::filesystem::remove_all(dir);
}

TEST(ReadFile, MissingFileIsInputErrorNamingThePath) {
  try {
    read_file("/nonexistent/maspo/x.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/maspo/x.yaml"), std::string::npos);
  }
}

// An ifstream opens a directory and reads nothing: the JSON parser then said "unexpected end of input".
TEST(ReadFile, DirectoryIsInputErrorSayingSo) {
  const auto dir = std::filesystem::temp_directory_path();
  try {
    read_file(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a directory; expected a regular file");
  }
}

TEST(CacheDir, HonoursMaspoCacheDir) {
  ::setenv("MASPO_CACHE_DIR", "/tmp/maspo-cache-test", 1);
  EXPECT_EQ(cache_dir(), std::filesystem::path("/tmp/maspo-cache-test"));
  ::unsetenv("MASPO_CACHE_DIR");
}

}  // namespace maspo
