// HTML escaping of text from the run. The report shows model output verbatim, so this is the one
// place that stands between a reply such as "<script>" and the reader's browser.
#include <cstdint>

#include "maspo/report.hpp"
#include "util/utf8.hpp"

namespace maspo::report {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";   // U+FFFD

// The entity for an ASCII byte, "" to drop it, or nullptr to keep it as it is.
const char* ascii_entity(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    case '\t':
    case '\n':
    case '\r': return nullptr;
    default: break;
  }
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F ? "" : nullptr;
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      const char* entity = ascii_entity(text[i]);
      if (entity != nullptr) out += entity;
      else out += text[i];
      ++i;
      continue;
    }
    const std::size_t n = utf8::sequence_length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace maspo::report
