// The page skeleton: head with the Content-Security-Policy and the CSS, a header, a navigation
// list, the sections, and the one inline script. The CSP allows exactly that script (by its
// SHA-256) and inline styles, and no fetch of any kind: defence in depth behind the escaping, and
// a guarantee that the report works offline.
#include <fmt/format.h>

#include "maspo/util.hpp"
#include "report/html.hpp"

namespace maspo::report::html {

namespace {

// Filters the rows of the table named by each filter box's data-table, on every keystroke.
constexpr std::string_view kFilterScript =
    "document.querySelectorAll('input.filter').forEach(function(box){"
    "var t=document.getElementById(box.dataset.table);if(!t)return;"
    "box.addEventListener('input',function(){var q=box.value.toLowerCase();"
    "t.querySelectorAll('tbody tr').forEach(function(r){"
    "r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});});";

constexpr std::string_view kCss = R"css(
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#fff;--soft:#f5f7fa;--good:#1a7f37;--bad:#c62828}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{margin:0 0 4px;font-size:22px}
header .sub{color:var(--muted)}
nav{padding:8px 28px;border-bottom:1px solid var(--line);font-size:13px}
nav a{margin-right:14px;color:#2453a6;text-decoration:none}
main{padding:8px 28px 40px;max-width:1400px}
section{margin-top:22px}
h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.note{color:var(--muted);font-style:italic}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fff4f4}
.ok{color:var(--good)} .err{color:var(--bad)}
pre{white-space:pre-wrap;word-break:break-word;background:var(--soft);border:1px solid var(--line);padding:8px;margin:4px 0;max-height:420px;overflow:auto;font-size:12px}
.diff del{background:#ffd7d5;text-decoration:line-through} .diff ins{background:#ccf2d4;text-decoration:none}
figure{margin:8px 0 14px} figcaption{font-size:12px;color:var(--muted)}
.legend span{display:inline-block;margin-right:12px} .legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
svg.chart{background:#fff;border:1px solid var(--line);max-width:100%;height:auto}
svg.chart text{font:11px system-ui,sans-serif;fill:#333}
details summary{cursor:pointer;color:#2453a6}
input.filter{padding:4px 8px;width:320px;border:1px solid var(--line);border-radius:4px}
.kv td:first-child{color:var(--muted)}
)css";

// "sha256-<base64>" of the script, for the CSP.
std::string script_hash() {
  const std::string hex = sha256_hex(kFilterScript);
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return "sha256-" + out;
}

std::string navigation(const std::vector<Section>& sections) {
  std::string out = "<nav>";
  for (const auto& s : sections) out += fmt::format("<a href=\"#{}\">{}</a>", s.id, esc(s.title));
  return out + "</nav>\n";
}

}  // namespace

std::string_view filter_script() { return kFilterScript; }

std::string page(std::string_view title, std::string_view subtitle_html, const std::vector<Section>& sections) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += fmt::format(
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "img-src data:; script-src '{}'\">\n",
      script_hash());
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + esc(title) + "</title>\n<style>" + std::string(kCss) + "</style></head>\n<body>\n";
  out += fmt::format("<header><h1>{}</h1><div class=\"sub\">{}</div></header>\n", esc(title), subtitle_html);
  out += navigation(sections) + "<main>\n";
  for (const auto& s : sections) {
    out += fmt::format("<section id=\"{}\"><h2>{}</h2>\n{}</section>\n", s.id, esc(s.title), s.body);
  }
  out += "</main>\n<script>" + std::string(kFilterScript) + "</script>\n</body></html>\n";
  return out;
}

}  // namespace maspo::report::html
