// The standard backend factory: openai (HTTP), scripted (test double) and, when maspo is built
// with llama.cpp, llama (embedded).
#include <mutex>

#include "llm/http_backend.hpp"
#include "llm/llama_backend.hpp"
#include "llm/scripted_backend.hpp"
#include "maspo/llm.hpp"

namespace maspo::llm {

namespace {

class DefaultFactory : public BackendFactory {
 public:
  std::shared_ptr<Backend> make(const std::string& role, const RoleConfig& cfg) override {
    if (cfg.backend == "openai") return std::make_shared<HttpBackend>(role, cfg);
    if (cfg.backend == "scripted") {
      if (cfg.rules_path.empty()) {
        throw Error(ErrorKind::config, "role `" + role + "`: the scripted backend (a test double) needs `rules`");
      }
      return ScriptedBackend::from_rules_file(cfg.rules_path);
    }
    if (cfg.backend == "llama") {
#ifdef MASPO_WITH_LLAMA
      // LlamaBackend shares the loaded model (and, with equal settings, the decode engine) with
      // every other role naming the same file.
      return std::make_shared<LlamaBackend>(role, cfg);
#else
      throw Error(ErrorKind::config, "role `" + role + "`: this maspo was built without the embedded llama.cpp backend "
                                     "(run scripts/setup, which fetches and builds it)");
#endif
    }
    throw Error(ErrorKind::config, "role `" + role + "`: unknown backend `" + cfg.backend +
                                       "` (expected openai, llama or scripted)");
  }
};

}  // namespace

std::shared_ptr<BackendFactory> default_backend_factory() { return std::make_shared<DefaultFactory>(); }

}  // namespace maspo::llm
