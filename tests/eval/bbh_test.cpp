// bbh_equal on the kinds of targets BBH has: option letters, True/False, Yes/No, valid/invalid,
// numbers, Dyck sequences, free text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

struct BbhCase {
  std::string predicted;
  std::string gold;
  bool equal;
};

TEST(BbhEqual, Table) {
  const std::vector<BbhCase> cases = {
      // option letters
      {"(A)", "(A)", true},
      {"A", "(A)", true},
      {"(a)", "(A)", true},
      {"a", "(A)", true},
      {"(A).", "(A)", true},
      {" (B) ", "(B)", true},
      {"(B) the blue ball", "(B)", true},
      {"**(C)**", "(C)", true},
      {"(K)", "(K)", true},
      {"K", "(K)", true},
      {"(Q)", "(Q)", true},
      {"(B)", "(A)", false},
      {"B", "(A)", false},
      {"(A) or (B)", "(A)", false},
      {"", "(A)", false},
      {"The blue ball", "(A)", false},
      // True / False
      {"True", "True", true},
      {"true", "True", true},
      {"TRUE", "True", true},
      {"True.", "True", true},
      {"**True**", "True", true},
      {"False", "True", false},
      {"Not True", "True", false},
      {"False", "False", true},
      // Yes / No
      {"Yes", "Yes", true},
      {"yes", "Yes", true},
      {"no", "No", true},
      {"No.", "no", true},
      {"Yes", "no", false},
      // valid / invalid
      {"valid", "valid", true},
      {"Valid", "valid", true},
      {"invalid", "valid", false},
      {"valid", "invalid", false},
      {"\"invalid\"", "invalid", true},
      // numbers
      {"24", "24", true},
      {"-50", "-50", true},
      {"24.0", "24", true},
      {"-11520", "-11520", true},
      {"25", "24", false},
      {"-24", "24", false},
      {"240", "24", false},
      {"8", "8", true},
      // Dyck sequences: tokens compared with spacing collapsed
      {"] ]", "] ]", true},
      {"]]", "] ]", true},
      {"] ] >", "] ] >", true},
      {"]]>", "] ] >", true},
      {"  ]  ]  >  ", "] ] >", true},
      {"}", "}", true},
      {") >", ") >", true},
      {"> )", ") >", false},
      {"] ]", "] ] >", false},
      {"] )", "] ]", false},
      // free text targets
      {"Monsters, Inc", "Monsters, Inc", true},
      {"monsters, inc", "Monsters, Inc", true},
      {"Monsters, Inc.", "Monsters, Inc", true},
      {"Monsters Inc", "Monsters, Inc", false},
      {"dearth, wind, & fire", "dearth, wind, & fire", true},
      {"dearth,  wind, &  fire", "dearth, wind, & fire", true},
      {"rita, sue and bob poo", "rita, sue and bob poo", true},
      {"rita sue and bob poo", "rita, sue and bob poo", false},
      {"apple banana cherry", "apple banana cherry", true},
      {"banana apple cherry", "apple banana cherry", false},
      {"apple banana", "apple banana cherry", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(bbh_equal(c.predicted, c.gold), c.equal) << "\"" << c.predicted << "\" vs \"" << c.gold << "\"";
  }
}

}  // namespace
}  // namespace maspo::eval
