#include "maspo/mas.hpp"

namespace maspo::mas {

std::string_view to_string(ContextMode mode) {
  return mode == ContextMode::raw ? "raw" : "summary";
}

}  // namespace maspo::mas
