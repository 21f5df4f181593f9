// Validators for numeric flags whose messages say what was expected: CLI11's NonNegativeNumber
// says "Value -1 not in range 0.000000 to 1797693134862315708..." (a 309-digit number), and an
// unsigned option silently wraps "-5" around to 18446744073709551611.
#pragma once

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include <CLI/CLI.hpp>

namespace maspo::cli {

namespace detail {

// The value as the user typed it, quoted and cut short.
inline std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  out += text.substr(0, kMax);
  if (text.size() > kMax) out += "...";
  return out + "'";
}

}  // namespace detail

// A whole number of type T, at least `min`: "expected a whole number >= 0, got 'abc'".
template <class T>
CLI::Validator whole_number(T min) {
  static_assert(std::numeric_limits<T>::is_integer);
  const std::string at_least = "a whole number >= " + std::to_string(min);
  return CLI::Validator(
      [min, at_least](std::string& text) -> std::string {
        T value{};
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc() && ptr == end && value >= min) return {};
        std::string expected = at_least;
        if (ec == std::errc::result_out_of_range) {
          expected = "a whole number from " + std::to_string(min) + " to " + std::to_string(std::numeric_limits<T>::max());
        }
        return "expected " + expected + ", got " + detail::quoted(text);
      },
      min == 0 ? "NONNEGATIVE" : min == 1 ? "POSITIVE" : ">=" + std::to_string(min), "WHOLE_NUMBER");
}

// A finite number, at least `min`: "expected a number >= 0, got '-1'".
inline CLI::Validator number_at_least(double min) {
  std::string shown = std::to_string(min);
  shown.erase(shown.find_last_not_of('0') + 1);  // 0.000000 -> 0., 0.5 -> 0.5
  if (shown.back() == '.') shown.pop_back();
  const std::string at_least = "a number >= " + shown;
  return CLI::Validator(
      [min, at_least](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc() && ptr == end && std::isfinite(value) && value >= min) return {};
        return "expected " + at_least + ", got " + detail::quoted(text);
      },
      min == 0 ? "NONNEGATIVE" : ">=" + shown, "NUMBER");
}

}  // namespace maspo::cli
