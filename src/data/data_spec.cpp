// `--data NAME=PATH` / `--data NAME:FORMAT=PATH`.
#include "data/loaders.hpp"
#include "maspo/util.hpp"

namespace maspo::data {

DataSpec parse_data_spec(std::string_view text) {
  const auto fail = [&](const std::string& message) {
    return InputError(where("--data", 0, "", "`" + std::string(text) + "`: " + message));
  };
  // The first '=' ends the name: paths may hold '=' and ':', names may not.
  const auto equals = text.find('=');
  if (equals == std::string_view::npos) throw fail("expected NAME=PATH or NAME:FORMAT=PATH, found no '='");
  const std::string_view left = text.substr(0, equals);
  DataSpec spec;
  spec.path = std::string(text.substr(equals + 1));
  const auto colon = left.find(':');
  spec.name = std::string(left.substr(0, colon));
  if (spec.name.empty()) throw fail("expected a dataset name before '=' (NAME=PATH)");
  if (spec.path.empty()) throw fail("expected a file path after '=' (NAME=PATH)");
  if (colon != std::string_view::npos) {
    spec.format = std::string(left.substr(colon + 1));
    if (spec.format.empty()) {
      throw fail("expected a format after ':' (NAME:FORMAT=PATH); known formats: " + detail::format_names());
    }
    if (detail::find_format(spec.format) == nullptr) {
      throw fail("unknown format `" + spec.format + "`; known formats: " + detail::format_names());
    }
  }
  return spec;
}

}  // namespace maspo::data
