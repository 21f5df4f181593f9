// sanitize_proposal: every rule of MASPO.md §5 (extraction, brace runs, placeholders, escaping,
// appended question/context, duplicates), adversarial replies, and the invariant that whatever it
// accepts is a valid template with the right placeholders.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "maspo/mas.hpp"
#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

const std::string kRoot = "Solve the problem step by step.\n\nQuestion: {question}\n";
const std::string kWithContext = "Review the solution.\n\nSolution: {context}\n\nQuestion: {question}\n";

struct Case {
  std::string name;
  std::string reply;
  std::string parent;
  std::optional<std::string> prompt;  // nullopt: rejected
  std::string reason;                 // a substring of Sanitized::reason ("" = don't care)
};

// The invariant every accepted prompt keeps.
void expect_valid(const std::string& prompt, const std::string& parent) {
  mas::Placeholders p{};
  ASSERT_NO_THROW(p = mas::check_template(prompt)) << prompt;
  EXPECT_TRUE(p.question) << prompt;
  bool parent_context = mas::check_template(parent).context;
  EXPECT_EQ(p.context, parent_context) << prompt;
}

std::vector<Case> cases() {
  const std::string Q = "\n\nQuestion: {question}";
  const std::string C = "\n\nContext: {context}";
  return {
      // ---- extraction
      {"basic", "<prompt>New {question}</prompt>", kRoot, "New {question}", ""},
      {"trimmed", "<prompt>\n   New {question}  \n\n</prompt>", kRoot, "New {question}", ""},
      {"inner whitespace kept", "<prompt>Line 1\n\n  Line 2 {question}</prompt>", kRoot,
       "Line 1\n\n  Line 2 {question}", ""},
      {"full format", "<analyse>It rambles.</analyse>\n<modification>Be brief.</modification>\n<prompt>Be brief. {question}</prompt>",
       kRoot, "Be brief. {question}", ""},
      {"last pair wins", "<analyse>format: <prompt>Old {question}</prompt></analyse><prompt>New {question}</prompt>", kRoot,
       "New {question}", ""},
      {"three pairs", "<prompt>1 {question}</prompt><prompt>2 {question}</prompt><prompt>3 {question}</prompt>", kRoot,
       "3 {question}", ""},
      {"tags any case", "<PROMPT>X {question}</Prompt>", kRoot, "X {question}", ""},
      {"no tag", "Here is a better prompt: Solve {question}", kRoot, std::nullopt, "no <prompt> tag"},
      {"empty reply", "", kRoot, std::nullopt, "no <prompt> tag"},
      {"other tags only", "<analyse>x</analyse><modification>y</modification>", kRoot, std::nullopt, "no <prompt> tag"},
      {"misspelt tag", "<promt>X {question}</promt>", kRoot, std::nullopt, "no <prompt> tag"},
      {"unclosed", "<prompt>X {question}", kRoot, std::nullopt, "never closed"},
      {"cut off after a pair", "<prompt>A {question}</prompt> and the final: <prompt>B {quest", kRoot, std::nullopt,
       "never closed"},
      {"nested keeps inner", "<prompt>outer <prompt>inner {question}</prompt> tail</prompt>", kRoot, "inner {question}", ""},
      {"stray close before", "</prompt><prompt>X {question}</prompt>", kRoot, "X {question}", ""},
      {"stray close after", "<prompt>X {question}</prompt></prompt>", kRoot, "X {question}", ""},
      {"close only", "</prompt>", kRoot, std::nullopt, "no <prompt> tag"},
      {"empty tag", "<prompt></prompt>", kRoot, std::nullopt, "empty"},
      {"whitespace tag", "<prompt> \n\t \r\n</prompt>", kRoot, std::nullopt, "empty"},
      {"other tags inside", "<prompt>Use <answer></answer> tags. {question}</prompt>", kRoot,
       "Use <answer></answer> tags. {question}", ""},
      {"unicode kept", "<prompt>Résous — 数学 ✓ {question}</prompt>", kRoot, "Résous — 数学 ✓ {question}", ""},
      {"invalid utf8", "<prompt>bad \xff\xfe byte {question}</prompt>", kRoot, std::nullopt, "UTF-8"},
      {"truncated utf8", "<prompt>cut \xe6\x95 {question}</prompt>", kRoot, std::nullopt, "UTF-8"},
      {"overlong utf8", "<prompt>\xc0\xaf {question}</prompt>", kRoot, std::nullopt, "UTF-8"},
      {"surrogate utf8", "<prompt>\xed\xa0\x80 {question}</prompt>", kRoot, std::nullopt, "UTF-8"},
      {"invalid utf8 outside is fine", "<analyse>\xff\xff</analyse><prompt>ok {question}</prompt>", kRoot,
       "ok {question}", ""},
      {"nul byte", std::string("<prompt>a\0b {question}</prompt>", sizeof("<prompt>a\0b {question}</prompt>") - 1),
       kRoot, std::nullopt, "NUL"},

      // ---- brace runs
      {"triple braces", "<prompt>Solve {{{question}}}</prompt>", kRoot, "Solve {question}", "collapsed"},
      {"double braces", "<prompt>Solve {{question}}</prompt>", kRoot, "Solve {question}", "collapsed"},
      {"uneven run", "<prompt>Solve {{{{question}}</prompt>", kRoot, "Solve {question}", "collapsed"},
      {"double context", "<prompt>Sol: {{context}} Q: {{question}}</prompt>", kWithContext, "Sol: {context} Q: {question}",
       "collapsed"},
      {"escaped json from parent", "<prompt>Reply {{\"k\": 1}} {question}</prompt>", kRoot,
       "Reply {{\"k\": 1}} {question}", "collapsed"},
      {"escaped name from parent is refused", "<prompt>Keep {{name}} {question}</prompt>", kRoot, std::nullopt, "{name}"},

      // ---- placeholders
      {"unknown name", "<prompt>Solve {problem}</prompt>", kRoot, std::nullopt, "{problem}"},
      {"capitalized", "<prompt>Solve {Question}</prompt>", kRoot, std::nullopt, "{Question}"},
      {"unknown with question", "<prompt>{input} and {question}</prompt>", kRoot, std::nullopt, "{input}"},
      {"positional digit", "<prompt>Solve {0}</prompt>", kRoot, std::nullopt, "{0}"},
      {"positional digits", "<prompt>Solve {12} {question}</prompt>", kRoot, std::nullopt, "{12}"},
      {"positional empty", "<prompt>Solve {} {question}</prompt>", kRoot, std::nullopt, "{}"},
      {"positional spec", "<prompt>{0:.2f} {question}</prompt>", kRoot, std::nullopt, "{0:.2f}"},
      {"conversion", "<prompt>Solve {question!r}</prompt>", kRoot, std::nullopt, "{question!r}"},
      {"format spec", "<prompt>{context:>10} {question}</prompt>", kWithContext, std::nullopt, "{context:>10}"},
      {"attribute", "<prompt>{question.upper} x</prompt>", kRoot, std::nullopt, "{question.upper}"},
      {"index", "<prompt>{question[0]} x</prompt>", kRoot, std::nullopt, "{question[0]}"},
      {"empty spec", "<prompt>{question:}</prompt>", kRoot, std::nullopt, "{question:}"},
      {"spaced placeholder fixed", "<prompt>Solve { question }</prompt>", kRoot, "Solve {question}", "spaces"},
      {"newline in placeholder fixed", "<prompt>Solve {\nquestion\n}</prompt>", kRoot, "Solve {question}", "spaces"},
      {"long name shortened", "<prompt>{" + std::string(100, 'x') + "}</prompt>", kRoot, std::nullopt, "...}"},

      // ---- literal braces
      {"json literal", "<prompt>Reply as {\"answer\": 1} {question}</prompt>", kRoot,
       "Reply as {{\"answer\": 1}} {question}", "escaped 2"},
      {"dict literal", "<prompt>e.g. d = {x: 1} {question}</prompt>", kRoot, "e.g. d = {{x: 1}} {question}", "escaped"},
      {"index literal", "<prompt>use {row[0]} {question}</prompt>", kRoot, "use {{row[0]}} {question}", "escaped"},
      {"set literal", "<prompt>S = {1, 2, 3}. {question}</prompt>", kRoot, "S = {{1, 2, 3}}. {question}", "escaped"},
      {"lone open", "<prompt>a { b {question}</prompt>", kRoot, "a {{ b {question}", "escaped 1"},
      {"lone close", "<prompt>a } b {question}</prompt>", kRoot, "a }} b {question}", "escaped 1"},
      {"reversed pair", "<prompt>}{ {question}</prompt>", kRoot, "}}{{ {question}", "escaped 2"},
      {"open at end", "<prompt>{question} {</prompt>", kRoot, "{question} {{", "escaped 1"},
      {"close at start", "<prompt>} {question}</prompt>", kRoot, "}} {question}", "escaped 1"},
      {"open before placeholder", "<prompt>{ {question}</prompt>", kRoot, "{{ {question}", ""},
      {"nested braces", "<prompt>{a{question}b} x</prompt>", kRoot, "{{a{question}b}} x", ""},
      {"code block braces", "<prompt>```python\nd = {'k': [1, 2]}\n```\n{question}</prompt>", kRoot,
       "```python\nd = {{'k': [1, 2]}}\n```\n{question}", ""},

      // ---- LaTeX arguments are literal
      {"boxed empty", "<prompt>Answer in \\boxed{} . {question}</prompt>", kRoot, "Answer in \\boxed{{}} . {question}", ""},
      {"boxed name", "<prompt>Write \\boxed{answer}. {question}</prompt>", kRoot, "Write \\boxed{{answer}}. {question}", ""},
      {"frac chain", "<prompt>Use \\frac{a}{b}. {question}</prompt>", kRoot, "Use \\frac{{a}}{{b}}. {question}", ""},
      {"superscript", "<prompt>x^{2} and a_{n}. {question}</prompt>", kRoot, "x^{{2}} and a_{{n}}. {question}", ""},
      {"text command", "<prompt>\\text{cm} {question}</prompt>", kRoot, "\\text{{cm}} {question}", ""},
      {"latex question stays placeholder", "<prompt>\\boxed{question}</prompt>", kRoot, "\\boxed{question}", ""},
      {"chain broken by space", "<prompt>\\frac{a} {b} {question}</prompt>", kRoot, std::nullopt, "{b}"},
      {"backslash alone is not latex", "<prompt>\\{x} {question}</prompt>", kRoot, std::nullopt, "{x}"},

      // ---- question
      {"question appended", "<prompt>Solve carefully.</prompt>", kRoot, "Solve carefully." + Q, "appended \"Question"},
      {"question appended after trim", "<prompt>Solve.\n\n</prompt>", kRoot, "Solve." + Q, "appended"},
      {"question twice", "<prompt>{question} again {question}</prompt>", kRoot, std::nullopt, "appears 2 times"},
      {"question thrice", "<prompt>{question}{question}{{question}}</prompt>", kRoot, std::nullopt, "appears 3 times"},
      {"question twice via collapse", "<prompt>{question} {{question}}</prompt>", kRoot, std::nullopt, "2 times"},
      {"only placeholder", "<prompt>{question}</prompt>", kRoot, "{question}", ""},

      // ---- context
      {"context kept", "<prompt>Check {context}. Solve {question}</prompt>", kWithContext,
       "Check {context}. Solve {question}", ""},
      {"context appended", "<prompt>Solve {question}</prompt>", kWithContext, "Solve {question}" + C,
       "appended \"Context"},
      {"both appended, context first", "<prompt>Review and answer.</prompt>", kWithContext, "Review and answer." + C + Q,
       ""},
      {"context twice", "<prompt>{context} {context} {question}</prompt>", kWithContext, std::nullopt,
       "{context} appears 2 times"},
      {"context in root", "<prompt>Notes: {context}\n{question}</prompt>", kRoot, std::nullopt, "receives no context"},
      {"spaced context in root", "<prompt>{ context } {question}</prompt>", kRoot, std::nullopt, "receives no context"},
      {"context order free", "<prompt>{question} then {context}</prompt>", kWithContext, "{question} then {context}", ""},
  };
}

