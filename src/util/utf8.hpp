// UTF-8 validity, strictly as RFC 3629 has it: no overlong forms, no surrogates, nothing past
// U+10FFFF. Text that passes goes into JSON (cache keys, run stores, replies, the report), and
// nlohmann::json refuses to dump anything looser. Every module checks text through these.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace maspo::utf8 {

// Length (1-4) of the well-formed sequence that starts at text[i], or 0 when none does there.
std::size_t sequence_length(std::string_view text, std::size_t i);

// Byte offset of the first byte that is not part of a well-formed sequence; nullopt when the
// whole text is valid.
std::optional<std::size_t> first_invalid(std::string_view text);

inline bool is_valid(std::string_view text) { return !first_invalid(text).has_value(); }

}  // namespace maspo::utf8
