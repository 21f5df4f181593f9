// TEST DOUBLE: the fake OpenAI server (see fake_openai_server.hpp).
#include "support/fake_openai_server.hpp"

#include <array>
#include <cmath>
#include <deque>
#include <utility>

#include "llm/openai_wire.hpp"
#include "llm/scripted_backend.hpp"

namespace maspo::testing {

namespace {

constexpr std::array<std::pair<Fault, std::string_view>, 13> kFaultNames = {{
    {Fault::none, "none"},
    {Fault::status_429, "status_429"},
    {Fault::status_500, "status_500"},
    {Fault::status_503, "status_503"},
    {Fault::status_400, "status_400"},
    {Fault::status_401, "status_401"},
    {Fault::hang, "hang"},
    {Fault::malformed_json, "malformed_json"},
    {Fault::empty_choices, "empty_choices"},
    {Fault::null_content, "null_content"},
    {Fault::cut_off_body, "cut_off_body"},
    {Fault::drop_connection, "drop_connection"},
    {Fault::slow_drip, "slow_drip"},
}};

struct QueuedFault {
  Fault fault = Fault::none;
  int remaining = 0;
  double retry_after_s = 0.0;
};

std::string last_user_message(const llm::Request& request) {
  for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
    if (it->role == "user") return it->content;
  }
  return {};
}

// Retry-After is whole seconds on the wire; a fraction is kept (our parser reads it) so tests
// can ask for sub-second waits.
std::string retry_after_text(double seconds) {
  if (seconds == std::floor(seconds)) return std::to_string(static_cast<long long>(seconds));
  std::string text = std::to_string(seconds);
  while (text.back() == '0') text.pop_back();
  return text;
}

std::string status_body(int status) {
  using llm::wire::error_body;
  switch (status) {
    case 429: return error_body("Rate limit reached (injected fault)", "rate_limit_error").dump();
    case 400: return error_body("Invalid request (injected fault)", "invalid_request_error").dump();
    case 401: return error_body("Incorrect API key provided (injected fault)", "authentication_error").dump();
    case 503: return error_body("Service unavailable (injected fault)", "server_error").dump();
    default: return error_body("Internal server error (injected fault)", "server_error").dump();
  }
}

std::string malformed_reply(Fault fault) {
  llm::json choice = {{"index", 0}, {"message", {{"role", "assistant"}, {"content", nullptr}}}, {"finish_reason", "stop"}};
  llm::json reply = {{"id", "chatcmpl-fake"}, {"object", "chat.completion"}, {"created", 0}, {"model", "fake"}};
  switch (fault) {
    case Fault::empty_choices:
      reply["choices"] = llm::json::array();
      return reply.dump();
    case Fault::null_content:
      reply["choices"] = llm::json::array({choice});
      return reply.dump();
    default:
      return R"({"id": "chatcmpl-fake", "choices": [{"message": {"content": "unterminated)";
  }
}

serve::FaultAction action_for(Fault fault, double retry_after_s, double hang_s) {
  serve::FaultAction a;
  switch (fault) {
    case Fault::none: break;
    case Fault::status_429:
      a.status = 429;
      a.retry_after = retry_after_text(retry_after_s);
      break;
    case Fault::status_500: a.status = 500; break;
    case Fault::status_503: a.status = 503; break;
    case Fault::status_400: a.status = 400; break;
    case Fault::status_401: a.status = 401; break;
    case Fault::hang: a.delay_s = hang_s; break;
    case Fault::malformed_json:
    case Fault::empty_choices:
    case Fault::null_content:
      a.status = 200;
      a.body = malformed_reply(fault);
      break;
    case Fault::cut_off_body: a.cut_body = true; break;
    case Fault::drop_connection: a.drop_connection = true; break;
    case Fault::slow_drip: a.drip = true; break;
  }
  if (a.status >= 400) a.body = status_body(a.status);
  return a;
}

}  // namespace

std::string_view to_string(Fault fault) {
  for (const auto& [f, name] : kFaultNames) {
    if (f == fault) return name;
  }
  return "unknown";
}

std::optional<Fault> fault_from_name(std::string_view name) {
  for (const auto& [f, n] : kFaultNames) {
    if (n == name) return f;
  }
  return std::nullopt;
}

// -------------------------------------------------------------------------------------------------

struct FakeOpenAIServer::Impl {
  using Responder = std::function<std::string(const llm::Request&)>;

  Options options;
  mutable std::mutex mutex;
  std::deque<QueuedFault> faults;
  double latency_s = 0.0;
  std::shared_ptr<const Responder> responder;
  int requests = 0;
  std::vector<llm::json> bodies;
  std::vector<std::string> authorization;
  // Last member: destroyed (stopped) first, while the state its threads touch still exists.
  std::unique_ptr<serve::OpenAIServer> server;

  explicit Impl(Options o) : options(o), latency_s(o.latency_s) {
    responder = std::make_shared<const Responder>(
        [](const llm::Request& r) { return "echo: " + last_user_message(r); });
  }

  serve::FaultAction on_request(const serve::IncomingRequest& in) {
    std::lock_guard<std::mutex> lock(mutex);
    ++requests;
    bodies.push_back(in.body);
    auto auth = in.headers.find("authorization");
    authorization.push_back(auth == in.headers.end() ? std::string() : auth->second);
    serve::FaultAction action;
    if (!faults.empty()) {
      QueuedFault& f = faults.front();
      action = action_for(f.fault, f.retry_after_s, options.hang_s);
      if (--f.remaining <= 0) faults.pop_front();
    }
    action.delay_s += latency_s;
    return action;
  }

  llm::Reply respond(const llm::Request& request) {
    std::shared_ptr<const Responder> r;
    {
      std::lock_guard<std::mutex> lock(mutex);
      r = responder;
    }
    llm::Reply reply;
    reply.text = (*r)(request);
    return reply;
  }
};

FakeOpenAIServer::FakeOpenAIServer() : FakeOpenAIServer(Options{}) {}

FakeOpenAIServer::FakeOpenAIServer(Options options) : impl_(std::make_unique<Impl>(options)) {
  Impl* im = impl_.get();
  auto backend = std::make_shared<llm::ScriptedBackend>(
      [im](const llm::Request& r) { return im->respond(r); }, "fake OpenAI server");
  serve::ServerOptions so;
  so.host = "127.0.0.1";
  so.port = options.port;
  so.threads = options.threads;
  so.model_name = "fake-model";
  im->server = std::make_unique<serve::OpenAIServer>(std::move(backend), so);
  im->server->set_fault_hook([im](const serve::IncomingRequest& in) { return im->on_request(in); });
  im->server->start();
}

FakeOpenAIServer::~FakeOpenAIServer() = default;

int FakeOpenAIServer::port() const { return impl_->server->port(); }

std::string FakeOpenAIServer::base_url() const { return impl_->server->base_url(); }

void FakeOpenAIServer::push_fault(Fault fault, int count, double retry_after_s) {
  // Fault::none queues `count` normal answers: later faults start after them.
  if (count <= 0) return;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.push_back({fault, count, retry_after_s});
}

void FakeOpenAIServer::set_latency(double seconds) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->latency_s = seconds;
}

void FakeOpenAIServer::set_responder(std::function<std::string(const llm::Request&)> responder) {
  auto r = std::make_shared<const Impl::Responder>(std::move(responder));
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->responder = std::move(r);
}

int FakeOpenAIServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->requests;
}

std::vector<llm::json> FakeOpenAIServer::bodies() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->bodies;
}

std::vector<std::string> FakeOpenAIServer::authorization_headers() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->authorization;
}

}  // namespace maspo::testing