TEST(SanitizeProposal, Table) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    Sanitized s = sanitize_proposal(c.reply, c.parent);
    if (c.prompt) {
      ASSERT_TRUE(s.prompt.has_value()) << "rejected: " << s.reason;
      EXPECT_EQ(*s.prompt, *c.prompt);
      expect_valid(*s.prompt, c.parent);
    } else {
      EXPECT_FALSE(s.prompt.has_value()) << "accepted: " << s.prompt.value_or("");
      EXPECT_FALSE(s.reason.empty());
    }
    if (!c.reason.empty()) {
      EXPECT_NE(s.reason.find(c.reason), std::string::npos) << "reason: " << s.reason;
    }
  }
}

TEST(SanitizeProposal, NothingFixedMeansEmptyReason) {
  Sanitized s = sanitize_proposal("<prompt>Solve {question}</prompt>", kRoot);
  ASSERT_TRUE(s.prompt);
  EXPECT_EQ(s.reason, "");
}

TEST(SanitizeProposal, ResultFormatsToTheLiteralText) {
  Sanitized s = sanitize_proposal("<prompt>JSON {\"a\": 1} and \\frac{x}{y}; {{question}} } {</prompt>", kRoot);
  ASSERT_TRUE(s.prompt) << s.reason;
  EXPECT_EQ(mas::format_template(*s.prompt, "Q?", ""), "JSON {\"a\": 1} and \\frac{x}{y}; Q? } {");
}

