// sandbox/capture.hpp — one output stream of a sandboxed program, kept up to a cap.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace maspo::sandbox::detail {

class OutputCapture {
 public:
  explicit OutputCapture(std::size_t cap) : cap_(cap) {}

  // Keeps bytes until the cap is reached and counts (then drops) the rest, so a program that
  // prints without end is drained instead of blocking on a full pipe.
  void append(std::string_view bytes);

  const std::string& head() const { return head_; }
  // The last bytes seen, truncation or not: Python prints the exception that ended a program
  // last, and a program that printed megabytes before failing an assert must still read as
  // `fail`, not `error`.
  std::string_view tail() const;
  bool truncated() const { return truncated_; }

  static constexpr std::size_t kTailBytes = 4096;

 private:
  std::size_t cap_;
  std::string head_;
  std::string tail_;
  bool truncated_ = false;
};

}  // namespace maspo::sandbox::detail
