// Reading the judge's choice out of its reply.
//
// The judge is asked for "A" or "B" (intermediate and final comparisons) or for an analysis ending
// in <choose>A</choose> / <choose>B</choose> (terminal comparisons), but models wrap, decorate and
// explain. The rules, in order:
//
//  1. If the reply holds a complete <choose>…</choose> (tags matched case-insensitively), the last
//     one decides alone: its content names A or B when, read case-insensitively, exactly one of the
//     two letters stands alone in it ("A", " b ", "Output A", "A.", "**B**"). A tag that names
//     both or neither ("A or B", "", "tie") gives no verdict: the judge used the format it was
//     given and left the decision open, and guessing from the analysis around it (which mentions
//     both outputs) would be a coin toss dressed as a verdict.
//  2. Otherwise the last upper-case A or B standing alone anywhere in the reply: "A", "(B)",
//     "**A**", "Answer: B", "Output A is better." Only upper case, because a lower-case "a" is
//     far more often the English article than a verdict.
//  3. Otherwise, a reply whose only letter is an a or a b ("b", "(a).") names it.
//  4. Otherwise no verdict (nullopt). In particular an empty reply or one with no letters at all
//     is never a win for anyone — the reference code counted it as a candidate win.
//
// "Standing alone" means no letter or digit right before or after it. Letters include accented
// Latin, Greek and Cyrillic, so "Bé" or "Aλ" are not verdicts; punctuation, markup, spaces,
// arrows and CJK punctuation are not letters, so "→A" and "答案：B" are. The A of "N/A" is not.
#include <cstdint>
#include <optional>
#include <string_view>

#include "maspo/opt.hpp"

namespace maspo::opt {

namespace {

bool ascii_alnum(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Letter-like code points beyond ASCII: Latin-1 letters, Latin Extended A/B and IPA, Greek,
// Cyrillic, Latin Extended Additional and Greek Extended, full-width Latin letters and digits.
bool wide_letter(std::uint32_t cp) {
  if (cp == 0xAA || cp == 0xB5 || cp == 0xBA) return true;
  if (cp >= 0xC0 && cp <= 0x2AF) return cp != 0xD7 && cp != 0xF7;  // × and ÷ are not letters
  if (cp >= 0x370 && cp <= 0x52F) return true;
  if (cp >= 0x1E00 && cp <= 0x1FFF) return true;
  if (cp >= 0xFF10 && cp <= 0xFF19) return true;
  if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A)) return true;
  return false;
}

// Decodes the code point starting at `i`; invalid sequences decode as U+FFFD (not a letter).
std::uint32_t decode_at(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) return 0xFFFD;
  if (len == 1) return c;
  std::uint32_t cp = c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((cc & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (cc & 0x3F);
  }
  return cp;
}

bool letter_or_digit(std::uint32_t cp) { return cp < 0x80 ? ascii_alnum(static_cast<unsigned char>(cp)) : wide_letter(cp); }

// Whether the code point before byte `i` (if any) is a letter or digit.
bool letter_before(std::string_view s, std::size_t i) {
  if (i == 0) return false;
  std::size_t j = i - 1;
  // Step back over at most three continuation bytes to the lead byte.
  for (int k = 0; k < 3 && j > 0 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80; ++k) --j;
  return letter_or_digit(decode_at(s, j));
}

bool letter_after(std::string_view s, std::size_t i) {
  return i + 1 < s.size() && letter_or_digit(decode_at(s, i + 1));
}

// "N/A" is an abbreviation (no answer), not a verdict for A.
bool not_applicable(std::string_view s, std::size_t i) {
  return i >= 2 && (s[i] == 'A' || s[i] == 'a') && s[i - 1] == '/' && (s[i - 2] == 'N' || s[i - 2] == 'n') &&
         !letter_before(s, i - 2);
}

bool standalone(std::string_view s, std::size_t i) {
  return !letter_before(s, i) && !letter_after(s, i) && !not_applicable(s, i);
}

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view word) {
  if (at + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (upper(s[at + k]) != upper(word[k])) return false;
  }
  return true;
}

// The content of the last complete <choose>…</choose>: a close tag pairs with the nearest open
// tag before it; stray close tags are ignored.
std::optional<std::string_view> last_choose(std::string_view reply) {
  constexpr std::string_view kOpen = "<choose>";
  constexpr std::string_view kClose = "</choose>";
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t open = kNone;  // offset just after the pending open tag
  std::optional<std::string_view> last;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    if (reply[i] != '<') continue;
    if (starts_with_ci(reply, i, kOpen)) {
      open = i + kOpen.size();
      i += kOpen.size() - 1;
    } else if (starts_with_ci(reply, i, kClose)) {
      if (open != kNone) last = reply.substr(open, i - open);
      open = kNone;
      i += kClose.size() - 1;
    }
  }
  return last;
}

}  // namespace

std::optional<char> parse_verdict(std::string_view reply) {
  if (auto tag = last_choose(reply)) {
    bool a = false;
    bool b = false;
    for (std::size_t i = 0; i < tag->size(); ++i) {
      char c = upper((*tag)[i]);
      if ((c == 'A' || c == 'B') && standalone(*tag, i)) (c == 'A' ? a : b) = true;
    }
    if (a != b) return a ? 'A' : 'B';
    return std::nullopt;
  }

  for (std::size_t i = reply.size(); i-- > 0;) {
    char c = reply[i];
    if ((c == 'A' || c == 'B') && standalone(reply, i)) return c;
  }

  // A lone lower-case letter: the reply's only letter is an a or a b, standing alone.
  std::optional<char> only;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    std::uint32_t cp = decode_at(reply, i);
    bool letter = cp < 0x80 ? (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')
                            : wide_letter(cp) && !(cp >= 0xFF10 && cp <= 0xFF19);
    if (!letter) continue;
    if (only || (cp != 'a' && cp != 'b') || !standalone(reply, i)) return std::nullopt;
    only = upper(static_cast<char>(cp));
  }
  return only;
}

}  // namespace maspo::opt