TEST(SanitizeProposal, CollapsingCostsNestedLiteralBraces) {
  // The price of rule 2 (runs collapse): a nested literal loses a brace. Still a valid template.
  Sanitized s = sanitize_proposal("<prompt>{\"a\": {\"b\": 1}} {question}</prompt>", kRoot);
  ASSERT_TRUE(s.prompt) << s.reason;
  EXPECT_EQ(mas::format_template(*s.prompt, "Q", ""), "{\"a\": {\"b\": 1} Q");
}

TEST(SanitizeProposal, ParentWithLiteralBracesRoundTrips) {
  // A parent with escaped braces shown to the optimizer and copied back unchanged comes out equal.
  const std::string parent = "Reply as JSON {{\"answer\": \"...\"}}.\n\nQuestion: {question}\n";
  Sanitized s = sanitize_proposal("<prompt>" + parent + "</prompt>", parent);
  ASSERT_TRUE(s.prompt) << s.reason;
  EXPECT_EQ(*s.prompt, "Reply as JSON {{\"answer\": \"...\"}}.\n\nQuestion: {question}");
}

TEST(SanitizeProposal, HugeRepliesAreFast) {
  auto start = std::chrono::steady_clock::now();
  std::string analysis(1 << 20, 'x');
  Sanitized a = sanitize_proposal("<analyse>" + analysis + "</analyse><prompt>ok {question}</prompt>", kRoot);
  EXPECT_EQ(a.prompt, "ok {question}");

  std::string opens;  // a megabyte of "{a" with no closing brace: every `{` is literal
  for (int i = 0; i < (1 << 19); ++i) opens += "{a";
  Sanitized b = sanitize_proposal("<prompt>" + opens + "</prompt>", kRoot);
  ASSERT_TRUE(b.prompt) << b.reason;
  expect_valid(*b.prompt, kRoot);

  std::string tags;  // a megabyte of tags
  for (int i = 0; i < (1 << 16); ++i) tags += "<prompt></prompt>";
  Sanitized c = sanitize_proposal(tags, kRoot);
  EXPECT_FALSE(c.prompt);

  std::string big_prompt(1 << 20, 'y');
  Sanitized d = sanitize_proposal("<prompt>" + big_prompt + "{question}</prompt>", kRoot);
  ASSERT_TRUE(d.prompt);
  EXPECT_EQ(d.prompt->size(), big_prompt.size() + 10);

  auto elapsed = std::chrono::steady_clock::now() - start;
  // Linear work is milliseconds; a quadratic scan of a megabyte would take hours. The bound
  // holds under ASan on a loaded machine.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 30);
}

