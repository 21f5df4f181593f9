#include "data/gzip_file.hpp"

#include <zlib.h>

#include <array>

#include "maspo/util.hpp"

namespace maspo::data::detail {

namespace {

std::string gunzip_file(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw InputError(where(path.string(), 0, "", "cannot open for reading"));
  std::string out;
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const int got = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (got < 0) {
      int code = 0;
      std::string message = gzerror(file, &code);
      gzclose(file);
      throw InputError(where(path.string(), 0, "", "corrupt gzip data (" + message + ")"));
    }
    if (got == 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(got));
  }
  // gzclose_r reports a stream that ended before its trailer; gzread alone just stops.
  if (gzclose_r(file) == Z_BUF_ERROR) {
    throw InputError(where(path.string(), 0, "", "gzip data is cut short (truncated file)"));
  }
  return out;
}

}  // namespace

std::string read_dataset_file(const std::filesystem::path& path) {
  if (path.extension() == ".gz") return gunzip_file(path);
  return read_file(path);
}

}  // namespace maspo::data::detail
