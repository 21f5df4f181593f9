// top_k_unique (stable, duplicate-free Top-K) and optimizable_agents (topological, no vote agents).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "maspo/mas.hpp"
#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

std::vector<std::string> prompts(const std::vector<BeamNode>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.prompt);
  return out;
}

BeamNode node(std::string prompt, double score, std::vector<std::string> path = {}) {
  return {std::move(prompt), score, std::move(path)};
}

using V = std::vector<std::string>;

TEST(TopKUnique, SortsByScoreDescending) {
  auto top = top_k_unique({node("a", 0.1), node("b", 0.9), node("c", 0.5)}, 2);
  EXPECT_EQ(prompts(top), (V{"b", "c"}));
  EXPECT_EQ(prompts(top_k_unique({node("a", 0.1), node("b", 0.9), node("c", 0.5)}, 10)), (V{"b", "c", "a"}));
}

TEST(TopKUnique, TiesKeepInputOrder) {
  auto top = top_k_unique({node("a", 0.5), node("b", 0.7), node("c", 0.5), node("d", 0.5)}, 3);
  EXPECT_EQ(prompts(top), (V{"b", "a", "c"}));
}

TEST(TopKUnique, DuplicatesDropped) {
  // The best copy of a prompt is kept (with its own score and path); a later copy lets the next
  // distinct prompt in.
  auto top = top_k_unique({node("p", 0.2, {"old"}), node("p", 0.8, {"new"}), node("q", 0.1), node("p", 0.8, {"x"})}, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], node("p", 0.8, {"new"}));
  EXPECT_EQ(top[1], node("q", 0.1));
  // The reference's beam could hold [p, p]; here it cannot.
  EXPECT_EQ(prompts(top_k_unique({node("p", 1), node("p", 1)}, 2)), (V{"p"}));
}

TEST(TopKUnique, EdgeCases) {
  EXPECT_TRUE(top_k_unique({node("a", 1)}, 0).empty());
  EXPECT_TRUE(top_k_unique({node("a", 1)}, -1).empty());
  EXPECT_TRUE(top_k_unique({}, 3).empty());
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  auto top = top_k_unique({node("n", nan), node("lo", -inf), node("hi", inf), node("z", 0)}, 4);
  EXPECT_EQ(prompts(top), (V{"hi", "z", "lo", "n"}));
  // Long prompts (no small-string storage) and many nodes.
  std::vector<BeamNode> many;
  for (int i = 0; i < 200; ++i) many.push_back(node(std::string(100, 'a' + static_cast<char>(i % 26)), i % 7));
  auto t = top_k_unique(many, 50);
  EXPECT_EQ(t.size(), 26u);  // 26 distinct prompts
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_GE(t[i - 1].score, t[i].score);
}

TEST(OptimizableAgents, VoteSystemSkipsTheVote) {
  mas::System vote = mas::builtin_system("vote:3", data::TaskType::math);
  EXPECT_EQ(optimizable_agents(vote), (V{"predictor_1", "predictor_2", "predictor_3"}));
}

TEST(OptimizableAgents, TopologicalOrder) {
  mas::System seq = mas::builtin_system("sequential:2", data::TaskType::math);
  EXPECT_EQ(optimizable_agents(seq), (V{"predictor_1", "reflector_1", "predictor_2", "reflector_2"}));
  mas::System hier = mas::builtin_system("hierarchical", data::TaskType::code);
  auto ids = optimizable_agents(hier);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids.back(), "summarizer");
}

TEST(OptimizableAgents, HandBuiltSystemListedOutOfOrder) {
  // Agents given sink-first: the visiting order is still topological, and the vote is skipped.
  auto agent = [](std::string id, bool has_context) {
    mas::Agent a;
    a.id = std::move(id);
    a.type = "Predictor";
    a.prompt = has_context ? "Notes: {context}\nQ: {question}" : "Q: {question}";
    return a;
  };
  mas::Agent vote;
  vote.id = "tally";
  vote.kind = mas::AgentKind::vote;
  std::vector<mas::Agent> agents = {vote, agent("refine", true), agent("first", false), agent("second", false)};
  mas::System sys("custom", data::TaskType::math, mas::ContextMode::raw, agents,
                  {{"first", "refine"}, {"refine", "tally"}, {"second", "tally"}});
  auto ids = optimizable_agents(sys);
  ASSERT_EQ(ids.size(), 3u);
  auto pos = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
  EXPECT_LT(pos("first"), pos("refine"));
  EXPECT_EQ(std::find(ids.begin(), ids.end(), "tally"), ids.end());
}

}  // namespace
}  // namespace maspo::opt
