// extract_choice: option letters, and the many ways they are (not) written.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

struct ChoiceCase {
  std::string answer;
  std::optional<char> letter;
  char last = 'E';
};

TEST(ExtractChoice, Table) {
  const std::optional<char> none;
  const std::vector<ChoiceCase> cases = {
      // the whole answer is a label
      {"C", 'C'},
      {"(C)", 'C'},
      {"[C]", 'C'},
      {"C)", 'C'},
      {"C.", 'C'},
      {"C:", 'C'},
      {" C ", 'C'},
      {"C: 42", 'C'},
      {"C. 42", 'C'},
      {"C) 42", 'C'},
      {"(C) 42", 'C'},
      {"(C) The triangle is isosceles", 'C'},
      {"A", 'A'},
      {"E", 'E'},
      {"A. 12", 'A'},
      {"(A)", 'A'},
      {"\\text{(C)}", 'C'},
      {"\\textbf{C}", 'C'},
      {"\\boxed{C}", 'C'},
      {"\\mathrm{(D)}", 'D'},
      {"$C$", 'C'},
      {"\\(B\\)", 'B'},
      {"**B**", 'B'},
      {"`D`", 'D'},
      // lower case only standing alone
      {"c", 'C'},
      {"(c)", 'C'},
      {"c)", 'C'},
      {"c.", 'C'},
      {"b", 'B'},
      {"c is right", none},
      {"a car", none},
      {"e.g. this one", none},
      // labels in a sentence
      {"Option C", 'C'},
      {"option C is correct", 'C'},
      {"The correct option is D", 'D'},
      {"Choice B", 'B'},
      {"the answer is (C)", 'C'},
      {"The answer is C.", 'C'},
      {"The answer is C because A is wrong", 'C'},
      {"Answer: B", 'B'},
      {"answer: (E)", 'E'},
      {"I pick (B) since it is largest", 'B'},
      {"Therefore [D].", 'D'},
      {"The correct choice is D", 'D'},
      {"So the best option is (A), the 42 one", 'A'},
      {"It must be B", 'B'},
      {"B is correct", 'B'},
      {"We choose C", 'C'},
      // an article is not an option
      {"A car travels 60 km in an hour", none},
      {"A", 'A'},
      {"A triangle has three sides", none},
      {"I think so", none},
      {"I think it is D", 'D'},
      // several letters: no answer
      {"C or D", none},
      {"(A) and (B)", none},
      {"Options A and C are both right", none},
      {"A, B", none},
      {"either B or C", none},
      // letters outside the option range
      {"F", none},
      {"(F)", none},
      {"Option G", none},
      {"E", none, 'D'},
      {"D", 'D', 'D'},
      {"(E)", none, 'D'},
      {"J", 'J', 'J'},
      // nothing that names an option
      {"", none},
      {"42", none},
      {"\\frac{1}{2}", none},
      {"Cat", none},
      {"ABC", none},
      {"The value is 12 cm", none},
      {"x = 5", none},
      {"The triangle ABC", none},
      {"C.D. player", none},
      {"Vitamin-C", none},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(extract_choice(c.answer, c.last), c.letter) << "answer: \"" << c.answer << "\" last " << c.last;
  }
}

}  // namespace
}  // namespace maspo::eval
