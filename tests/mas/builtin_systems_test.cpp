// Built-in topologies (edges, sink, levels, n bounds) and the seed templates they use.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"

namespace maspo::mas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Edges = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> ids(const System& s) {
  std::vector<std::string> out;
  for (const auto& a : s.agents()) out.push_back(a.id);
  return out;
}

std::string error_of(std::string_view spec) {
  try {
    builtin_system(spec, TaskType::math);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << spec;
  return "";
}

TEST(Builtin, SequentialDefaultIsThePapersFourAgents) {
  System s = builtin_system("sequential", TaskType::math);
  EXPECT_EQ(s.name(), "sequential:2");
  EXPECT_THAT(ids(s), ElementsAre("predictor_1", "reflector_1", "predictor_2", "reflector_2"));
  EXPECT_EQ(s.edges(), (Edges{{"predictor_1", "reflector_1"}, {"reflector_1", "predictor_2"}, {"predictor_2", "reflector_2"}}));
  EXPECT_EQ(s.sink(), "reflector_2");
  EXPECT_EQ(s.levels().size(), 4u);
  EXPECT_EQ(s.context_mode(), ContextMode::summary);
  EXPECT_EQ(s.agent("predictor_2").type, "Predictor");
  EXPECT_EQ(s.agent("reflector_1").type, "Reflector");
  EXPECT_EQ(s.agent("predictor_1").prompt, seed_template("Predictor", TaskType::math));
  EXPECT_EQ(s.agent("reflector_2").prompt, seed_template("Reflector", TaskType::math));
  EXPECT_FALSE(s.agent("predictor_1").role.empty());
  EXPECT_EQ(s.agent("predictor_1").temperature, 0.0);
  EXPECT_EQ(s.agent("predictor_1").max_tokens, 4096);
  EXPECT_EQ(s.agent("predictor_1").line, 0);
}

TEST(Builtin, SequentialN) {
  EXPECT_EQ(builtin_system("sequential:1", TaskType::math).agents().size(), 2u);
  System s = builtin_system("sequential:16", TaskType::code, ContextMode::raw);
  EXPECT_EQ(s.agents().size(), 32u);
  EXPECT_EQ(s.sink(), "reflector_16");
  EXPECT_EQ(s.context_mode(), ContextMode::raw);
  EXPECT_EQ(s.agent("predictor_9").prompt, seed_template("Predictor", TaskType::code));
}

TEST(Builtin, Hierarchical) {
  System s = builtin_system("hierarchical", TaskType::reasoning_choice);
  EXPECT_THAT(ids(s), ElementsAre("math_agent", "science_agent", "code_agent", "summarizer"));
  EXPECT_EQ(s.sink(), "summarizer");
  auto levels = s.levels();
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_THAT(levels[0], ElementsAre("math_agent", "science_agent", "code_agent"));
  EXPECT_THAT(s.predecessors("summarizer"), ElementsAre("math_agent", "science_agent", "code_agent"));
  for (const char* id : {"math_agent", "science_agent", "code_agent"}) {
    Placeholders p = check_template(s.agent(id).prompt);
    EXPECT_TRUE(p.question) << id;
    EXPECT_FALSE(p.context) << id << ": first-layer templates have only {question}";
  }
  EXPECT_THAT(s.agent("summarizer").prompt, HasSubstr("Content from previous agents:\n{context}"));
}

TEST(Builtin, HierarchicalPersonasDifferOnlyInTheFirstSentence) {
  for (TaskType task : {TaskType::math, TaskType::choice, TaskType::reasoning_choice, TaskType::code, TaskType::exact}) {
    std::string m = seed_template("MathAgent", task), sci = seed_template("ScienceAgent", task),
                c = seed_template("CodeAgent", task);
    auto rest = [](const std::string& t) { return t.substr(t.find(". ") + 2); };
    EXPECT_NE(m, sci);
    EXPECT_NE(m, c);
    EXPECT_EQ(rest(m), rest(sci));
    EXPECT_EQ(rest(m), rest(c));
  }
}

TEST(Builtin, Debate) {
  System s = builtin_system("debate", TaskType::math);
  EXPECT_THAT(ids(s), ElementsAre("predictor_a", "predictor_b", "debater"));
  EXPECT_EQ(s.sink(), "debater");
  EXPECT_EQ(s.levels().size(), 2u);
  EXPECT_EQ(s.agent("debater").type, "Debater");
  EXPECT_GT(s.agent("predictor_a").temperature, 0.0);   // two samples, not one answer twice
}

TEST(Builtin, Vote) {
  System s = builtin_system("vote", TaskType::choice);
  EXPECT_THAT(ids(s), ElementsAre("predictor_1", "predictor_2", "predictor_3", "vote"));
  EXPECT_EQ(s.agent("vote").kind, AgentKind::vote);
  EXPECT_EQ(s.sink(), "vote");
  EXPECT_EQ(s.seed_prompts().size(), 3u);
  System five = builtin_system("vote:5", TaskType::choice);
  EXPECT_EQ(five.predecessors("vote").size(), 5u);
}

TEST(Builtin, LlmAggregate) {
  System s = builtin_system("llm_aggregate:2", TaskType::code);
  EXPECT_THAT(ids(s), ElementsAre("predictor_1", "predictor_2", "aggregator"));
  EXPECT_EQ(s.agent("aggregator").kind, AgentKind::llm);
  EXPECT_EQ(s.agent("aggregator").type, "Aggregator");
  EXPECT_EQ(s.sink(), "aggregator");
  EXPECT_EQ(builtin_system("llm_aggregate", TaskType::code).agents().size(), 4u);
}

TEST(Builtin, Errors) {
  EXPECT_THAT(error_of("sequential:0"), HasSubstr("built-in system `sequential:0`: n must be between 1 and 16, got 0"));
  EXPECT_THAT(error_of("vote:17"), HasSubstr("n must be between 1 and 16, got 17"));
  EXPECT_THAT(error_of("vote:x"), HasSubstr("expected a whole number after `:`"));
  EXPECT_THAT(error_of("vote:"), HasSubstr("expected a whole number after `:`"));
  EXPECT_THAT(error_of("vote:-1"), HasSubstr("n must be between 1 and 16"));
  EXPECT_THAT(error_of("debate:2"), HasSubstr("debate has a fixed shape and takes no `:n`"));
  EXPECT_THAT(error_of("star"), HasSubstr("built-in system `star`: unknown (built-ins: sequential[:n], hierarchical"));
}

TEST(Builtin, IsBuiltinSpec) {
  for (const char* s : {"sequential", "sequential:3", "hierarchical", "debate", "vote", "vote:7", "llm_aggregate:2"}) {
    EXPECT_TRUE(is_builtin_spec(s)) << s;
  }
  for (const char* s : {"", "examples/systems/sequential.yaml", "sequential.yaml", "seq", "Sequential"}) {
    EXPECT_FALSE(is_builtin_spec(s)) << s;
  }
}

// ---- seed templates -------------------------------------------------------------------------

TEST(SeedTemplates, EveryTypeAndTaskIsValid) {
  for (const char* type : {"Predictor", "Reflector", "MathAgent", "ScienceAgent", "CodeAgent", "Summarizer", "Debater",
                           "Aggregator"}) {
    for (TaskType task :
         {TaskType::math, TaskType::choice, TaskType::reasoning_choice, TaskType::code, TaskType::exact}) {
      std::string t = seed_template(type, task);
      Placeholders p;
      ASSERT_NO_THROW(p = check_template(t)) << type << "/" << data::to_string(task);
      EXPECT_TRUE(p.question) << type;
      bool first_layer = std::string(type).find("Agent") != std::string::npos;
      EXPECT_EQ(p.context, !first_layer) << type;
      if (task == TaskType::code) {
        EXPECT_THAT(t, HasSubstr("```python")) << type;
        EXPECT_THAT(t, HasSubstr("self-contained Python function")) << type;
      } else {
        EXPECT_THAT(t, HasSubstr("<answer></answer>")) << type;
      }
    }
  }
}

TEST(SeedTemplates, ChoiceLetters) {
  EXPECT_THAT(seed_template("Predictor", TaskType::choice), HasSubstr("A, B, C, D or E"));   // AQuA has E
  EXPECT_THAT(seed_template("Summarizer", TaskType::reasoning_choice), HasSubstr("A, B, C or D"));
  EXPECT_THAT(seed_template("Reflector", TaskType::reasoning_choice), ::testing::Not(HasSubstr("or E")));
}

TEST(SeedTemplates, RolesAreDistinct) {
  EXPECT_THAT(seed_template("Predictor", TaskType::math), HasSubstr("step by step"));
  EXPECT_THAT(seed_template("Reflector", TaskType::math), HasSubstr("review"));
  EXPECT_NE(seed_template("Debater", TaskType::math), seed_template("Aggregator", TaskType::math));
}

TEST(SeedTemplates, UnknownType) {
  try {
    seed_template("Wizard", TaskType::math);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("no seed template for agent type `Wizard`"));
  }
}

}  // namespace
}  // namespace maspo::mas
