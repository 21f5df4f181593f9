// STUB — being replaced.
#include "maspo/serve.hpp"
namespace maspo::serve {
struct OpenAIServer::Impl {};
OpenAIServer::OpenAIServer(std::shared_ptr<llm::Backend>, ServerOptions) : impl_(std::make_unique<Impl>()) {}
OpenAIServer::~OpenAIServer() = default;
void OpenAIServer::set_fault_hook(FaultHook) {}
int OpenAIServer::start() { return 0; }
void OpenAIServer::wait() {}
void OpenAIServer::stop() {}
int OpenAIServer::port() const { return 0; }
std::string OpenAIServer::base_url() const { return {}; }
}
