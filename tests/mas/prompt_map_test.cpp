// Prompt maps: partial maps keep seed prompts; unknown agents, non-strings and bad templates are
// InputErrors naming the file, the line and the agent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"

namespace maspo::mas {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kFixtures = std::filesystem::path(MASPO_SOURCE_DIR) / "tests" / "fixtures" / "mas";

std::string error_of(const std::string& json_text, const System& s) {
  try {
    parse_prompt_map(json_text, "p.json", s);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << json_text;
  return "";
}

TEST(PromptMap, PartialMapKeepsSeeds) {
  System s = builtin_system("sequential", TaskType::math);
  PromptMap p = load_prompt_map(kFixtures / "prompts_sequential.json", s);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p.at("predictor_1"), "Solve carefully.\n{context}\nQuestion: {question}");
  EXPECT_EQ(p.at("reflector_2"), "Review: {context}\nQuestion: {question}\nAnswer in <answer></answer>.");
  EXPECT_EQ(p.at("reflector_1"), s.agent("reflector_1").prompt);
  EXPECT_EQ(p.at("predictor_2"), s.agent("predictor_2").prompt);
}

TEST(PromptMap, UnknownAgentNamesFileLineAndAgent) {
  System s = builtin_system("sequential", TaskType::math);
  auto path = kFixtures / "prompts_unknown_agent.json";
  try {
    load_prompt_map(path, s);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr(path.string() + ":3: agent `predicter_2`: not an agent of system `sequential:2` (agents: "
                                          "predictor_1, reflector_1, predictor_2, reflector_2)"));
  }
}

TEST(PromptMap, Errors) {
  System s = builtin_system("sequential", TaskType::math);
  EXPECT_THAT(error_of("{\n  \"predictor_1\": 42\n}", s),
              HasSubstr("p.json:2: agent `predictor_1`: expected the template as a string, got number"));
  EXPECT_THAT(error_of("{\"reflector_1\": \"{question} only\"}", s),
              HasSubstr("p.json:1: agent `reflector_1`: prompt has no {context} placeholder"));
  EXPECT_THAT(error_of("{\"reflector_1\": \"{context} no question\"}", s),
              HasSubstr("agent `reflector_1`: prompt has no {question} placeholder"));
  EXPECT_THAT(error_of("{\n\n\"reflector_1\": \"{question} {context} {answer}\"}", s),
              HasSubstr("p.json:3: agent `reflector_1`: prompt: unknown placeholder `{answer}` at column 22"));
  EXPECT_THAT(error_of("{\"reflector_1\": \"\"}", s), HasSubstr("agent `reflector_1`: prompt is empty"));
  EXPECT_THAT(error_of("[\"a\"]", s), HasSubstr("p.json:1: expected a JSON object"));
  EXPECT_THAT(error_of("{\n\"a\": \n", s), HasSubstr("p.json:3: invalid JSON"));
  EXPECT_THAT(error_of("{\"predictor_1\": \"caf\xe9 {question}\"}", s), HasSubstr("p.json:1: invalid JSON"));
}

TEST(PromptMap, VoteAgentTakesNoPrompt) {
  System s = builtin_system("vote", TaskType::math);
  EXPECT_THAT(error_of("{\"vote\": \"{question} {context}\"}", s), HasSubstr("agent `vote`: is a vote agent"));
  EXPECT_EQ(parse_prompt_map("{}", "p.json", s), s.seed_prompts());
}

TEST(PromptMap, Validate) {
  System s = builtin_system("hierarchical", TaskType::math);
  PromptMap ok = s.seed_prompts();
  ok["math_agent"] = "Math: {question}";
  EXPECT_NO_THROW(validate_prompt_map(ok, s, "optimizer"));
  PromptMap bad = ok;
  bad["summarizer"] = "{question}";
  try {
    validate_prompt_map(bad, s, "optimizer");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("optimizer: agent `summarizer`: prompt has no {context}"));
  }
  PromptMap unknown = {{"ghost", "{question}"}};
  EXPECT_THROW(validate_prompt_map(unknown, s, "x"), InputError);
}

TEST(PromptMap, MissingFile) {
  System s = builtin_system("sequential", TaskType::math);
  EXPECT_THROW(load_prompt_map(kFixtures / "no-such.json", s), InputError);
}

}  // namespace
}  // namespace maspo::mas
