#include "llm/meter.hpp"

#include <fmt/format.h>

namespace maspo::llm {

Meter::Meter(std::map<std::string, Budget> budgets, std::map<std::string, Price> prices)
    : budgets_(std::move(budgets)), prices_(std::move(prices)) {}

std::int64_t Meter::estimate_prompt_tokens(const Request& request) {
  std::int64_t bytes = 0;
  for (const auto& m : request.messages) bytes += static_cast<std::int64_t>(m.content.size()) + 16;
  return bytes / 4;
}

UsageLine& Meter::line(const std::string& role, const std::string& model) {
  auto [it, inserted] = lines_.try_emplace({role, model});
  if (inserted) {
    it->second.role = role;
    it->second.model = model;
  }
  return it->second;
}

Meter::Reservation Meter::reserve(const std::string& role, const std::string& model,
                                  std::int64_t est_prompt_tokens, std::int64_t max_tokens) {
  const std::int64_t completion = max_tokens > 0 ? max_tokens : kDefaultCompletionReserve;
  Reservation r{role, model, est_prompt_tokens + completion, 0.0};
  std::lock_guard lock(mu_);
  if (auto p = prices_.find(role); p != prices_.end()) {
    r.dollars = p->second.dollars(Usage{est_prompt_tokens, completion});
  }
  RoleState& s = roles_[role];
  if (auto b = budgets_.find(role); b != budgets_.end()) {
    const Budget& budget = b->second;
    if (budget.calls && s.calls + s.reserved_calls + 1 > *budget.calls) {
      throw BudgetExceeded(role, "calls",
                           fmt::format("budget for role `{}` reached: {} of {} calls used", role,
                                       s.calls + s.reserved_calls, *budget.calls));
    }
    if (budget.tokens && s.tokens + s.reserved_tokens + r.tokens > *budget.tokens) {
      throw BudgetExceeded(role, "tokens",
                           fmt::format("budget for role `{}` reached: {} tokens used or in flight, this request "
                                       "may take {} more, the limit is {}",
                                       role, s.tokens + s.reserved_tokens, r.tokens, *budget.tokens));
    }
    if (budget.dollars && s.dollars + s.reserved_dollars + r.dollars > *budget.dollars) {
      throw BudgetExceeded(role, "dollars",
                           fmt::format("budget for role `{}` reached: ${:.4f} spent or in flight, this request "
                                       "may cost ${:.4f}, the limit is ${:.4f}",
                                       role, s.dollars + s.reserved_dollars, r.dollars, *budget.dollars));
    }
  }
  s.reserved_calls += 1;
  s.reserved_tokens += r.tokens;
  s.reserved_dollars += r.dollars;
  return r;
}

void Meter::settle_success(const Reservation& r, const Usage& usage) {
  std::lock_guard lock(mu_);
  RoleState& s = roles_[r.role];
  s.reserved_calls -= 1;
  s.reserved_tokens -= r.tokens;
  s.reserved_dollars -= r.dollars;
  double dollars = 0.0;
  if (auto p = prices_.find(r.role); p != prices_.end()) dollars = p->second.dollars(usage);
  std::int64_t tokens = usage.total();
  if (tokens == 0) {
    // The server reported no usage: charge the reservation's estimate, or budgets would never bite.
    tokens = r.tokens;
    dollars = r.dollars;
  }
  s.calls += 1;
  s.tokens += tokens;
  s.dollars += dollars;
  UsageLine& l = line(r.role, r.model);
  l.calls += 1;
  l.usage.prompt_tokens += usage.prompt_tokens;
  l.usage.completion_tokens += usage.completion_tokens;
  l.dollars += dollars;
}

void Meter::settle_failure(const Reservation& r, bool reached_model) {
  std::lock_guard lock(mu_);
  RoleState& s = roles_[r.role];
  s.reserved_calls -= 1;
  s.reserved_tokens -= r.tokens;
  s.reserved_dollars -= r.dollars;
  // A failed call that reached the endpoint still counts against the calls budget.
  if (reached_model) s.calls += 1;
  line(r.role, r.model).failed_calls += 1;
}

void Meter::record_cache_hit(const std::string& role, const std::string& model, const Usage& usage) {
  std::lock_guard lock(mu_);
  UsageLine& l = line(role, model);
  l.cached_calls += 1;
  l.cached_usage.prompt_tokens += usage.prompt_tokens;
  l.cached_usage.completion_tokens += usage.completion_tokens;
}

std::vector<UsageLine> Meter::lines() const {
  std::lock_guard lock(mu_);
  std::vector<UsageLine> out;
  for (const auto& [_, l] : lines_) out.push_back(l);
  return out;
}

}  // namespace maspo::llm
