// parse_verdict: a table of judge replies (wrapped, decorated, explained, tagged, broken) and the
// verdict each must give. Built from templates so that every shape is checked for both letters
// and behind several harmless prefixes.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

std::string fill(std::string_view pattern, std::string_view letter) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 2, "{}") == 0) {
      out += letter;
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::string show(const std::optional<char>& v) { return v ? std::string(1, *v) : std::string("nullopt"); }

// Replies in which the letter stands alone and is the last standalone upper-case A/B.
const std::vector<std::string> kBareShapes = {
    "{}", " {} ", "{}\n", "\n\n{}\n\n", "\t{}\t", "{}\r\n", "({})", "[{}]", "<{}>", "**{}**", "*{}*", "__{}__",
    "`{}`", "'{}'", "\"{}\"", "«{}»", "“{}”", "{}.", "{})", "{}:", "{}!", "{}?", "{}/", "{}-", "…{}…",
    "Answer: {}", "Answer:{}", "answer: {}", "ANSWER: {}", "The answer is {}.", "Output {}",
    "Output {} is better.", "I choose {}", "I choose {}.", "Final verdict: **{}**", "Verdict = {}", "=> {}",
    "→{}", "答案：{}", "结论：{}。", "Choice-{}", "Option ({}).", "- {}", "# {}", "> {}", "1. {}", "(1) {}",
    "Response {} wins", "Better: {}", "the better one is output {}", "Output {} (more complete)",
    "**Answer:** {}", "Selected: [{}]", "{} is more likely correct", "{}\n\nThe other output has an error.",
    "Winner -> {}", "{}\u00a0", "\u3010{}\u3011", "{}，", "Output_{}", "$\\boxed{{}}$"};

// Harmless text before the verdict: no upper-case A or B standing alone, no <choose> tag.
const std::vector<std::string> kPrefixes = {
    "", "After comparing both outputs, ", "Reasoning: the first one computes 12 + 30 = 42 correctly.\n",
    "Hmm. ", "**Verdict**\n", "Both start well; one slips at step 3.\n\n", "I think so: "};

TEST(ParseVerdict, BareShapesBehindPrefixes) {
  int checked = 0;
  for (const auto& prefix : kPrefixes) {
    for (const auto& shape : kBareShapes) {
      for (std::string_view letter : {"A", "B"}) {
        std::string reply = prefix + fill(shape, letter);
        EXPECT_EQ(show(parse_verdict(reply)), std::string(letter)) << "reply: [" << reply << "]";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 700);
}

// The <choose> tag decides, whatever the text around it says.
const std::vector<std::string> kTagShapes = {
    "<choose>{}</choose>", "<choose> {} </choose>", "<choose>\n{}\n</choose>", "<CHOOSE>{}</CHOOSE>",
    "<Choose>{}</choose>", "<choose>Output {}</choose>", "<choose>output {}</choose>", "<choose>{}.</choose>",
    "<choose>**{}**</choose>", "<choose>({})</choose>", "<choose>Response {}</choose>", "<choose>option {}</choose>",
    "<choose>Answer {} is correct</choose>", "<choose>[{}]</choose>",
    "Output A has a sign error; Output B is right. Still: <choose>{}</choose>",
    "Output B is wrong; output A is right. <choose>{}</choose>",
    "<choose>{}</choose>\nNote: B and A were close.", "<choose>{}</choose> A B A B",
    "<choose>A</choose> on second thought <choose>{}</choose>",
    "<choose>B</choose> hmm, no. <choose>{}</choose>", "<choose><choose>{}</choose></choose>",
    "I will answer in the form <choose>X</choose>. Analysis... <choose>{}</choose>",
    "<choose>{}</choose></choose>", "</choose><choose>{}</choose>"};

TEST(ParseVerdict, TagDecides) {
  for (const auto& prefix : kPrefixes) {
    for (const auto& shape : kTagShapes) {
      for (std::string_view letter : {"A", "B"}) {
        std::string reply = prefix + fill(shape, letter);
        EXPECT_EQ(show(parse_verdict(reply)), std::string(letter)) << "reply: [" << reply << "]";
      }
    }
  }
}

TEST(ParseVerdict, TagIsCaseInsensitiveInside) {
  EXPECT_EQ(parse_verdict("<choose>a</choose>"), 'A');
  EXPECT_EQ(parse_verdict("<choose>b</choose>"), 'B');
  EXPECT_EQ(parse_verdict("<choose> output b. </choose>"), 'B');
}

// A lower-case letter alone counts only when it is the reply's only letter.
TEST(ParseVerdict, LoneLowerCase) {
  for (std::string_view shape : {"{}", " {} ", "({})", "{}.", "**{}**", "{}\n", "1) {}", "[{}]"}) {
    EXPECT_EQ(parse_verdict(fill(shape, "a")), 'A') << shape;
    EXPECT_EQ(parse_verdict(fill(shape, "b")), 'B') << shape;
  }
  EXPECT_EQ(parse_verdict("this is a good one"), std::nullopt);  // the article "a" is no verdict
  EXPECT_EQ(parse_verdict("answer: b"), std::nullopt);
  EXPECT_EQ(parse_verdict("a or b"), std::nullopt);
  EXPECT_EQ(parse_verdict("ab"), std::nullopt);
  EXPECT_EQ(parse_verdict("a1"), std::nullopt);
}

TEST(ParseVerdict, LastStandaloneWins) {
  EXPECT_EQ(parse_verdict("A is wrong, B is right"), 'B');
  EXPECT_EQ(parse_verdict("B is wrong, so A"), 'A');
  EXPECT_EQ(parse_verdict("A or B? B"), 'B');
  EXPECT_EQ(parse_verdict("Between A and B I pick A."), 'A');
  EXPECT_EQ(parse_verdict("A/B"), 'B');
  EXPECT_EQ(parse_verdict("A\nB\nA"), 'A');
  EXPECT_EQ(parse_verdict("A. Output B has a bug at ABS()."), 'B');
  EXPECT_EQ(parse_verdict("<choose>B"), 'B');           // unclosed tag: falls back to the text
  EXPECT_EQ(parse_verdict("</choose>A"), 'A');          // a stray close tag is ignored
  EXPECT_EQ(parse_verdict("<choose>A</choos>"), 'A');   // misspelt close: no tag, the text decides
}

const std::vector<std::string> kNoVerdict = {
    "", " ", "\n\n", "\t", "...", "123", "!!!", "42.0", "???", "----", "()", "**", "<>", "[]", "{}", "😀",
    "。", "Neither", "neither", "I cannot decide.", "Both are equally good", "Tie", "TIE", "Equal", "N/A",
    "AB", "BA", "ABBA", "Ab", "aB", "A1", "B2", "1A", "2B", "AA", "BB", "CAB", "MATH", "ABC", "Option C",
    "C", "D.", "(C)", "Answer: D", "Bé", "éA", "Aλ", "λB", "Ä", "ÀB", "ÅA", "АB", "BА", "Aß", "Ａ", "Ｂ",
    "ＡB", "BＡ", "B１", "x", "the answer is c", "abc", "aa", "bb", "<choose></choose>",
    "<choose>A or B</choose>", "<choose>A and B</choose>", "<choose>tie</choose>", "<choose>A/B</choose>",
    "<choose>AB</choose>", "<choose>none</choose>", "<choose>  </choose>", "<choose>C</choose>",
    "<choose>Output C</choose>", "<choose>neither A nor B</choose>",
    "Output A is better.<choose>undecided</choose>", "<choose>[A|B]</choose>", "<choose>\n</choose>",
    "<choose>both</choose> B", "<CHOOSE>a b</CHOOSE>"};

TEST(ParseVerdict, NoVerdict) {
  for (const auto& reply : kNoVerdict) {
    EXPECT_EQ(show(parse_verdict(reply)), "nullopt") << "reply: [" << reply << "]";
  }
}

TEST(ParseVerdict, LetterFreeRepliesNeverWin) {
  // The reference code counted a reply with no letters as a candidate win; here it is no verdict.
  std::mt19937_64 rng(7);
  const std::string alphabet = "0123456789 \n\t.,;:!?()[]{}<>/\\|-_=+*&^%$#@~`'\"";
  for (int n = 0; n < 300; ++n) {
    std::string reply;
    std::size_t len = rng() % 40;
    for (std::size_t i = 0; i < len; ++i) reply += alphabet[rng() % alphabet.size()];
    EXPECT_EQ(parse_verdict(reply), std::nullopt) << "reply: [" << reply << "]";
  }
}

// The fake server's --record mode puts "[call N] " before every judge reply (bench/orchestration
// reads which step made a judge call from it); the tag must not change the verdict.
TEST(ParseVerdict, RecordTagBeforeTheReplyChangesNothing) {
  for (const char* reply : {"A", "B", "I cannot tell.", "<choose>B</choose>", "Output A is better."}) {
    EXPECT_EQ(parse_verdict(std::string("[call 1207] ") + reply), parse_verdict(reply)) << reply;
  }
}

TEST(ParseVerdict, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(11);
  for (int n = 0; n < 2000; ++n) {
    std::string reply;
    std::size_t len = rng() % 64;
    for (std::size_t i = 0; i < len; ++i) {
      // Mostly the interesting bytes: A, B, tags, UTF-8 lead and continuation bytes.
      static const std::string pool = "AaBb <>/choseCHOSE\xc3\xa9\xce\xbb\xef\xbc\xa1\x80\xff\xe2";
      reply += pool[rng() % pool.size()];
    }
    auto v = parse_verdict(reply);
    EXPECT_TRUE(!v || *v == 'A' || *v == 'B');
  }
  std::string big(1 << 20, 'x');
  big += " B";
  EXPECT_EQ(parse_verdict(big), 'B');
}

}  // namespace
}  // namespace maspo::opt
