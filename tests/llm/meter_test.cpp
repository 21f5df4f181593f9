// The budget meter: reservations, settlement, and what counts against a budget.
#include <gtest/gtest.h>

#include "llm/meter.hpp"

namespace maspo::llm {
namespace {

Meter meter_with_tokens(std::int64_t tokens) {
  Budget b;
  b.tokens = tokens;
  return Meter({{"agents", b}}, {});
}

TEST(Meter, RequestWithoutMaxTokensReservesADefaultCompletion) {
  // 100 prompt tokens + the default completion reserve fit once in the budget, not twice: with no
  // reserve, any number of concurrent requests would pass.
  Meter m = meter_with_tokens(100 + Meter::kDefaultCompletionReserve + 200);
  auto first = m.reserve("agents", "m", 100, 0);
  EXPECT_EQ(first.tokens, 100 + Meter::kDefaultCompletionReserve);
  EXPECT_THROW(m.reserve("agents", "m", 100, 0), BudgetExceeded);
  m.settle_success(first, Usage{100, 10});
  EXPECT_NO_THROW(m.reserve("agents", "m", 100, 0));
}

TEST(Meter, ReplyWithoutUsageIsChargedTheEstimate) {
  Meter m = meter_with_tokens(1000);
  auto r = m.reserve("agents", "m", 300, 300);
  m.settle_success(r, Usage{});  // the server reported no usage
  // 600 charged: another 600-token request no longer fits in 1000.
  EXPECT_THROW(m.reserve("agents", "m", 300, 300), BudgetExceeded);
  EXPECT_NO_THROW(m.reserve("agents", "m", 100, 100));
}

TEST(Meter, FailuresCountAsCallsOnlyWhenTheyReachedTheModel) {
  Budget b;
  b.calls = 2;
  Meter m({{"agents", b}}, {});
  m.settle_failure(m.reserve("agents", "m", 1, 1), /*reached_model=*/false);
  m.settle_failure(m.reserve("agents", "m", 1, 1), /*reached_model=*/false);
  // Two refusals before sending cost nothing; two calls that reached the model use the budget up.
  m.settle_failure(m.reserve("agents", "m", 1, 1), /*reached_model=*/true);
  m.settle_success(m.reserve("agents", "m", 1, 1), Usage{1, 1});
  EXPECT_THROW(m.reserve("agents", "m", 1, 1), BudgetExceeded);
  auto lines = m.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].failed_calls, 3);
  EXPECT_EQ(lines[0].calls, 1);
}

TEST(Meter, DollarBudgetRefusesWithTheLimitNamed) {
  Budget b;
  b.dollars = 1.0;
  Meter m({{"judge", b}}, {{"judge", Price{1'000'000.0, 1'000'000.0}}});  // $1 per token
  try {
    m.reserve("judge", "m", 1, 1);  // $2 > $1
    FAIL() << "expected BudgetExceeded";
  } catch (const BudgetExceeded& e) {
    EXPECT_EQ(e.role(), "judge");
    EXPECT_EQ(e.limit(), "dollars");
  }
}

}  // namespace
}  // namespace maspo::llm
