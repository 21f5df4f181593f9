// Small text facts several opt files need (see internal.hpp).
#include <cstdint>

#include "maspo/mas.hpp"
#include "opt/internal.hpp"

namespace maspo::opt::detail {

bool has_context_placeholder(std::string_view tmpl) {
  try {
    return mas::check_template(tmpl).context;
  } catch (const mas::TemplateError&) {
    return tmpl.find("{context}") != std::string_view::npos;
  }
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte with no lead, or 0xF8..0xFF
    }
    if (i + len > text.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void append_block(std::string& out, std::string_view name, std::string_view body, int blank_lines) {
  out += "[";
  out += name;
  out += "]\n";
  out += body;
  if (body.empty() || body.back() != '\n') out += "\n";
  out += "[End of ";
  out += name;
  out += "]\n";
  out.append(static_cast<std::size_t>(blank_lines), '\n');
}

}  // namespace maspo::opt::detail
