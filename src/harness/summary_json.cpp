#include "maspo/harness.hpp"

namespace maspo::harness {

json to_json(const Summary& s) {
  json usage = json::array();
  for (const auto& u : s.usage) {
    usage.push_back({{"role", u.role},
                     {"model", u.model},
                     {"calls", u.calls},
                     {"cached_calls", u.cached_calls},
                     {"failed_calls", u.failed_calls},
                     {"prompt_tokens", u.usage.prompt_tokens},
                     {"completion_tokens", u.usage.completion_tokens},
                     {"dollars", u.dollars}});
  }
  json skipped = json::array();
  for (const auto& line : s.skipped_lines) skipped.push_back({{"line", line.line}, {"message", line.message}});
  return json{{"system", s.system},
              {"dataset", s.dataset},
              {"selected", s.selected},
              {"scored", s.total},
              {"correct", s.correct},
              {"errors", s.errors},
              {"accuracy", s.accuracy},
              {"ci95", {s.ci95.low, s.ci95.high}},
              {"resumed", s.resumed},
              {"stopped_by_budget", s.stopped_by_budget},
              {"stopped_by_failure", s.stopped_by_failure},
              {"wall_s", s.wall_s},
              {"prompt_tokens", s.prompt_tokens},
              {"completion_tokens", s.completion_tokens},
              {"usage_this_process", usage},
              {"skipped_dataset_lines", skipped}};
}

}  // namespace maspo::harness
