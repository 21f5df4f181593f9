// The scripted test double: rules files (first match wins, substitutions, finish_reason), their
// errors (file and line), and requests no rule matches.
#include "llm/scripted_backend.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "maspo/util.hpp"
#include "support/temp_dir.hpp"

namespace maspo::llm {
namespace {

namespace fs = std::filesystem;

struct TempDir : maspo::testing::TempDir {
  TempDir() : maspo::testing::TempDir("maspo-scripted-test") {}
};

struct Outcome {
  Reply reply;
  std::exception_ptr error;
  int calls = 0;
};

Outcome run(Backend& backend, Request request) {
  Outcome out;
  backend.submit(std::move(request), [&](Reply r, std::exception_ptr e) {
    ++out.calls;
    out.reply = std::move(r);
    out.error = e;
  });
  return out;
}

Request conversation(std::vector<Message> messages, std::string model = "") {
  Request r;
  r.messages = std::move(messages);
  r.model = std::move(model);
  return r;
}

constexpr const char* kRules = R"(# rules for the tests
rules:
  - match: "capital of France"
    reply: "<answer>Paris</answer>"
  - match: "France"
    reply: "about France"
  - match: "^echo"
    reply: "sys={system} user={last_user} model={model} again={model}"
    finish_reason: length
  - match: "(?s).*"
    reply: "fallback"
)";

TEST(ScriptedRules, FirstMatchingRuleWins) {
  TempDir dir;
  auto backend = ScriptedBackend::from_rules_file(dir.write("rules.yaml", kRules));
  auto paris = run(*backend, conversation({{"user", "What is the capital of France?"}}));
  ASSERT_FALSE(paris.error);
  EXPECT_EQ(paris.calls, 1);
  EXPECT_EQ(paris.reply.text, "<answer>Paris</answer>");
  EXPECT_EQ(paris.reply.finish_reason, "stop");
  EXPECT_EQ(run(*backend, conversation({{"user", "France, capital of"}})).reply.text, "about France");
  EXPECT_EQ(run(*backend, conversation({{"user", "anything\nelse"}})).reply.text, "fallback");
}

TEST(ScriptedRules, MatchesTheLastUserMessageAndSubstitutes) {
  TempDir dir;
  auto backend = ScriptedBackend::from_rules_file(dir.write("rules.yaml", kRules));
  auto out = run(*backend, conversation({{"system", "Be brief."},
                                         {"user", "capital of France?"},
                                         {"assistant", "Paris"},
                                         {"user", "echo {system} please"}},
                                        "m1"));
  ASSERT_FALSE(out.error);
  // The request's own text is inserted as is: its "{system}" is not substituted again.
  EXPECT_EQ(out.reply.text, "sys=Be brief. user=echo {system} please model=m1 again=m1");
  EXPECT_EQ(out.reply.finish_reason, "length");
  EXPECT_EQ(out.reply.model, "m1");
  // Usage is the whitespace word count: 2 + 3 + 1 + 3 prompt words, 7 reply words.
  EXPECT_EQ(out.reply.usage, (Usage{9, 7}));
}

TEST(ScriptedRules, ModelDefaultsToScriptedAndDescribeSaysTestDouble) {
  TempDir dir;
  auto path = dir.write("rules.yaml", kRules);
  auto backend = ScriptedBackend::from_rules_file(path);
  EXPECT_EQ(run(*backend, conversation({{"user", "x"}})).reply.model, "scripted");
  EXPECT_NE(backend->describe().find("scripted (test double)"), std::string::npos);
  EXPECT_NE(backend->describe().find(path), std::string::npos);
}

TEST(ScriptedRules, AnUnmatchedRequestFailsNamingTheRulesFile) {
  TempDir dir;
  auto path = dir.write("rules.yaml", "rules:\n  - match: \"^yes$\"\n    reply: ok\n");
  auto backend = ScriptedBackend::from_rules_file(path);
  auto out = run(*backend, conversation({{"user", "no"}}));
  EXPECT_EQ(out.calls, 1);
  ASSERT_TRUE(out.error);
  try {
    std::rethrow_exception(out.error);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_reply);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

struct BadFile {
  const char* name;
  const char* text;
  int line;          // expected in the message as "FILE:LINE:"
  const char* also;  // expected somewhere in the message
};

TEST(ScriptedRules, MalformedFilesAreInputErrorsNamingFileAndLine) {
  TempDir dir;
  const BadFile cases[] = {
      {"invalid-yaml", "rules:\n  - match: \"a\"\n    reply: [unclosed\n", 4, "invalid YAML"},
      {"no-rules", "# comment\nother: 1\n", 2, "rules"},
      {"rules-not-a-list", "rules: yes\n", 1, "rules"},
      {"rule-not-a-map", "rules:\n  - match: a\n    reply: b\n  - just a string\n", 4, "map"},
      {"unknown-key", "rules:\n  - match: a\n    reply: b\n    colour: red\n", 4, "colour"},
      {"missing-reply", "rules:\n  - match: a\n", 2, "reply"},
      {"missing-match", "rules:\n\n  - reply: a\n", 3, "match"},
      {"bad-regex", "rules:\n  - match: \"(unclosed\"\n    reply: b\n", 2, "invalid regex"},
      {"match-not-text", "rules:\n  - match: [a, b]\n    reply: b\n", 2, "expected text"},
      {"reply-not-text", "rules:\n  - match: a\n    reply:\n      nested: map\n", 4, "expected text"},
  };
  for (const auto& c : cases) {
    auto path = dir.write(std::string(c.name) + ".yaml", c.text);
    try {
      ScriptedBackend::from_rules_file(path);
      ADD_FAILURE() << c.name << ": no error";
    } catch (const InputError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(path + ":" + std::to_string(c.line) + ":"), std::string::npos) << c.name << ": " << what;
      EXPECT_NE(what.find(c.also), std::string::npos) << c.name << ": " << what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": not an InputError: " << e.what();
    }
  }
}

// The bad pattern is reported once, as maspo's InputError: RE2 must not log its own line too.
TEST(ScriptedRules, BadRegexLeavesStderrToTheCaller) {
  TempDir dir;
  auto path = dir.write("bad.yaml", "rules:\n  - match: \"(unclosed\"\n    reply: b\n");
  ::testing::internal::CaptureStderr();
  EXPECT_THROW(ScriptedBackend::from_rules_file(path), InputError);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(ScriptedRules, ControlCharacterIsAnInputErrorNamingTheLine) {
  TempDir dir;
  std::string text = "rules:\n  - match: a\n    reply: b";
  text += '\0';
  text += "c\n";
  auto path = dir.write("nul.yaml", text);
  try {
    ScriptedBackend::from_rules_file(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":3: contains a control character (byte 0x00, NUL)"), std::string::npos)
        << e.what();
  }
}

TEST(ScriptedRules, MissingFileIsAnInputErrorNamingIt) {
  try {
    ScriptedBackend::from_rules_file("/nonexistent/maspo/rules.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/maspo/rules.yaml"), std::string::npos) << e.what();
  }
}

TEST(ScriptedCallback, FillsDefaultsAndDeliversExceptionsOnce) {
  ScriptedBackend backend([](const Request& r) {
    if (r.messages.back().content == "boom") throw Error(ErrorKind::transport, "scripted failure");
    Reply reply;
    reply.text = "a b c";
    return reply;
  });
  EXPECT_EQ(backend.describe(), "scripted (test double): callback");
  auto ok = run(backend, conversation({{"user", "one two"}}, "m"));
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(ok.reply.finish_reason, "stop");
  EXPECT_EQ(ok.reply.usage, (Usage{2, 3}));
  auto failed = run(backend, conversation({{"user", "boom"}}));
  EXPECT_EQ(failed.calls, 1);
  EXPECT_TRUE(failed.error);
  EXPECT_EQ(ScriptedBackend::count_tokens("  a\tb\n\nc  "), 3);
  EXPECT_EQ(ScriptedBackend::count_tokens(""), 0);
}

}  // namespace
}  // namespace maspo::llm
