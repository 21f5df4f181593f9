// Building blocks of the HTML report: escaping, number formatting, tolerant JSON field readers,
// tables, sections and the page skeleton. Every function that takes text from a run escapes it;
// functions that take `html` take markup this module built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/report.hpp"

namespace maspo::report::html {

using json = nlohmann::json;

inline std::string esc(std::string_view text) { return escape_html(text); }

// At most `max_bytes` of `text`, cut at a UTF-8 character boundary, with " … (N bytes more)".
std::string truncated(std::string_view text, std::size_t max_bytes);
// The same for a short label: "…" alone marks the cut.
std::string clipped(std::string_view text, std::size_t max_bytes);

// Formatting; an absent value is an em dash.
std::string percent(std::optional<double> fraction, int decimals = 1);   // 0.5 -> "50.0%"
std::string number(std::optional<double> value, int decimals = 3);
std::string integer(std::optional<std::int64_t> value);                  // 12345 -> "12,345"
std::string dollars(std::optional<double> value);
std::string interval(const json& ci95);   // [lo, hi] fractions -> "30.0–70.0%", else "—"

// Tolerant readers: a missing key, a null or a value of another type is nullopt / "".
std::optional<double> num(const json& j, std::string_view key);
std::optional<std::int64_t> count(const json& j, std::string_view key);
std::string text(const json& j, std::string_view key);
bool flag(const json& j, std::string_view key);
const json& field(const json& j, std::string_view key);   // null json when absent

// A table of already-built cell markup.
class Table {
 public:
  explicit Table(std::vector<std::string> header_text, std::string id = "", std::string css_class = "");
  Table& row(std::vector<std::string> cells_html, std::string row_class = "");
  bool empty() const { return rows_.empty(); }
  std::string str() const;

 private:
  std::vector<std::string> header_;
  std::string id_, class_;
  std::vector<std::string> rows_;
};

std::string note(std::string_view text);                              // <p class="note">
std::string tag(std::string_view name, std::string_view text);        // <name>escaped</name>
std::string pre(std::string_view text, std::size_t max_bytes = 8000); // escaped, truncated <pre>
std::string details(std::string_view summary, std::string_view body_html);
// A plain relative path as an href, or "" when it is not one (a scheme, an absolute path, ..).
std::string safe_relative_href(std::string_view path);

struct Section {
  std::string id;      // a constant of ours, never text from the run
  std::string title;
  std::string body;    // markup
};

// The whole page: head (charset, CSP, CSS), a title, a navigation list, the sections, the script.
std::string page(std::string_view title, std::string_view subtitle_html, const std::vector<Section>& sections);

// The one inline script (the filter box of item tables), exposed for the tests.
std::string_view filter_script();

// A filter box for the table with this id (ours).
std::string filter_box(std::string_view table_id);

}  // namespace maspo::report::html
