// Shared by the libFuzzer harnesses: an invariant check that turns a violated property into a
// crash libFuzzer records (abort), with a message saying which property failed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace maspo::fuzz {

[[noreturn]] inline void violated(const char* what, const char* file, int line) {
  std::fprintf(stderr, "\n==fuzz== invariant violated at %s:%d: %s\n", file, line, what);
  std::abort();
}

// Well-formed UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    unsigned cp = len == 1 ? c : c & (0xFFu >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// The input as text, and split at its first line feed (multi-part inputs keep the corpus files
// readable: "first line\nrest").
inline std::string_view as_text(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
struct Split {
  std::string_view head;
  std::string_view rest;
};
inline Split split_first_line(std::string_view text) {
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

}  // namespace maspo::fuzz

#define FUZZ_CHECK(cond)                                                    \
  do {                                                                      \
    if (!(cond)) ::maspo::fuzz::violated(#cond, __FILE__, __LINE__);        \
  } while (0)