// Random replies built from the pieces that matter: whatever is accepted must be a valid
// template with {question} once and {context} exactly when the parent has it.
TEST(SanitizeProposal, AcceptedIsAlwaysAValidTemplate) {
  const std::vector<std::string> pieces = {
      "{", "}", "{{", "}}", "{question}", "{context}", "question", "context", "<prompt>", "</prompt>", "<PROMPT>",
      "a", " ", "\n", "\\frac", "\\", "^", "_", "0", "!r", ":", ".", "[", "]", "é", "数", "\xff", "\x80", "x",
      "{ question }", "{name}", "\"k\": 1", "<answer>", "Question: "};
  std::mt19937_64 rng(2024);
  int accepted = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string reply;
    if (rng() % 2 == 0) reply += "<prompt>";
    std::size_t len = rng() % 24;
    for (std::size_t i = 0; i < len; ++i) reply += pieces[rng() % pieces.size()];
    if (rng() % 3 != 0) reply += "</prompt>";
    for (const std::string* parent : {&kRoot, &kWithContext}) {
      Sanitized s = sanitize_proposal(reply, *parent);
      if (!s.prompt) {
        EXPECT_FALSE(s.reason.empty()) << reply;
        continue;
      }
      ++accepted;
      mas::Placeholders p{};
      ASSERT_NO_THROW(p = mas::check_template(*s.prompt)) << "reply: " << reply << "\nprompt: " << *s.prompt;
      EXPECT_TRUE(p.question);
      EXPECT_EQ(p.context, parent == &kWithContext) << "reply: " << reply;
      // Exactly once: formatting with a marker question shows it once.
      std::string shown = mas::format_template(*s.prompt, "\x01Q\x01", "\x01C\x01");
      EXPECT_EQ(shown.find("\x01Q\x01"), shown.rfind("\x01Q\x01")) << *s.prompt;
      EXPECT_EQ(shown.find("\x01C\x01"), shown.rfind("\x01C\x01")) << *s.prompt;
    }
  }
  EXPECT_GT(accepted, 1000);  // the generator does reach the accepting paths
}

}  // namespace
}  // namespace maspo::opt
