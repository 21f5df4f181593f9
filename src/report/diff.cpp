// Word diff by longest common subsequence over tokens (words and whitespace runs), after cutting
// the common prefix and suffix: prompts are edited in place, so the middle is usually small.
#include "report/diff.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "report/html.hpp"

namespace maspo::report {

namespace {

constexpr std::size_t kMaxCells = 4'000'000;

std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool space = std::isspace(static_cast<unsigned char>(text[i])) != 0;
    std::size_t j = i + 1;
    while (j < text.size() && (std::isspace(static_cast<unsigned char>(text[j])) != 0) == space) ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

void push(std::vector<DiffPiece>& out, DiffOp op, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().op == op) {
    out.back().text += text;
  } else {
    out.push_back({op, std::string(text)});
  }
}

using Tokens = std::vector<std::string_view>;

// LCS table of a[..] x b[..], suffix form: len[i][j] = LCS of a[i..] and b[j..].
void diff_middle(const Tokens& a, const Tokens& b, std::vector<DiffPiece>& out) {
  const std::size_t n = a.size(), m = b.size();
  if (n * m > kMaxCells) {
    for (auto t : a) push(out, DiffOp::removed, t);
    for (auto t : b) push(out, DiffOp::added, t);
    return;
  }
  std::vector<std::uint32_t> len((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return len[i * (m + 1) + j]; };
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] == b[j]) {
      push(out, DiffOp::same, a[i++]);
      ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      push(out, DiffOp::removed, a[i++]);
    } else {
      push(out, DiffOp::added, b[j++]);
    }
  }
  while (i < n) push(out, DiffOp::removed, a[i++]);
  while (j < m) push(out, DiffOp::added, b[j++]);
}

}  // namespace

std::vector<DiffPiece> diff_words(std::string_view before, std::string_view after) {
  const Tokens a = tokens(before), b = tokens(after);
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  std::vector<DiffPiece> out;
  for (std::size_t i = 0; i < prefix; ++i) push(out, DiffOp::same, a[i]);
  diff_middle(Tokens(a.begin() + static_cast<std::ptrdiff_t>(prefix), a.end() - static_cast<std::ptrdiff_t>(suffix)),
              Tokens(b.begin() + static_cast<std::ptrdiff_t>(prefix), b.end() - static_cast<std::ptrdiff_t>(suffix)),
              out);
  for (std::size_t i = a.size() - suffix; i < a.size(); ++i) push(out, DiffOp::same, a[i]);
  return out;
}

std::string diff_html(std::string_view before, std::string_view after) {
  std::string out = "<pre class=\"diff\">";
  for (const auto& p : diff_words(before, after)) {
    switch (p.op) {
      case DiffOp::same: out += html::esc(p.text); break;
      case DiffOp::removed: out += "<del>" + html::esc(p.text) + "</del>"; break;
      case DiffOp::added: out += "<ins>" + html::esc(p.text) + "</ins>"; break;
    }
  }
  return out + "</pre>";
}

}  // namespace maspo::report
