// Word-level text diff, for "seed prompt -> best prompt" in the report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace maspo::report {

enum class DiffOp { same, removed, added };

struct DiffPiece {
  DiffOp op = DiffOp::same;
  std::string text;
  bool operator==(const DiffPiece&) const = default;
};

// The pieces that turn `before` into `after`: words and the whitespace between them, adjacent
// pieces of one kind merged. Concatenating the same+removed pieces gives `before`, the
// same+added ones `after`. Past ~4M word pairs (two very long prompts) the differing middle is
// one removal and one addition instead of a minimal diff.
std::vector<DiffPiece> diff_words(std::string_view before, std::string_view after);

// The diff as escaped markup: <pre class="diff"> with <del> and <ins>.
std::string diff_html(std::string_view before, std::string_view after);

}  // namespace maspo::report
