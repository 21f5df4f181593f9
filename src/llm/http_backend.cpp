// STUB — being replaced by the libcurl multi implementation.
#include "llm/http_backend.hpp"
namespace maspo::llm {
struct HttpBackend::Impl {};
HttpBackend::HttpBackend(std::string, RoleConfig) : impl_(std::make_unique<Impl>()) {}
HttpBackend::~HttpBackend() = default;
void HttpBackend::submit(Request, Completion done) { done(Reply{}, std::make_exception_ptr(Error(ErrorKind::internal, "not implemented"))); }
std::string HttpBackend::describe() const { return "openai"; }
std::vector<HttpBackend::EndpointStats> HttpBackend::stats() const { return {}; }
}
