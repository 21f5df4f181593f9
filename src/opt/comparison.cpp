#include "maspo/opt.hpp"

namespace maspo::opt {

std::string_view to_string(Comparison c) {
  switch (c) {
    case Comparison::intermediate: return "intermediate";
    case Comparison::final: return "final";
    case Comparison::terminal: return "terminal";
  }
  return "intermediate";
}

}  // namespace maspo::opt
