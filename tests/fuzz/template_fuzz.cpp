// Fuzzes the template engine (mas::check_template / mas::format_template). The whole input is
// the template. Besides "no crash, only TemplateError", it checks the engine's contract:
//  - check_template and format_template accept and refuse the same templates;
//  - the placeholders check_template reports are exactly those format_template fills;
//  - formatting never adds text of its own: the literal text is at most the template;
//  - literal text survives a round trip: escaping its braces gives a template with no
//    placeholder that formats back to the same text.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "maspo/mas.hpp"

using maspo::mas::TemplateError;

namespace {

std::optional<std::string> format_or_error(std::string_view tmpl, std::string_view q, std::string_view c) {
  try {
    return maspo::mas::format_template(tmpl, q, c);
  } catch (const TemplateError&) {
    return std::nullopt;
  }
}

std::string escape_braces(std::string_view text) {
  std::string out;
  for (char ch : text) {
    out += ch;
    if (ch == '{' || ch == '}') out += ch;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view tmpl = maspo::fuzz::as_text(data, size);

  std::optional<maspo::mas::Placeholders> found;
  try {
    found = maspo::mas::check_template(tmpl);
  } catch (const TemplateError& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
  }

  const std::optional<std::string> bare = format_or_error(tmpl, "", "");
  FUZZ_CHECK(found.has_value() == bare.has_value());
  if (!found) return 0;

  const std::optional<std::string> with_q = format_or_error(tmpl, "Q", "");
  const std::optional<std::string> with_c = format_or_error(tmpl, "", "C");
  FUZZ_CHECK(with_q && with_c);
  FUZZ_CHECK(bare->size() <= tmpl.size());
  FUZZ_CHECK(found->question == (with_q->size() > bare->size()));
  FUZZ_CHECK(found->context == (with_c->size() > bare->size()));

  const std::string escaped = escape_braces(*bare);
  maspo::mas::Placeholders none;
  try {
    none = maspo::mas::check_template(escaped);
  } catch (const TemplateError&) {
    FUZZ_CHECK(!"escaped literal text is not a valid template");
  }
  FUZZ_CHECK(!none.question && !none.context);
  FUZZ_CHECK(maspo::mas::format_template(escaped, "Q", "C") == *bare);
  return 0;
}
