// The pairwise judge: one comparison = one or two judge calls, turned into the candidate's score.
//
// Position order (settings.judge_order):
//   fixed   the candidate is always shown as A, the reference as B — what the reference code did,
//           and so the default for parity; an LLM judge's position bias then lands on one side.
//   random  the candidate is A when `order_draw` (drawn by the caller from the optimizer's seeded
//           RNG, so a rerun shows the same orders) is even, B when it is odd.
//   both    two calls, candidate as A and then as B. The score is the mean of the two calls'
//           scores: two wins 1, two losses 0, one of each (the judge followed the position, not
//           the content) 0.5.
// A reply with no verdict (parse_verdict → nullopt) scores 0 when unparsable_is_loss (default: a
// judge that cannot say the candidate is better has not said so) and 0.5 otherwise; either way
// Verdict.parsed is false so the caller can count them.
//
// Non-blocking: every call goes through llm::Client::submit; the last completion (on whichever
// thread the client uses) computes the verdict and calls `done`. State shared by the completions
// lives in a shared_ptr, so nothing here refers to the Judge after compare() returns.
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "maspo/opt.hpp"

namespace maspo::opt {

namespace {

struct Pending {
  std::mutex mu;
  std::vector<std::string> replies;
  std::vector<bool> candidate_was_a;
  std::size_t remaining = 0;
  std::exception_ptr error;  // the first error; the verdict is then not computed
  bool unparsable_is_loss = true;
  std::function<void(Verdict, std::exception_ptr)> done;
};

Verdict score(std::vector<std::string> replies, std::vector<bool> candidate_was_a, bool unparsable_is_loss) {
  Verdict v;
  double sum = 0.0;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    std::optional<char> letter = parse_verdict(replies[i]);
    if (!letter) {
      v.parsed = false;
      sum += unparsable_is_loss ? 0.0 : 0.5;
      continue;
    }
    bool won = (*letter == 'A') == candidate_was_a[i];
    if (won) {
      sum += 1.0;
      ++(candidate_was_a[i] ? v.candidate_first_wins : v.candidate_second_wins);
    }
  }
  v.score = replies.empty() ? 0.0 : sum / static_cast<double>(replies.size());
  v.replies = std::move(replies);
  v.candidate_was_a = std::move(candidate_was_a);
  return v;
}

}  // namespace

Judge::Judge(llm::Client& client, data::TaskType task, const Settings& settings)
    : client_(client), task_(task), settings_(settings) {}

void Judge::compare(const JudgeInput& in, std::uint64_t order_draw,
                    std::function<void(Verdict, std::exception_ptr)> done) {
  std::vector<bool> orders;
  switch (settings_.judge_order) {
    case JudgeOrder::fixed: orders = {true}; break;
    case JudgeOrder::random: orders = {order_draw % 2 == 0}; break;
    case JudgeOrder::both: orders = {true, false}; break;
  }

  auto pending = std::make_shared<Pending>();
  pending->replies.resize(orders.size());
  pending->candidate_was_a = orders;
  pending->remaining = orders.size();
  pending->unparsable_is_loss = settings_.unparsable_is_loss;
  pending->done = std::move(done);

  // Build every request before submitting any: a completion may run inside submit (a cache hit),
  // and the last one must find the whole comparison set up.
  std::vector<llm::Request> requests;
  for (bool candidate_a : orders) {
    requests.push_back(candidate_a ? judge_request(in, task_, in.candidate, in.reference, settings_)
                                   : judge_request(in, task_, in.reference, in.candidate, settings_));
  }

  for (std::size_t i = 0; i < requests.size(); ++i) {
    client_.submit("judge", std::move(requests[i]), [pending, i](llm::Reply reply, std::exception_ptr error) {
      bool last = false;
      {
        std::lock_guard lock(pending->mu);
        if (error) {
          if (!pending->error) pending->error = error;
        } else {
          pending->replies[i] = std::move(reply.text);
        }
        last = --pending->remaining == 0;
      }
      if (!last) return;
      // Every completion has run; nobody else touches `pending` now, so no lock is needed (and
      // none is held while the caller's callback runs).
      if (pending->error) {
        pending->done(Verdict{}, pending->error);
        return;
      }
      pending->done(score(std::move(pending->replies), std::move(pending->candidate_was_a),
                          pending->unparsable_is_loss),
                    nullptr);
    });
  }
}

}  // namespace maspo::opt
