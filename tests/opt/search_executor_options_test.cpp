// How many questions a search keeps in flight: enough for every request slot of the agents role,
// never fewer than the executor's default.
#include <gtest/gtest.h>

#include "opt/search.hpp"
#include "support/synthetic_testbed.hpp"

namespace maspo::opt::detail {
namespace {

int questions_in_flight(const std::string& backend, int max_concurrency, int endpoints, int parallel = 0) {
  testing::Testbed tb = testing::make_testbed(4);
  llm::ClientOptions o = tb.client_options();   // scripted backends underneath; only the config is read
  llm::RoleConfig& agents = o.roles.at("agents");
  agents.backend = backend;
  agents.max_concurrency = max_concurrency;
  agents.endpoints.assign(static_cast<std::size_t>(endpoints), llm::Endpoint{"http://127.0.0.1:1/v1"});
  agents.parallel = parallel;
  llm::Client client(o);
  return search_executor_options(client).max_questions_in_flight;
}

TEST(SearchExecutorOptions, FillsEveryRequestSlotOfTheAgentsRole) {
  EXPECT_EQ(questions_in_flight("openai", 64, 1), 64);
  EXPECT_EQ(questions_in_flight("openai", 24, 3), 72) << "max_concurrency is per endpoint";
  EXPECT_EQ(questions_in_flight("llama", 16, 0, 32), 32);
}

TEST(SearchExecutorOptions, NeverBelowTheExecutorDefault) {
  const int fallback = mas::ExecutorOptions{}.max_questions_in_flight;
  EXPECT_EQ(questions_in_flight("openai", 4, 1), fallback);
  EXPECT_EQ(questions_in_flight("scripted", 1000, 0), fallback) << "a scripted role has no slots to fill";
  EXPECT_EQ(questions_in_flight("llama", 16, 0, 0), fallback);
}

}  // namespace
}  // namespace maspo::opt::detail
