#include "util/utf8.hpp"

#include <array>
#include <cstdint>

namespace maspo::utf8 {

std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) n = 2, cp = lead & 0x1Fu;
  else if ((lead & 0xF0) == 0xE0) n = 3, cp = lead & 0x0Fu;
  else if ((lead & 0xF8) == 0xF0) n = 4, cp = lead & 0x07u;
  else return 0;  // a continuation byte with no lead, or 0xF8..0xFF
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  static constexpr std::array<std::uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  const bool overlong = cp < kMin[n];
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  return overlong || surrogate || cp > 0x10FFFF ? 0 : n;
}

std::optional<std::size_t> first_invalid(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

}  // namespace maspo::utf8
