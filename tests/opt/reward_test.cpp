// The joint reward and misalignment detection against hand-worked examples.
#include <gtest/gtest.h>

#include <vector>

#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

QuestionOutcome q(std::optional<double> local, std::vector<double> lookahead, std::optional<double> global) {
  QuestionOutcome o;
  o.local = local;
  o.lookahead = std::move(lookahead);
  o.global = global;
  return o;
}

QuestionOutcome terminal(double t) {
  QuestionOutcome o;
  o.terminal = t;
  return o;
}

constexpr double kEps = 1e-12;

TEST(QuestionReward, PaperWeights) {
  Settings s;  // 0.4 / 0.4 / 0.2
  // 0.4·1 + 0.4·0 + 0.2·1
  EXPECT_NEAR(question_reward(q(1, {0}, 1), s), 0.6, kEps);
  // 0.4·1 + 0.4·(1+0)/2 + 0.2·0
  EXPECT_NEAR(question_reward(q(1, {1, 0}, 0), s), 0.6, kEps);
  // 0.4·0 + 0.4·(1+1+0.5)/3 + 0.2·1 = 1/3 + 0.2
  EXPECT_NEAR(question_reward(q(0, {1, 1, 0.5}, 1), s), 1.0 / 3.0 + 0.2, kEps);
  EXPECT_NEAR(question_reward(q(1, {1}, 1), s), 1.0, kEps);
  EXPECT_NEAR(question_reward(q(0, {0}, 0), s), 0.0, kEps);
  EXPECT_NEAR(question_reward(q(0.5, {0.5}, 0.5), s), 0.5, kEps);
}

TEST(QuestionReward, MissingLookaheadRenormalizes) {
  Settings s;
  // α/(α+θ) = 0.4/0.6, θ/(α+θ) = 0.2/0.6
  EXPECT_NEAR(question_reward(q(1, {}, 0), s), 2.0 / 3.0, kEps);
  EXPECT_NEAR(question_reward(q(0, {}, 1), s), 1.0 / 3.0, kEps);
  EXPECT_NEAR(question_reward(q(1, {}, 1), s), 1.0, kEps);
  // No global either: local alone.
  EXPECT_NEAR(question_reward(q(0.5, {}, std::nullopt), s), 0.5, kEps);
  // No global, lookahead present: 0.4·1 + 0.4·0 over 0.8.
  EXPECT_NEAR(question_reward(q(1, {0}, std::nullopt), s), 0.5, kEps);
  // Nothing at all.
  EXPECT_NEAR(question_reward(q(std::nullopt, {}, std::nullopt), s), 0.0, kEps);
}

TEST(QuestionReward, OtherWeights) {
  Settings s;
  s.weights = {0.2, 0.5, 0.3};  // Table 4's 2:5:3
  EXPECT_NEAR(question_reward(q(1, {1}, 0), s), 0.7, kEps);
  EXPECT_NEAR(question_reward(q(0, {}, 1), s), 0.3 / 0.5, kEps);
  s.weights = {4, 4, 2};  // unnormalized weights give the same result
  EXPECT_NEAR(question_reward(q(1, {0}, 1), s), 0.6, kEps);
  // All present terms weigh 0: they count equally.
  s.weights = {0, 1, 0};
  EXPECT_NEAR(question_reward(q(1, {}, 0), s), 0.5, kEps);
  EXPECT_NEAR(question_reward(q(1, {0.25}, 0), s), 0.25, kEps);
}

TEST(QuestionReward, TerminalIsItsOwnScore) {
  Settings s;
  EXPECT_EQ(question_reward(terminal(1), s), 1.0);
  EXPECT_EQ(question_reward(terminal(0.5), s), 0.5);
  EXPECT_EQ(question_reward(terminal(0), s), 0.0);
  s.joint = false;
  EXPECT_EQ(question_reward(terminal(0.5), s), 0.5);
}

TEST(QuestionReward, LocalOnlyAblation) {
  Settings s;
  s.joint = false;
  EXPECT_EQ(question_reward(q(1, {0}, 0), s), 1.0);
  EXPECT_EQ(question_reward(q(0, {1}, 1), s), 0.0);
  EXPECT_EQ(question_reward(q(0.5, {}, 1), s), 0.5);
}

