// One status line on stderr for long runs: redrawn in place on a terminal, printed every few
// seconds (and at the end) when stderr is a file or a pipe, so CI logs stay readable.
#pragma once

#include <chrono>
#include <string>

namespace maspo::cli {

class ProgressLine {
 public:
  ProgressLine();
  // Shows `text` (with a bar for done/total); `last` forces it out and ends the line.
  void update(int done, int total, const std::string& text, bool last = false);

 private:
  bool tty_;
  std::chrono::steady_clock::time_point last_print_;
  bool printed_ = false;
};

// "1h02m", "3m05s", "12s"; "?" for a negative (unknown) duration.
std::string format_duration(double seconds);
// "950", "12.3k", "4.56M".
std::string format_count(double n);

}  // namespace maspo::cli
