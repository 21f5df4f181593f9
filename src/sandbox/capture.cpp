#include "sandbox/capture.hpp"

#include <algorithm>

namespace maspo::sandbox::detail {

void OutputCapture::append(std::string_view bytes) {
  const std::size_t room = cap_ - std::min(cap_, head_.size());
  head_.append(bytes.substr(0, room));
  if (bytes.size() > room) truncated_ = true;

  // Trim only when the tail has doubled, so appending stays amortised O(n).
  tail_.append(bytes.size() > kTailBytes ? bytes.substr(bytes.size() - kTailBytes) : bytes);
  if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
}

std::string_view OutputCapture::tail() const {
  std::string_view all = tail_;
  return all.size() > kTailBytes ? all.substr(all.size() - kTailBytes) : all;
}

}  // namespace maspo::sandbox::detail