TEST(BatchReward, MeanOfQuestions) {
  Settings s;
  EXPECT_EQ(batch_reward({}, s), 0.0);
  // 0.6, 2/3, 1.0 → mean 0.75555…
  std::vector<QuestionOutcome> qs = {q(1, {0}, 1), q(1, {}, 0), q(1, {1}, 1)};
  EXPECT_NEAR(batch_reward(qs, s), (0.6 + 2.0 / 3.0 + 1.0) / 3.0, kEps);
  // Terminal batch: its win rate.
  EXPECT_NEAR(batch_reward({terminal(1), terminal(0), terminal(1), terminal(0.5)}, s), 0.625, kEps);
  // Injected questions count like any other.
  auto injected = q(0, {0}, 0);
  injected.injected = true;
  EXPECT_NEAR(batch_reward({q(1, {1}, 1), injected}, s), 0.5, kEps);
}

TEST(BatchReward, ReferencePoolsTheBatch) {
  Settings s;
  s.compat = Compat::reference;
  // Q1: local 1, lookahead {1,1}, global 0; Q2: local 0, no lookahead, global 1.
  // Pooled rates: local 0.5, lookahead 2/2 = 1, global 0.5 → 0.4·0.5 + 0.4·1 + 0.2·0.5 = 0.7.
  std::vector<QuestionOutcome> qs = {q(1, {1, 1}, 0), q(0, {}, 1)};
  EXPECT_NEAR(batch_reward(qs, s), 0.7, kEps);
  // The paper's per-question mean differs: (0.8 + 1/3) / 2.
  s.compat = Compat::paper;
  EXPECT_NEAR(batch_reward(qs, s), (0.8 + 1.0 / 3.0) / 2.0, kEps);

  s.compat = Compat::reference;
  // No lookahead comparison in the whole batch: 0.7·local + 0.3·global.
  EXPECT_NEAR(batch_reward({q(1, {}, 0), q(0, {}, 0)}, s), 0.35, kEps);
  EXPECT_NEAR(question_reward(q(1, {}, 0), s), 0.7, kEps);
  EXPECT_NEAR(batch_reward({terminal(1), terminal(0)}, s), 0.5, kEps);
  s.joint = false;
  EXPECT_NEAR(batch_reward(qs, s), 0.5, kEps);
}

TEST(Misalignment, Eq6) {
  // Local win and the lookahead lost: priority 1.
  EXPECT_EQ(misalignment_priority(q(1, {0}, 1)), 1);
  // Local win and the global lost: priority 2.
  EXPECT_EQ(misalignment_priority(q(1, {1}, 0)), 2);
  // Both lost: priority 0.
  EXPECT_EQ(misalignment_priority(q(1, {0}, 0)), 0);
  EXPECT_TRUE(is_misaligned(q(1, {0}, 1)));
  EXPECT_TRUE(is_misaligned(q(1, {1}, 0)));
  EXPECT_TRUE(is_misaligned(q(1, {0}, 0)));
  // Everything won: aligned.
  EXPECT_FALSE(is_misaligned(q(1, {1}, 1)));
  // Local not won outright: never a case.
  EXPECT_FALSE(is_misaligned(q(0, {0}, 0)));
  EXPECT_FALSE(is_misaligned(q(0.5, {0}, 0)));   // a tie is not a win
  EXPECT_FALSE(is_misaligned(q(0.75, {0}, 0)));
}

TEST(Misalignment, MissingTermsAreNotLosses) {
  EXPECT_FALSE(is_misaligned(q(1, {}, std::nullopt)));
  EXPECT_FALSE(is_misaligned(q(1, {}, 1)));
  EXPECT_EQ(misalignment_priority(q(1, {}, 0)), 2);
  EXPECT_EQ(misalignment_priority(q(1, {0}, std::nullopt)), 1);
  // The sink: no local comparison, never misaligned.
  EXPECT_FALSE(is_misaligned(terminal(0)));
  EXPECT_FALSE(is_misaligned(q(std::nullopt, {0}, 0)));
}

TEST(Misalignment, TiesAndSeveralSuccessors) {
  // A tie is not lost.
  EXPECT_FALSE(is_misaligned(q(1, {0.5}, 0.5)));
  // Several successors: lost when their mean is below 0.5.
  EXPECT_FALSE(is_misaligned(q(1, {1, 0}, 1)));      // mean 0.5
  EXPECT_EQ(misalignment_priority(q(1, {0, 0, 1}, 1)), 1);  // mean 1/3
  EXPECT_FALSE(is_misaligned(q(1, {0, 1, 1}, 1)));   // mean 2/3: one lost successor is not enough
  EXPECT_EQ(misalignment_priority(q(1, {0, 0.5}, 0)), 0);   // mean 0.25 and global lost
}

}  // namespace
}  // namespace maspo::opt
