#include "util/yaml_text.hpp"

#include <cstdio>
#include <string>

#include <yaml-cpp/depthguard.h>

#include "maspo/util.hpp"

namespace maspo {

namespace {

const char* control_name(unsigned char c) {
  static const char* const kNames[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF",
                                       "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
                                       "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
  return c < 32 ? kNames[c] : "DEL";
}

}  // namespace

void check_yaml_characters(std::string_view text, std::string_view file) {
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if ((c >= 0x20 && c != 0x7F) || c == '\t' || c == '\r') continue;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", c);
    throw InputError(where(file, line, "",
                           std::string("contains a control character (byte ") + byte + ", " + control_name(c) +
                               ") at column " + std::to_string(i - line_start + 1) +
                               "; expected text (tab and line breaks are the only control characters allowed)"));
  }
}

YAML::Node load_yaml_text(std::string_view text, std::string_view file) {
  check_yaml_characters(text, file);
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp says "bad file" here, which reads as a missing file.
    throw InputError(where(file, e.mark.is_null() ? 0 : e.mark.line + 1, "",
                           "lists or maps nested too deeply for the YAML reader (hundreds of levels); "
                           "expected a file nested a few levels deep"));
  } catch (const YAML::Exception& e) {
    throw InputError(where(file, e.mark.is_null() ? 0 : e.mark.line + 1, "", "invalid YAML: " + e.msg));
  }
}

}  // namespace maspo
