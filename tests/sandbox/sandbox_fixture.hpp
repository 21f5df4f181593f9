// Helpers shared by the sandbox tests: short limits and placeholder substitution in programs.
#pragma once

#include <string>
#include <string_view>

#include "maspo/sandbox.hpp"

namespace maspo::sandbox::testing {

// Limits short enough to keep the suite fast, long enough for Python to start on a loaded box.
inline Options quick_options(double wall_s = 5.0, double cpu_s = 5.0) {
  Options options;
  options.limits.wall_s = wall_s;
  options.limits.cpu_s = cpu_s;
  return options;
}

// A Sandbox that cannot be made in the host runs the program on the host: used as the control
// that shows an escape test would notice the escape it looks for.
inline Options unsandboxed_options(double wall_s = 5.0) {
  Options options = quick_options(wall_s);
  options.bwrap = "/nonexistent/bwrap";
  options.allow_unsandboxed = true;
  return options;
}

inline std::string with(std::string program, std::string_view placeholder, std::string_view value) {
  for (auto at = program.find(placeholder); at != std::string::npos;
       at = program.find(placeholder, at + value.size())) {
    program.replace(at, placeholder.size(), value);
  }
  return program;
}

}  // namespace maspo::sandbox::testing
