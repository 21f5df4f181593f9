// System: every validation error names the file, the line and the agent; topological order is
// stable; the graph queries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"

namespace maspo::mas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Edges = std::vector<std::pair<std::string, std::string>>;

Agent agent(std::string id, int line, std::string prompt = "{context} {question}") {
  Agent a;
  a.id = std::move(id);
  a.type = "Predictor";
  a.prompt = std::move(prompt);
  a.line = line;
  return a;
}

System make(std::vector<Agent> agents, Edges edges) {
  return System("test", TaskType::math, ContextMode::summary, std::move(agents), std::move(edges), "sys.yaml");
}

// The message of the InputError the constructor throws; fails the test when it does not throw.
std::string error_of(std::vector<Agent> agents, Edges edges) {
  try {
    make(std::move(agents), std::move(edges));
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(SystemValidation, DuplicateId) {
  auto msg = error_of({agent("a", 3), agent("b", 7), agent("a", 11)}, {{"a", "b"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:11: agent `a`: duplicate id (first declared at line 3)"));
}

TEST(SystemValidation, BadIdCharacters) {
  EXPECT_THAT(error_of({agent("bad id", 4)}, {}), HasSubstr("sys.yaml:4: agent `bad id`: bad id"));
  EXPECT_THAT(error_of({agent("a.b", 5)}, {}), HasSubstr("sys.yaml:5: agent `a.b`: bad id"));
  EXPECT_THAT(error_of({agent("", 6)}, {}), HasSubstr("sys.yaml:6: agent ``: bad id"));
}

TEST(SystemValidation, UnknownIdInEdge) {
  auto msg = error_of({agent("a", 3), agent("b", 7)}, {{"a", "c"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml: edge `a -> c`: unknown agent `c` (agents: a, b)"));
}

TEST(SystemValidation, SelfLoop) {
  auto msg = error_of({agent("a", 3), agent("b", 7)}, {{"a", "b"}, {"b", "b"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:7: agent `b`: edge `b -> b` is a self-loop"));
}

TEST(SystemValidation, DuplicateEdge) {
  auto msg = error_of({agent("a", 3), agent("b", 7)}, {{"a", "b"}, {"a", "b"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:3: agent `a`: edge `a -> b` is listed twice"));
}

TEST(SystemValidation, CycleNamesTheAgentsOnIt) {
  auto msg = error_of({agent("root", 2), agent("x", 4), agent("y", 6), agent("z", 8), agent("out", 10)},
                      {{"root", "x"}, {"x", "y"}, {"y", "z"}, {"z", "x"}, {"z", "out"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:4: the graph has a cycle: "));
  // Only x, y and z are on the cycle; it is shown from the agent declared first.
  EXPECT_THAT(msg, HasSubstr("cycle: x -> y -> z -> x (a system must be a DAG)"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("root ->")));
}

TEST(SystemValidation, TwoAgentCycle) {
  auto msg = error_of({agent("a", 1), agent("b", 2)}, {{"a", "b"}, {"b", "a"}});
  EXPECT_THAT(msg, HasSubstr("cycle: a -> b -> a"));
}

// A 3000-agent loop once put every id in the message (21 KB of stderr): only the start is shown.
TEST(SystemValidation, LongCycleAndLongAgentListAreCut) {
  std::vector<Agent> agents;
  std::vector<std::pair<std::string, std::string>> edges;
  for (int i = 0; i < 3000; ++i) {
    agents.push_back(agent("a" + std::to_string(i), i + 1));
    edges.emplace_back("a" + std::to_string(i), "a" + std::to_string((i + 1) % 3000));
  }
  auto msg = error_of(agents, edges);
  EXPECT_THAT(msg, HasSubstr("cycle: a0 -> a1 -> a2 -> a3 -> a4 -> a5 -> a6 -> a7 -> a8 -> a9 -> ... (2990 more agents) -> a0 "
                             "(a system must be a DAG)"));
  EXPECT_LT(msg.size(), 300u);

  edges = {{"a0", "ghost"}};
  msg = error_of(agents, edges);
  EXPECT_THAT(msg, HasSubstr("unknown agent `ghost` (agents: a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, ... and 2990 more)"));
  EXPECT_LT(msg.size(), 300u);
}

TEST(SystemValidation, SeveralSinks) {
  auto msg = error_of({agent("a", 3), agent("b", 7), agent("c", 9)}, {{"a", "b"}, {"a", "c"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:9: the system has 2 terminal agents (b, c)"));
}

TEST(SystemValidation, NoAgentsAtAll) {
  EXPECT_THAT(error_of({}, {}), HasSubstr("sys.yaml: the system has no agents"));
}

TEST(SystemValidation, EmptyTemplate) {
  auto msg = error_of({agent("a", 3, "  \n")}, {});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:3: agent `a`: template is empty"));
}

TEST(SystemValidation, StrayPlaceholder) {
  auto msg = error_of({agent("a", 3, "{question} {answer}")}, {});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:3: agent `a`: template: unknown placeholder `{answer}`"));
  EXPECT_THAT(msg, HasSubstr("column 12"));
}

TEST(SystemValidation, StrayBrace) {
  auto msg = error_of({agent("a", 3, "{question} }")}, {});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:3: agent `a`: template: stray `}` at column 12"));
}

TEST(SystemValidation, MissingQuestion) {
  auto msg = error_of({agent("a", 3, "only {context}")}, {});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:3: agent `a`: template has no {question} placeholder"));
}

TEST(SystemValidation, MissingContextWithPredecessors) {
  auto msg = error_of({agent("a", 3, "{question}"), agent("b", 8, "{question}")}, {{"a", "b"}});
  EXPECT_THAT(msg, HasSubstr("sys.yaml:8: agent `b`: template has no {context} placeholder"));
}

TEST(SystemValidation, RootMayOmitContext) {
  EXPECT_NO_THROW(make({agent("a", 3, "{question}"), agent("b", 8)}, {{"a", "b"}}));
}

TEST(SystemValidation, VoteAgentWithoutPredecessors) {
  Agent v = agent("v", 12, "");
  v.kind = AgentKind::vote;
  EXPECT_THAT(error_of({v}, {}), HasSubstr("sys.yaml:12: agent `v`: a vote agent needs predecessors"));
}

TEST(SystemValidation, VoteAgentNeedsNoTemplate) {
  Agent v = agent("v", 12, "");
  v.kind = AgentKind::vote;
  System s = make({agent("a", 1), agent("b", 2), v}, {{"a", "v"}, {"b", "v"}});
  EXPECT_EQ(s.sink(), "v");
  EXPECT_EQ(s.seed_prompts().count("v"), 0u);   // nothing to optimize in a vote
}

TEST(SystemValidation, AgentFields) {
  Agent a = agent("a", 3);
  a.max_tokens = 0;
  EXPECT_THAT(error_of({a}, {}), HasSubstr("sys.yaml:3: agent `a`: max_tokens must be a positive integer"));
  a = agent("a", 3);
  a.temperature = -1;
  EXPECT_THAT(error_of({a}, {}), HasSubstr("sys.yaml:3: agent `a`: temperature must be a number >= 0"));
  a = agent("a", 3);
  a.model_role = "";
  EXPECT_THAT(error_of({a}, {}), HasSubstr("sys.yaml:3: agent `a`: model_role is empty"));
}

TEST(SystemValidation, BuiltInSourceHasNoLine) {
  try {
    System("t", TaskType::math, ContextMode::raw, {agent("a", 0, "x")}, {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("<built-in>: agent `a`: template has no {question}"));
  }
}

// ---- order and queries ----------------------------------------------------------------------

TEST(SystemGraph, TopologicalOrderIsStableByDeclaration) {
  // Declared out of dependency order; ready agents are taken in declaration order.
  System s = make({agent("sink", 1), agent("c", 2), agent("b", 3), agent("a", 4, "{question}")},
                  {{"a", "b"}, {"a", "c"}, {"b", "sink"}, {"c", "sink"}});
  std::vector<std::string> ids;
  for (const auto& a : s.agents()) ids.push_back(a.id);
  EXPECT_THAT(ids, ElementsAre("a", "c", "b", "sink"));
  EXPECT_EQ(s.index("c"), 1u);
  EXPECT_EQ(s.index("b"), 2u);
  EXPECT_THAT(s.predecessors("sink"), ElementsAre("c", "b"));   // topological, not declaration
  EXPECT_THAT(s.successors("a"), ElementsAre("c", "b"));
}

TEST(SystemGraph, Queries) {
  // r1, r2 -> m -> s1 -> out ; r2 -> out
  System s = make({agent("r1", 1), agent("r2", 2), agent("m", 3), agent("s1", 4), agent("out", 5)},
                  {{"r1", "m"}, {"r2", "m"}, {"m", "s1"}, {"s1", "out"}, {"r2", "out"}});
  EXPECT_EQ(s.sink(), "out");
  EXPECT_TRUE(s.has_agent("m"));
  EXPECT_FALSE(s.has_agent("nope"));
  EXPECT_THROW(s.agent("nope"), std::out_of_range);
  EXPECT_THROW(s.index("nope"), std::out_of_range);
  EXPECT_THROW(s.predecessors("nope"), std::out_of_range);
  EXPECT_THAT(s.predecessors("m"), ElementsAre("r1", "r2"));
  EXPECT_THAT(s.predecessors("r1"), ElementsAre());
  EXPECT_THAT(s.successors("r2"), ElementsAre("m", "out"));
  EXPECT_THAT(s.successors("out"), ElementsAre());
  EXPECT_THAT(s.successors_within("r1", 1), ElementsAre("m"));
  EXPECT_THAT(s.successors_within("r1", 2), ElementsAre("m", "s1"));
  EXPECT_THAT(s.successors_within("r1", 3), ElementsAre("m", "s1", "out"));
  EXPECT_THAT(s.successors_within("r1", 0), ElementsAre());
  EXPECT_THAT(s.successors_within("r2", 2), ElementsAre("m", "s1", "out"));   // no repeats
  EXPECT_THAT(s.descendants("r1"), ElementsAre("m", "s1", "out"));
  EXPECT_THAT(s.descendants("out"), ElementsAre());
  auto levels = s.levels();
  ASSERT_EQ(levels.size(), 4u);
  EXPECT_THAT(levels[0], ElementsAre("r1", "r2"));
  EXPECT_THAT(levels[1], ElementsAre("m"));
  EXPECT_THAT(levels[2], ElementsAre("s1"));
  EXPECT_THAT(levels[3], ElementsAre("out"));
  EXPECT_EQ(s.seed_prompts().size(), 5u);
  EXPECT_EQ(s.seed_prompts().at("m"), "{context} {question}");
}

TEST(SystemGraph, SingleAgent) {
  System s = make({agent("only", 1, "{question}")}, {});
  EXPECT_EQ(s.sink(), "only");
  ASSERT_EQ(s.levels().size(), 1u);
  EXPECT_THAT(s.levels()[0], ElementsAre("only"));
}

TEST(SystemGraph, Accessors) {
  System s("named", TaskType::code, ContextMode::raw, {agent("a", 1)}, {}, "file.yaml");
  EXPECT_EQ(s.name(), "named");
  EXPECT_EQ(s.task(), TaskType::code);
  EXPECT_EQ(s.context_mode(), ContextMode::raw);
  EXPECT_EQ(s.source(), "file.yaml");
  EXPECT_EQ(to_string(ContextMode::raw), "raw");
  EXPECT_EQ(to_string(ContextMode::summary), "summary");
}

}  // namespace
}  // namespace maspo::mas
