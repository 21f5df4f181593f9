// Formatting, tolerant JSON readers, tables and small elements of the report. A run may be
// partial or hand-edited, so every reader accepts a missing or mistyped field and the formatters
// print an em dash for it: a report that renders beats one that throws on a null.
#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "report/html.hpp"

namespace maspo::report::html {

namespace {

constexpr std::string_view kAbsent = "\xE2\x80\x94";   // em dash

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u; }

std::optional<double> finite(std::optional<double> v) {
  if (v && !std::isfinite(*v)) return std::nullopt;
  return v;
}

// Where to cut `text` to at most `max_bytes`: never inside a character.
std::size_t cut_at(std::string_view text, std::size_t max_bytes) {
  std::size_t cut = max_bytes;
  while (cut > 0 && continuation(text[cut])) --cut;
  return cut;
}

}  // namespace

std::string truncated(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  const std::size_t cut = cut_at(text, max_bytes);
  return fmt::format("{} \xE2\x80\xA6 ({} bytes more)", text.substr(0, cut), text.size() - cut);
}

std::string clipped(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return std::string(text.substr(0, cut_at(text, max_bytes))) + "\xE2\x80\xA6";
}

std::string percent(std::optional<double> fraction, int decimals) {
  fraction = finite(fraction);
  return fraction ? fmt::format("{:.{}f}%", 100.0 * *fraction, decimals) : std::string(kAbsent);
}

std::string number(std::optional<double> value, int decimals) {
  value = finite(value);
  return value ? fmt::format("{:.{}f}", *value, decimals) : std::string(kAbsent);
}

std::string integer(std::optional<std::int64_t> value) {
  if (!value) return std::string(kAbsent);
  std::string digits = std::to_string(*value < 0 ? -*value : *value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return *value < 0 ? "-" + out : out;
}

std::string dollars(std::optional<double> value) {
  value = finite(value);
  return value ? fmt::format("${:.4f}", *value) : std::string(kAbsent);
}

std::string interval(const json& ci95) {
  if (!ci95.is_array() || ci95.size() != 2 || !ci95[0].is_number() || !ci95[1].is_number()) {
    return std::string(kAbsent);
  }
  return fmt::format("{:.1f}\xE2\x80\x93{:.1f}%", 100.0 * ci95[0].get<double>(), 100.0 * ci95[1].get<double>());
}

const json& field(const json& j, std::string_view key) {
  static const json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

std::optional<double> num(const json& j, std::string_view key) {
  const json& v = field(j, key);
  return v.is_number() ? finite(v.get<double>()) : std::nullopt;
}

std::optional<std::int64_t> count(const json& j, std::string_view key) {
  const json& v = field(j, key);
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float() && std::isfinite(v.get<double>())) return static_cast<std::int64_t>(v.get<double>());
  return std::nullopt;
}

std::string text(const json& j, std::string_view key) {
  const json& v = field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

bool flag(const json& j, std::string_view key) {
  const json& v = field(j, key);
  return v.is_boolean() && v.get<bool>();
}

Table::Table(std::vector<std::string> header_text, std::string id, std::string css_class)
    : header_(std::move(header_text)), id_(std::move(id)), class_(std::move(css_class)) {}

Table& Table::row(std::vector<std::string> cells_html, std::string row_class) {
  std::string r = row_class.empty() ? "<tr>" : "<tr class=\"" + row_class + "\">";
  for (auto& c : cells_html) r += "<td>" + c + "</td>";
  rows_.push_back(r + "</tr>\n");
  return *this;
}

std::string Table::str() const {
  std::string out = "<div class=\"scroll\"><table";
  if (!id_.empty()) out += " id=\"" + id_ + "\"";
  if (!class_.empty()) out += " class=\"" + class_ + "\"";
  out += ">";
  // A key-value table has no header worth a row.
  if (std::any_of(header_.begin(), header_.end(), [](const std::string& h) { return !h.empty(); })) {
    out += "<thead><tr>";
    for (const auto& h : header_) out += "<th>" + esc(h) + "</th>";
    out += "</tr></thead>";
  }
  out += "\n<tbody>\n";
  for (const auto& r : rows_) out += r;
  return out + "</tbody></table></div>\n";
}

std::string note(std::string_view text) { return "<p class=\"note\">" + esc(text) + "</p>\n"; }

std::string tag(std::string_view name, std::string_view text) {
  return fmt::format("<{0}>{1}</{0}>", name, esc(text));
}

std::string pre(std::string_view text, std::size_t max_bytes) {
  return "<pre>" + esc(truncated(text, max_bytes)) + "</pre>";
}

std::string details(std::string_view summary, std::string_view body_html) {
  return fmt::format("<details><summary>{}</summary>{}</details>", esc(summary), body_html);
}

std::string safe_relative_href(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find(':') != std::string_view::npos ||
      path.find('\\') != std::string_view::npos) {
    return "";
  }
  std::string out;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (path.substr(segment_start, i - segment_start) == "..") return "";
      segment_start = i + 1;
    }
    if (i == path.size()) break;
    const auto c = static_cast<unsigned char>(path[i]);
    const bool plain = std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-' || c == '~' || c == '/';
    out += plain ? std::string(1, path[i]) : fmt::format("%{:02X}", c);
  }
  return out;
}

std::string filter_box(std::string_view table_id) {
  return fmt::format("<p><input type=\"search\" class=\"filter\" data-table=\"{}\" placeholder=\"filter rows\"></p>",
                     table_id);
}

}  // namespace maspo::report::html
