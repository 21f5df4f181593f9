// normalize_math and math_equal: table-driven equal / not-equal pairs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

struct NormalizeCase {
  std::string input;
  std::string normalized;
};

TEST(NormalizeMath, Table) {
  const std::vector<NormalizeCase> cases = {
      {"42", "42"},
      {" 42 ", "42"},
      {"$42$", "42"},
      {"\\(42\\)", "42"},
      {"\\[42\\]", "42"},
      {"$$42$$", "42"},
      {"\\boxed{42}", "42"},
      {"42.", "42"},
      {"+42", "42"},
      {"-42", "-42"},
      {"0.50", "0.5"},
      {"2.0", "2"},
      {"2.", "2"},
      {".5", "0.5"},
      {"-.5", "-0.5"},
      {"007", "7"},
      {"1,000", "1000"},
      {"1{,}000", "1000"},
      {"10,\\!080", "10080"},
      {"11,\\! 111,\\! 111,\\! 100", "11111111100"},
      {"\\$32,\\!348", "32348"},
      {"1,000,000", "1000000"},
      {"1, 000", "1,0"},
      {"1,2", "1,2"},
      {"3, 5, 7", "3,5,7"},
      {"(1,000)", "(1,0)"},
      {"\\frac{1}{2}", "1/2"},
      {"\\dfrac{1}{2}", "1/2"},
      {"\\tfrac{3}{2}", "3/2"},
      {"\\frac12", "1/2"},
      {"\\frac 34", "3/4"},
      {"\\frac9{19}", "9/19"},
      {"\\frac{270}7", "270/7"},
      {"-\\frac{3}{8}", "-3/8"},
      {"\\frac{-3}{8}", "(-3)/8"},
      {"\\frac{x+1}{2}", "(x+1)/2"},
      {"\\frac{\\pi}{2}", "\xCF\x80/2"},
      {"\\frac{1 + \\sqrt{2}}{2}", "(1+sqrt(2))/2"},
      {"\\sqrt{2}", "sqrt(2)"},
      {"\\sqrt2", "sqrt(2)"},
      {"11\\sqrt2", "11sqrt(2)"},
      {"\\sqrt[3]{2}", "2^(1/3)"},
      {"\\pi", "\xCF\x80"},
      {"2\\pi", "2\xCF\x80"},
      {"\\infty", "\xE2\x88\x9E"},
      {"-\\infty", "-\xE2\x88\x9E"},
      {"3\\cdot 4", "3*4"},
      {"3 \\times 4", "3*4"},
      {"\\text{Devon}", "devon"},
      {"\\text{East}", "east"},
      {"\\textbf{7}", "7"},
      {"\\mathrm{cm}", "cm"},
      {"\\text{(B)}", "B"},
      {"(B)", "B"},
      {"\\text{VW}", "VW"},
      {"15\\mbox{ cm}^2", "15"},
      {"864 \\mbox{ inches}^2", "864"},
      {"8\\sqrt{3} \\text { square inches}", "8sqrt(3)"},
      {"5.4 \\text{ cents}", "5.4"},
      {"\\frac{270}7\\text{ degrees}", "270/7"},
      {"10 units", "10"},
      {"12 sq. units", "12"},
      {"90^\\circ", "90"},
      {"90^{\\circ}", "90"},
      {"90\xC2\xB0", "90"},
      {"90\\degree", "90"},
      {"100\\%", "100"},
      {"50%", "50"},
      {"\\$15.48", "15.48"},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\xCF\x80/2)"},
      {"\\left[ \\frac{3}{2}, 2 \\right)", "[3/2,2)"},
      {"(-\\infty, 0]", "(-\xE2\x88\x9E,0]"},
      {"x=5", "5"},
      {"x = 5", "5"},
      {"y = 2x + 3", "2x+3"},
      {"x \\in [-2,7]", "[-2,7]"},
      {"\\theta = 30", "30"},
      {"x_1 = 4", "4"},
      {"20x + 23y + 26z - 69 = 0", "20x+23y+26z-69=0"},
      {"11 \\frac{2}{3}", "(11+2/3)"},
      {"1\\frac{12}{13}", "(1+12/13)"},
      {"3\\frac18", "(3+1/8)"},
      {"x^{2}", "x^2"},
      {"x^2", "x^2"},
      {"10^{-3}", "10^(-3)"},
      {"0.0011_{2}", "0.0011_2"},
      {"204_5", "204_5"},
      {"\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "mat(-1,0;0,-1)"},
      {"\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}", "mat(1/5;-18/5)"},
      {"\\begin{bmatrix} 1 & 2 \\end{bmatrix}", "mat(1,2)"},
      {"\\{1\\pm\\sqrt{5},-2\\}", "{1\xC2\xB1sqrt(5),-2}"},
      {"1 \\pm \\sqrt{19}", "1\xC2\xB1sqrt(19)"},
      {"(0,9) \\cup (9,36)", "(0,9)\xE2\x88\xAA(9,36)"},
      {"\\cot x", "cotx"},
      {"\\sin^2 x", "sin^2x"},
      {"a \\le b", "a\xE2\x89\xA4" "b"},
      {"pi/2", "\xCF\x80/2"},
      {"inf", "\xE2\x88\x9E"},
      {"2 \\times 10^{3}", "2*10^3"},
      {"1.5e3", "1.5e3"},
      {"1.50e3", "1.5e3"},
      {"\\sqrt{x-3}", "sqrt(x-3)"},
      {"-2 + 7i", "-2+7i"},
      {"\\left\\{ 1, 2 \\right\\}", "{1,2}"},
      {"\\displaystyle\\frac{1}{2}", "1/2"},
      {"1\\,000", "1000"},
      {"\\!\\!5", "5"},
      {"\\binom{5}{2}", "binom(5,2)"},
      {"\xE2\x88\x9A" "2", "sqrt(2)"},
      {"\xE2\x88\x92" "3", "-3"},
      {"6 \xC3\x97 7", "6*7"},
      {"", ""},
      {"$ $", ""},
      {"\\text{}", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(normalize_math(c.input), c.normalized) << "input: " << c.input;
}

struct PairCase {
  std::string predicted;
  std::string gold;
};

TEST(MathEqual, EqualPairs) {
  const std::vector<PairCase> cases = {
      // integers and decimals
      {"42", "42"},
      {"42.0", "42"},
      {"42.", "42"},
      {"0.5", "0.50"},
      {".5", "0.5"},
      {"-0.5", "-.5"},
      {"1000", "1,000"},
      {"1000", "1{,}000"},
      {"10080", "10,\\!080"},
      {"1000000", "1,000,000"},
      {"5", "5.000"},
      {"-3", "- 3"},
      {"12", "\\boxed{12}"},
      {"$12$", "12"},
      {"007", "7"},
      // fractions vs decimals
      {"0.5", "\\frac{1}{2}"},
      {"1/2", "\\frac{1}{2}"},
      {"\\dfrac12", "0.5"},
      {"\\frac 34", "0.75"},
      {"-\\frac{3}{8}", "\\frac{-3}{8}"},
      {"-0.375", "-\\frac{3}{8}"},
      {"\\frac{3}{-8}", "-3/8"},
      {"0.125", "\\frac18"},
      {"2/4", "1/2"},
      {"\\frac{6}{4}", "1.5"},
      {"\\frac{12}{5,\\!525}", "12/5525"},
      {"3.5", "3\\frac12"},
      {"11 \\frac{2}{3}", "\\frac{35}{3}"},
      {"137.5", "137 \\frac{1}{2}"},
      {"\\frac{9}{5}", "1\\frac{4}{5}"},
      {"-(11+2/3)", "-11\\frac{2}{3}"},
      // scientific notation
      {"1.5e3", "1500"},
      {"1.5 \\times 10^{3}", "1500"},
      {"1.5\\cdot10^3", "1.5e3"},
      {"6.72 \\times 10^{-5}", ".0000672"},
      {"2E-2", "0.02"},
      // percent
      {"50\\%", "50"},
      {"50%", "0.5"},
      {"0.5", "50\\%"},
      {"100\\%", "1"},
      {"25 percent", "25"},
      // roots and pi
      {"\\sqrt{2}", "\\sqrt2"},
      {"\\sqrt{8}", "2\\sqrt{2}"},
      {"2\\sqrt{2}", "2.8284271247461903"},
      {"\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"},
      {"\\frac{\\pi}{2}", "\\pi/2"},
      {"0.5\\pi", "\\frac{\\pi}{2}"},
      {"\\frac12\\pi", "\\frac{\\pi}{2}"},
      {"\\frac{21}{2}\\pi", "10.5\\pi"},
      {"12\\pi", "12 \\pi"},
      {"\\pi", "pi"},
      {"2\\pi r", "2r\\pi"},
      {"\\sqrt[3]{8}", "2"},
      {"\\sqrt{x}", "\\sqrt x"},
      {"3\\sqrt{13}", "\\sqrt{117}"},
      {"1+2\\sqrt{3}", "2\\sqrt3 + 1"},
      {"6\\sqrt{3}+6", "6+6\\sqrt3"},
      {"\\frac{1 + \\sqrt{2}}{2}", "\\frac12 + \\frac{\\sqrt2}{2}"},
      // units, degrees, currency
      {"90", "90^\\circ"},
      {"90^{\\circ}", "90"},
      {"90\xC2\xB0", "90^\\circ"},
      {"15", "15\\mbox{ cm}^2"},
      {"864", "864 \\mbox{ inches}^2"},
      {"8\\sqrt{3}", "8\\sqrt{3} \\text { square inches}"},
      {"5.4", "5.4 \\text{ cents}"},
      {"\\frac{270}{7}", "\\frac{270}7\\text{ degrees}"},
      {"15.48", "\\$15.48"},
      {"\\$36", "36"},
      {"36 dollars", "36"},
      {"12 cm", "12"},
      {"5 \\text{ meters}", "5"},
      // text answers
      {"\\text{Devon}", "Devon"},
      {"devon", "\\text{Devon}"},
      {"\\text{east}", "East"},
      {"\\textbf{even}", "\\text{even}"},
      {"C", "\\text{(C)}"},
      {"(B)", "\\text{(B)}"},
      // variable prefixes
      {"x=5", "5"},
      {"5", "x = 5"},
      {"y = -2x", "-2x"},
      {"y=2x+3", "y = 2x + 3"},
      {"[-2,7]", "x \\in [-2,7]"},
      {"k = 3", "3"},
      {"f(x) = 2x+1", "2x + 1"},
      {"x = 2 \\text{ or } x = 3", "2, 3"},
      {"2 or 3", "2, 3"},
      {"x=-1 \\text{ and } x=4", "-1, 4"},
      // tuples, points, intervals
      {"(0,3)", "(0, 3)"},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\pi/2)"},
      {"(3,1.5707963267948966)", "\\left( 3, \\frac{\\pi}{2} \\right)"},
      {"(3,4]", "(3, 4]"},
      {"(3,4]", "\\left(3,4\\right]"},
      {"(-\\infty, 0]", "(-\\infty,0]"},
      {"(-inf, 0]", "(-\\infty, 0]"},
      {"(2,\\infty)", "(2, \\infty)"},
      {"\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "(0.6, 8/3]"},
      {"(\\tfrac{27}{8}, \\tfrac{15}{8})", "(3.375, 1.875)"},
      {"(1,-16,-4,43)", "(1, -16, -4, 43)"},
      {"(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty,2)\\cup(3,\\infty)"},
      {"(3, \\infty) \\cup (-\\infty, 2)", "(-\\infty, 2) \\cup (3, \\infty)"},
      {"(0,9) \\cup (9,36)", "(0, 9) \\cup (9, 36)"},
      {"(-\\sqrt{3}, \\sqrt{3})", "(-\\sqrt3,\\sqrt3)"},
      {"(-5,\\sqrt{26}]", "(-5, \\sqrt{26}]"},
      // lists and sets
      {"3, 5, 7", "3,5,7"},
      {"1,-2", "1, -2"},
      {"\\frac{3}{4}, -\\frac{3}{4}", "0.75, -0.75"},
      {"\\{1, 2\\}", "\\{2, 1\\}"},
      {"\\{1\\pm\\sqrt{5},-2\\}", "-2, 1+\\sqrt5, 1-\\sqrt5"},
      {"1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}"},
      {"1 - \\sqrt{19}, 1 + \\sqrt{19}", "1 \\pm \\sqrt{19}"},
      {"3 \\pm 2 \\sqrt{2}", "3 \\pm 2\\sqrt2"},
      // matrices
      {"\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\begin{pmatrix}-1&0\\\\0&-1\\end{pmatrix}"},
      {"\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
       "\\begin{pmatrix} -\\frac13 \\\\ \\frac23 \\\\ \\frac53 \\end{pmatrix}"},
      {"\\begin{bmatrix} 1 \\\\ -2 \\\\ -1 \\end{bmatrix}", "\\begin{pmatrix} 1 \\\\ -2 \\\\ -1 \\end{pmatrix}"},
      {"(1,-2,-1)", "\\begin{pmatrix} 1 \\\\ -2 \\\\ -1 \\end{pmatrix}"},
      {"\\begin{pmatrix} 0.2 \\\\ -3.6 \\end{pmatrix}", "\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}"},
      // expressions with variables
      {"x^3+3x-6", "x^3 + 3x - 6"},
      {"3x+x^3-6", "x^3+3x-6"},
      {"2k+2", "2(k+1)"},
      {"(a+5)(b+2)", "(b+2)(a+5)"},
      {"ab+2a+5b+10", "(a+5)(b+2)"},
      {"-13x+3", "3-13x"},
      {"6r^2-4r-24", "2(3r^2-2r-12)"},
      {"p-q", "-q+p"},
      {"p+q-r", "q+p-r"},
      {"x^{2}", "x^2"},
      {"x^2", "x \\cdot x"},
      {"5r^5", "5 r^{5}"},
      {"3R^2", "3 R^2"},
      {"8n^2 + 4n + 1", "1+4n+8n^2"},
      {"\\frac{11+9a}{20}", "\\frac{11}{20}+\\frac{9a}{20}"},
      {"-\\sqrt{x-3}+3", "3-\\sqrt{x-3}"},
      {"2x^2-x+3", "-(-2x^2 + x - 3)"},
      {"\\frac{x}{2}", "x/2"},
      {"\\frac{x}{2}", "0.5x"},
      {"\\frac{1}{2}x", "\\frac{x}{2}"},
      {"-2 + 7i", "7i - 2"},
      {"1 - 12i", "-12i+1"},
      {"\\cot x", "\\cot x"},
      {"\\sin^2 x", "\\sin^2 x"},
      {"\\theta + 1", "1 + \\theta"},
      // equations
      {"20x + 23y + 26z - 69 = 0", "20x+23y+26z = 69"},
      {"20x + 23y + 26z - 69 = 0", "-20x - 23y - 26z + 69 = 0"},
      {"\\frac{x^2}{16} - \\frac{y^2}{9} = 1", "9x^2 - 16y^2 = 144"},
      {"5x - 7y + 11z + 4 = 0", "5x-7y+11z+4=0"},
      // bases, special forms compared as text
      {"204_5", "204_{5}"},
      {"0.0011_{2}", "0.0011_2"},
      {"\\text{ellipse}", "ellipse"},
      {"\\binom{5}{2}", "\\dbinom{5}{2}"},
      // written the way models write them
      {"\\textbf{(B) } 5", "\\text{(B)}"},
      {"(C) 42", "\\text{(C)}"},
      {"\\text{(C)}", "C"},
      {"5 apples", "5"},
      {"12 students", "12"},
      {"(x, y) = (1, 2)", "(1, 2)"},
      {"2^{10}", "1024"},
      {"x^2+2x+1", "(x+1)^2"},
      {"\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"},
      {"\\sin(2x)", "2\\sin(x)\\cos(x)"},
      {"(2, +\\infty)", "(2, \\infty)"},
      {"\\emptyset", "\\varnothing"},
      {"\\frac{1}{1000}", "10^{-3}"},
      {"10^-3", "10^{-3}"},
      {"6.0 \\times 10^{23}", "6e23"},
      {"|x|", "\\left| x \\right|"},
      {"x_1 = 2, x_2 = 3", "2, 3"},
      {"\\{3, 4\\}", "4, 3"},
      {"\\text{no solution}", "\\text{No solution}"},
      {"\\text{Yes}", "yes"},
      {"\\pi r^2", "r^2\\pi"},
      {"\\sqrt{2}/2", "\\frac{\\sqrt2}{2}"},
      {"\\frac{5}{2}", "2\\frac{1}{2}"},
      {"2\\cdot\\frac{1}{2}", "1"},
      {"0", "-0"},
      {"2^{100}", "1267650600228229401496703205376"},
      // factorial, functions
      {"5!", "120"},
      {"\\sqrt{2}^2", "2"},
      {"e", "e"},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(math_equal(c.predicted, c.gold)) << c.predicted << "  vs  " << c.gold << "  ["
                                                 << normalize_math(c.predicted) << " | " << normalize_math(c.gold) << "]";
  }
}

TEST(MathEqual, NotEqualPairs) {
  const std::vector<PairCase> cases = {
      {"1000", "100"},
      {"100", "1000"},
      {"42", "24"},
      {"0.5", "0.05"},
      {"-5", "5"},
      {"5", "-5"},
      {"1/2", "2"},
      {"0.333", "\\frac{1}{3}"},
      {"3.14", "\\pi"},
      {"1.41", "\\sqrt{2}"},
      {"x+1", "x-1"},
      {"x^2", "x^3"},
      {"2x", "x^2"},
      {"(a+5)(b+2)", "(a+2)(b+5)"},
      {"3R^2", "3r^2"},
      {"x", "y"},
      {"p-q", "q-p"},
      {"(3,4]", "[3,4]"},
      {"(3,4]", "(3,4)"},
      {"[3,4)", "[3,4]"},
      {"(0,3)", "(3,0)"},
      {"(0,3)", "0,3"},
      {"(1,2,3)", "(1,2)"},
      {"(-\\infty, 0]", "(-\\infty, 0)"},
      {"(-\\infty, 0]", "(\\infty, 0]"},
      {"\\infty", "-\\infty"},
      {"(0,9) \\cup (9,36)", "(0,36)"},
      {"(0,9) \\cup (9,36)", "(0,9) \\cup [9,36)"},
      {"6, -4", "-4, 6"},
      {"1, 2", "12"},
      {"1, 2", "1"},
      {"1, 2, 3", "1, 2"},
      {"1 \\pm \\sqrt{19}", "1+\\sqrt{19}"},
      {"1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1+\\sqrt{19}"},
      {"\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix} 0 & 1 \\\\ 1 & 0 \\end{pmatrix}"},
      {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\\\ 3 \\end{pmatrix}"},
      {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "[1,2]"},
      {"east", "eats"},
      {"\\text{VW}", "\\text{WV}"},
      {"Devon", "Evelyn"},
      {"C", "\\text{(B)}"},
      {"5 m", "5"},
      {"204_5", "204_6"},
      {"204_5", "204"},
      {"50", "0.5"},
      {"2\\pi", "\\pi"},
      {"\\frac{\\pi}{2}", "\\frac{\\pi}{3}"},
      {"\\sqrt{3}", "3"},
      {"x = 5", "x = 6"},
      {"2 or 3", "2, 4"},
      {"f(x) = 2x+1", "2x - 1"},
      {"y = 2x + 3", "y = 2x - 3"},
      {"x+y=1", "x+y=2"},
      {"x+y=1", "x-y=1"},
      {"1+2i", "1-2i"},
      {"\\cot x", "\\tan x"},
      {"11 \\frac{2}{3}", "\\frac{22}{3}"},
      {"1.5e3", "150"},
      {"1,000", "1"},
      {"1, 000", "1000"},
      {"-\\frac{3}{8}", "\\frac{3}{8}"},
      {"\\frac{1}{2}", "\\frac{2}{1}"},
      {"0", "0.0001"},
      {"1.000001", "1.0001"},
      {"\\{1, 2\\}", "\\{1, 3\\}"},
      {"\\{1, 2\\}", "\\{1, 2, 2\\}"},
      {"2k+2", "2k+1"},
      {"x^3+3x-6", "x^3+3x+6"},
      {"20x + 23y + 26z - 69 = 0", "20x+23y+26z = 70"},
      {"5!", "100"},
      {"(B) 5", "\\text{(C)}"},
      {"[1, 2]", "(1, 2)"},
      {"\\sqrt{x^2}", "x"},
      {"x", "X"},
      {"5 apples", "6"},
      {"(x, y) = (1, 2)", "(2, 1)"},
      {"23", "6"},
      {"12,34", "1234"},
      {"1.234,5", "1234.5"},
      {"\\frac{2\\pi}{3}", "120^\\circ"},
      {"e^{i\\pi}", "1"},
      // empty never equals anything, itself included
      {"", ""},
      {"", "0"},
      {"0", ""},
      {"$ $", "$ $"},
      {"\\text{}", "0"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(math_equal(c.predicted, c.gold)) << c.predicted << "  vs  " << c.gold << "  ["
                                                  << normalize_math(c.predicted) << " | " << normalize_math(c.gold) << "]";
  }
}

TEST(MathEqual, UnorderedListsOnlyWhenAsked) {
  MathOptions unordered;
  unordered.unordered = true;
  const std::vector<PairCase> cases = {
      {"6, -4", "-4, 6"},
      {"-4,6", "6, -4"},
      {"3, 1, 2", "1, 2, 3"},
      {"\\frac12, 3", "3, 0.5"},
      {"x=1, x=2", "2, 1"},
      {"1, 1, 2", "1, 2, 1"},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(math_equal(c.predicted, c.gold, unordered)) << c.predicted << " vs " << c.gold;
  }
  EXPECT_FALSE(math_equal("6, -4", "-4, 6"));
  EXPECT_FALSE(math_equal("1, 1, 2", "1, 2, 2", unordered));
  EXPECT_FALSE(math_equal("1, 2", "1, 2, 3", unordered));
  // Unordered lists, but each tuple inside keeps its order.
  EXPECT_TRUE(math_equal("(1,2), (3,4)", "(3,4), (1,2)", unordered));
  EXPECT_FALSE(math_equal("(1,2), (3,4)", "(2,1), (3,4)", unordered));
}

TEST(MathEqual, RelativeTolerance) {
  MathOptions loose;
  loose.relative_tolerance = 1e-2;
  EXPECT_TRUE(math_equal("3.14", "\\pi", loose));
  EXPECT_FALSE(math_equal("3.14", "\\pi"));
  EXPECT_TRUE(math_equal("0.3333333333", "\\frac13"));
  EXPECT_FALSE(math_equal("0.33", "\\frac13"));
  EXPECT_TRUE(math_equal("1000000.0000001", "1000000"));
}

TEST(MathEqual, IsSymmetricOnTheTables) {
  // Spot check: the comparison does not depend on which side is the gold.
  const std::vector<PairCase> cases = {
      {"0.5", "\\frac{1}{2}"}, {"(3,4]", "(3, 4]"}, {"1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}"},
      {"x=5", "5"},           {"(1,-2,-1)", "\\begin{pmatrix} 1 \\\\ -2 \\\\ -1 \\end{pmatrix}"},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(math_equal(c.predicted, c.gold)) << c.predicted;
    EXPECT_TRUE(math_equal(c.gold, c.predicted)) << c.gold;
  }
}

}  // namespace
}  // namespace maspo::eval
