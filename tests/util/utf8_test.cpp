// The one UTF-8 check every module uses (src/util/utf8.hpp): strict RFC 3629.
#include "util/utf8.hpp"

#include <string>

#include <gtest/gtest.h>

namespace maspo::utf8 {
namespace {

TEST(Utf8, WellFormedSequencesOfEveryLength) {
  EXPECT_EQ(sequence_length("a", 0), 1u);
  EXPECT_EQ(sequence_length("\xC3\xBC", 0), 2u);          // ü
  EXPECT_EQ(sequence_length("\xE2\x82\xAC", 0), 3u);      // €
  EXPECT_EQ(sequence_length("\xF0\x9F\x98\x80", 0), 4u);  // 😀
  EXPECT_EQ(sequence_length("\xF4\x8F\xBF\xBF", 0), 4u);  // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid(""));
  EXPECT_TRUE(is_valid("plain ASCII, \xC3\xBCml\xC3\xA4ut, \xE2\x82\xAC, \xF0\x9F\x98\x80"));
}

TEST(Utf8, MalformedSequencesAreRefusedWhereTheyStart) {
  struct Case {
    std::string text;
    std::size_t bad;
  };
  const Case cases[] = {
      {"ab\x80", 2},                  // a continuation byte with no lead
      {"\xC0\x80", 0},                // overlong NUL
      {"x\xE0\x80\x80", 1},           // overlong 3-byte form
      {"\xF0\x80\x80\x80", 0},        // overlong 4-byte form
      {"ok\xED\xA0\x80", 2},          // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},        // past U+10FFFF
      {"\xF8\x88\x80\x80\x80", 0},    // 5-byte forms do not exist
      {"\xFF", 0},
      {"end\xE2\x82", 3},             // cut short at the end
      {"\xC3(", 0},                   // a lead followed by ASCII
  };
  for (const Case& c : cases) {
    EXPECT_EQ(first_invalid(c.text), c.bad) << c.text;
    EXPECT_FALSE(is_valid(c.text)) << c.text;
    EXPECT_EQ(sequence_length(c.text, c.bad), 0u) << c.text;
  }
}

}  // namespace
}  // namespace maspo::utf8
