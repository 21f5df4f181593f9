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
