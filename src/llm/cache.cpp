// STUB — being replaced by the SQLite implementation.
#include "llm/cache.hpp"
namespace maspo::llm {
struct Cache::Impl { CacheConfig cfg; };
Cache::Cache(const CacheConfig& config) : impl_(std::make_unique<Impl>()) { impl_->cfg = config; impl_->cfg.mode = CacheMode::off; }
Cache::~Cache() = default;
CacheMode Cache::mode() const { return impl_->cfg.mode; }
const std::string& Cache::path() const { return impl_->cfg.path; }
std::optional<Reply> Cache::get(const std::string&) { return std::nullopt; }
void Cache::put(const std::string&, const json&, const Reply&) {}
void Cache::flush() {}
std::int64_t Cache::size() { return 0; }
}
