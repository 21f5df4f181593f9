#include "maspo/util.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace maspo {

std::string where(std::string_view file, int line, std::string_view key, std::string_view message) {
  std::string out(file);
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) {
    out += "key `";
    out += key;
    out += "`: ";
  }
  out += message;
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: OpenSSL EVP_Digest failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xF]);
  }
  return out;
}

std::optional<std::string> getenv_string(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::filesystem::path cache_dir() {
  if (auto v = getenv_string("MASPO_CACHE_DIR"); v && !v->empty()) return *v;
  if (auto v = getenv_string("XDG_CACHE_HOME"); v && !v->empty()) return std::filesystem::path(*v) / "maspo";
  if (auto v = getenv_string("HOME"); v && !v->empty()) return std::filesystem::path(*v) / ".cache" / "maspo";
  return std::filesystem::temp_directory_path() / "maspo-cache";
}

std::string read_file(const std::filesystem::path& path) {
  // An ifstream opens a directory and then reads nothing, which a parser reports as an empty or
  // truncated file; say what the path is instead.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path.string() + ": is a directory; expected a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(path.string() + ": read error");
  return ss.str();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp.string() + ": cannot open for writing");
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) throw std::runtime_error(tmp.string() + ": write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(path.string() + ": cannot rename into place: " + ec.message());
}

}  // namespace maspo
