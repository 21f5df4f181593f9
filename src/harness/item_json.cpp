#include "maspo/harness.hpp"

namespace maspo::harness {

json to_json(const ItemResult& item) {
  return json{{"id", item.id},
              {"extracted", item.extracted},
              {"gold", item.gold},
              {"correct", item.correct},
              {"status", item.status},
              {"error", item.error},
              {"prompt_tokens", item.usage.prompt_tokens},
              {"completion_tokens", item.usage.completion_tokens},
              {"latency_s", item.latency_s},
              {"trace", mas::to_json(item.trace)}};
}

}  // namespace maspo::harness
