#include "maspo/sandbox.hpp"

namespace maspo::sandbox {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pass: return "pass";
    case Status::fail: return "fail";
    case Status::error: return "error";
    case Status::timeout: return "timeout";
  }
  return "error";
}

}  // namespace maspo::sandbox
