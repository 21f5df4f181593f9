// The template engine: Python str.format brace rules with exactly {question} and {context}.
// Table-driven: each row is a template and what Python would make of it under our restriction.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/mas.hpp"

namespace maspo::mas {
namespace {

struct Good {
  std::string tmpl;
  std::string expected;   // formatted with question "Q" and context "C"
  bool question;
  bool context;
};

class GoodTemplate : public ::testing::TestWithParam<Good> {};

TEST_P(GoodTemplate, FormatsLikePython) {
  const Good& g = GetParam();
  EXPECT_EQ(format_template(g.tmpl, "Q", "C"), g.expected) << g.tmpl;
  Placeholders p = check_template(g.tmpl);
  EXPECT_EQ(p.question, g.question) << g.tmpl;
  EXPECT_EQ(p.context, g.context) << g.tmpl;
}

INSTANTIATE_TEST_SUITE_P(
    Templates, GoodTemplate,
    ::testing::Values(
        Good{"", "", false, false},
        Good{"plain text", "plain text", false, false},
        Good{"{question}", "Q", true, false},
        Good{"{context}", "C", false, true},
        Good{"{question}{context}", "QC", true, true},
        Good{"Q: {question}\nC: {context}", "Q: Q\nC: C", true, true},
        Good{"{question} and {question}", "Q and Q", true, false},
        Good{"{{", "{", false, false},
        Good{"}}", "}", false, false},
        Good{"{{}}", "{}", false, false},
        Good{"{{question}}", "{question}", false, false},
        Good{"{{{question}}}", "{Q}", true, false},
        Good{"a {{b}} c", "a {b} c", false, false},
        Good{"\\frac{{1}}{{2}}", "\\frac{1}{2}", false, false},
        Good{"{{\"json\": 1}} {question}", "{\"json\": 1} Q", true, false},
        Good{"}}{{", "}{", false, false},
        Good{"{{{{", "{{", false, false},
        Good{"x{question}y{context}z", "xQyCz", true, true},
        Good{"<answer></answer> {question}", "<answer></answer> Q", true, false},
        Good{"é {question} ü", "é Q ü", true, false},
        Good{"```python\ndef f(): pass\n```\n{question}", "```python\ndef f(): pass\n```\nQ", true, false}));

struct Bad {
  std::string tmpl;
  std::string fragment;   // must appear in what()
};

class BadTemplate : public ::testing::TestWithParam<Bad> {};

TEST_P(BadTemplate, IsRejectedWithAReason) {
  const Bad& b = GetParam();
  try {
    check_template(b.tmpl);
    FAIL() << "accepted: " << b.tmpl;
  } catch (const TemplateError& e) {
    EXPECT_NE(std::string(e.what()).find(b.fragment), std::string::npos) << b.tmpl << " -> " << e.what();
  }
  EXPECT_THROW(format_template(b.tmpl, "Q", "C"), TemplateError) << b.tmpl;
}

INSTANTIATE_TEST_SUITE_P(
    Templates, BadTemplate,
    ::testing::Values(
        Bad{"{", "stray `{` with no closing `}` at column 1"},
        Bad{"}", "stray `}` at column 1"},
        Bad{"abc }", "stray `}` at column 5"},
        Bad{"abc {", "column 5"},
        Bad{"{question}}", "stray `}` at column 11"},
        Bad{"{{question}", "stray `}` at column 11"},
        Bad{"{question", "stray `{` with no closing `}`"},
        Bad{"{other}", "unknown placeholder `{other}` at column 1: only {question} and {context} are allowed"},
        Bad{"{Question}", "unknown placeholder `{Question}`"},
        Bad{"{ question }", "unknown placeholder `{ question }`"},
        Bad{"{questions}", "unknown placeholder"},
        Bad{"{0}", "positional placeholder `{0}`"},
        Bad{"{12}", "positional placeholder `{12}`"},
        Bad{"{}", "positional placeholder `{}`"},
        Bad{"{question!r}", "has a conversion"},
        Bad{"{context!s}", "has a conversion"},
        Bad{"{question:>10}", "has a format spec"},
        Bad{"{question:}", "has a format spec"},
        Bad{"{question.upper}", "has an attribute or index"},
        Bad{"{question[0]}", "has an attribute or index"},
        Bad{"{ques{tion}", "stray `{`"},
        Bad{"{question:{context}}", "stray `{`"},
        Bad{"\\frac{1}{2} {question}", "positional placeholder `{1}` at column 6"},
        Bad{"{\"a\": 1} {question}", "unknown placeholder"},
        Bad{"line one\nline {two}", "at line 2, column 6"},
        Bad{"é}", "column 2"},
        Bad{"{question} {x}", "column 12"},
        Bad{"ok {question} then }", "column 20"}));

TEST(Template, ErrorsSuggestDoublingBraces) {
  try {
    check_template("a { b");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_NE(std::string(e.what()).find("`{{`"), std::string::npos) << e.what();
  }
}

TEST(Template, LongUnknownFieldIsShortenedInTheMessage) {
  std::string field(200, 'x');
  try {
    check_template("{" + field + "}");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u) << e.what();
  }
}

TEST(Template, SubstitutedTextIsNotScannedAgain) {
  // Braces inside the question or context are data, never placeholders.
  EXPECT_EQ(format_template("{question}|{context}", "{context}", "}{"), "{context}|}{");
}

TEST(Template, EmptyValues) {
  EXPECT_EQ(format_template("[{question}][{context}]", "", ""), "[][]");
}

}  // namespace
}  // namespace maspo::mas
