// Usage, cost and budgets per role. Thread-safe.
//
// Budgets are checked *before* a request is sent, against what is spent plus what requests in
// flight may still spend (a reservation: the prompt's estimated tokens + max_tokens). A request
// that would pass a limit is refused with BudgetExceeded and nothing is charged. When the reply
// comes, the reservation is replaced by the real usage.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "maspo/llm.hpp"

namespace maspo::llm {

class Meter {
 public:
  struct Reservation {
    std::string role;
    std::string model;
    std::int64_t tokens = 0;
    double dollars = 0.0;
  };

  Meter(std::map<std::string, Budget> budgets, std::map<std::string, Price> prices);

  // Throws BudgetExceeded when calls+1, tokens or dollars (spent + reserved + this estimate)
  // would pass the role's budget.
  Reservation reserve(const std::string& role, const std::string& model, std::int64_t est_prompt_tokens,
                      std::int64_t max_tokens);
  void settle_success(const Reservation& r, const Usage& usage);
  // `reached_model`: the request was sent (it counts as a call); false for refusals before sending.
  void settle_failure(const Reservation& r, bool reached_model);
  void record_cache_hit(const std::string& role, const std::string& model, const Usage& usage);

  std::vector<UsageLine> lines() const;

  // Rough prompt-token estimate for reservations: bytes / 4 + 4 per message.
  static std::int64_t estimate_prompt_tokens(const Request& request);

  // Completion tokens reserved for a request with no max_tokens: the reply's length is unknown,
  // and reserving nothing would let any number of concurrent requests past a token budget.
  static constexpr std::int64_t kDefaultCompletionReserve = 1024;

 private:
  struct RoleState {
    std::int64_t calls = 0, reserved_calls = 0;
    std::int64_t tokens = 0, reserved_tokens = 0;
    double dollars = 0.0, reserved_dollars = 0.0;
  };
  UsageLine& line(const std::string& role, const std::string& model);

  mutable std::mutex mu_;
  std::map<std::string, Budget> budgets_;
  std::map<std::string, Price> prices_;
  std::map<std::string, RoleState> roles_;
  std::map<std::pair<std::string, std::string>, UsageLine> lines_;
};

}  // namespace maspo::llm
