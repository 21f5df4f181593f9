#include "cli/progress_line.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <unistd.h>

namespace maspo::cli {

ProgressLine::ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1), last_print_(std::chrono::steady_clock::now()) {}

void ProgressLine::update(int done, int total, const std::string& text, bool last) {
  const auto now = std::chrono::steady_clock::now();
  if (!tty_ && !last && printed_ && now - last_print_ < std::chrono::seconds(5)) return;
  last_print_ = now;
  printed_ = true;
  constexpr int kWidth = 24;
  const int filled = total > 0 ? static_cast<int>(static_cast<double>(done) / total * kWidth) : 0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::string line = fmt::format("[{}] {}/{} {}", bar, done, total, text);
  if (tty_) {
    std::cerr << "\r\033[K" << line << (last ? "\n" : "") << std::flush;
  } else {
    std::cerr << line << '\n' << std::flush;
  }
}

std::string format_duration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "?";
  long s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string format_count(double n) {
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e4) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

}  // namespace maspo::cli
