// OpenAI-compatible server on cpp-httplib.
//
// httplib runs one connection per worker thread and, left alone, parks an idle keep-alive
// connection in a polling loop for up to its keep-alive timeout: stop() would then wait seconds
// for idle clients, and a handler has no way to drop its connection. So this file overrides the
// per-connection loop (Server::process_and_close_socket) with its own, over a small socket stream
// whose waits also watch a stop eventfd; httplib still parses requests and writes responses.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "llm/openai_wire.hpp"
#include "maspo/serve.hpp"

namespace maspo::serve {

namespace wire = llm::wire;
using llm::json;

namespace {

// What the handler may do to the connection it runs on (handlers run on the connection's thread).
struct Connection {
  int fd = -1;
  bool drop = false;   // write nothing more; close
};
thread_local Connection* current_connection = nullptr;

// Everything that must wake up when the server stops: connection waits (through the eventfd, which
// is written once and never drained, so it stays readable), fault delays and backend waits.
struct StopSignal {
  std::atomic<bool> stopping{false};
  int event_fd = -1;
  std::mutex mutex;
  std::condition_variable cv;

  StopSignal() : event_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (event_fd < 0) throw std::runtime_error("eventfd: " + std::string(std::strerror(errno)));
  }
  ~StopSignal() { ::close(event_fd); }
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  void raise() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd, &one, sizeof one);
    cv.notify_all();
  }
  // False when the server stopped before `seconds` passed.
  bool sleep(double seconds) {
    auto span = std::chrono::duration<double>(std::clamp(seconds, 0.0, 1e7));
    std::unique_lock<std::mutex> lock(mutex);
    return !cv.wait_for(lock, span, [&] { return stopping.load(); });
  }
};

// fd ready for `events` within timeout_ms, and the server not stopping.
bool wait_fd(int fd, short events, int timeout_ms, const StopSignal& stop) {
  pollfd fds[2] = {{fd, events, 0}, {stop.event_fd, POLLIN, 0}};
  for (;;) {
    int n = ::poll(fds, 2, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || fds[1].revents != 0) return false;
    return fds[0].revents != 0;
  }
}

int to_ms(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

std::string address_of(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text, sizeof text);
  }
  return text;
}

int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  return -1;
}

struct Endpoint {
  std::string ip;
  int port = -1;
};

template <typename GetName>
Endpoint endpoint_of(int fd, GetName get_name) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (get_name(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  return {address_of(addr), port_of(addr)};
}

// A buffered socket stream: httplib reads request lines a byte at a time, so reads come from a
// buffer; every wait gives up when the server stops.
class ConnectionStream final : public httplib::Stream {
 public:
  struct Timeouts {
    int read_ms;
    int write_ms;
  };
  ConnectionStream(Connection& connection, const StopSignal& stop, Timeouts timeouts)
      : conn_(connection), stop_(stop), timeouts_(timeouts),
        remote_(endpoint_of(connection.fd, ::getpeername)),
        local_(endpoint_of(connection.fd, ::getsockname)) {}

  bool has_buffered() const { return begin_ < end_; }
  bool wait_readable(int timeout_ms) const {
    return has_buffered() || wait_fd(conn_.fd, POLLIN, timeout_ms, stop_);
  }

  bool is_readable() const override { return wait_readable(timeouts_.read_ms); }
  // A socket with room is written to even while stopping, so a handler's last answer (a 503 on
  // shutdown) still goes out; only a wait for room gives up on stop.
  bool is_writable() const override {
    if (conn_.drop) return false;
    pollfd now{conn_.fd, POLLOUT, 0};
    if (::poll(&now, 1, 0) == 1 && (now.revents & POLLOUT) != 0) return true;
    return wait_fd(conn_.fd, POLLOUT, timeouts_.write_ms, stop_);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (!has_buffered()) {
      if (!wait_readable(timeouts_.read_ms)) return -1;
      ssize_t n = recv_some(buffer_, sizeof buffer_);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      if (!is_writable()) return -1;
      ssize_t n = ::send(conn_.fd, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return -1;
      sent += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(sent);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_.ip;
    port = remote_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_.ip;
    port = local_.port;
  }
  socket_t socket() const override { return conn_.fd; }

 private:
  ssize_t recv_some(char* into, size_t size) {
    for (;;) {
      ssize_t n = ::recv(conn_.fd, into, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  Connection& conn_;
  const StopSignal& stop_;
  Timeouts timeouts_;
  Endpoint remote_, local_;
  char buffer_[16 * 1024];
  size_t begin_ = 0, end_ = 0;
};

class HttpServer final : public httplib::Server {
 public:
  HttpServer(const StopSignal& stop, int keep_alive_max_requests, int keep_alive_timeout_s)
      : stop_(stop), max_requests_(std::max(1, keep_alive_max_requests)),
        idle_ms_(std::max(0, keep_alive_timeout_s) * 1000) {
    // Only for the Keep-Alive header httplib writes; the loop below enforces them.
    set_keep_alive_max_count(static_cast<size_t>(max_requests_));
    set_keep_alive_timeout(keep_alive_timeout_s);
  }

  // httplib listens with a backlog of 5: a burst of new connections (a client opening 32 at once)
  // overflows it and the kernel drops handshakes, costing the client a 1 s SYN retry or an error.
  void widen_backlog() { ::listen(svr_sock_, SOMAXCONN); }

 private:
  bool process_and_close_socket(socket_t sock) override {
    int one = 1;
    // A response goes out as two writes (head, then body); without this Nagle holds the second
    // until the client's delayed ACK, ~40 ms per request.
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection connection{sock, false};
    current_connection = &connection;
    bool ok = serve_connection(connection);
    current_connection = nullptr;
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  bool serve_connection(Connection& connection) {
    ConnectionStream stream(connection, stop_,
                            {to_ms(read_timeout_sec_, read_timeout_usec_), to_ms(write_timeout_sec_, write_timeout_usec_)});
    bool ok = false;
    for (int served = 0; served < max_requests_; ++served) {
      if (stop_.stopping || !stream.wait_readable(idle_ms_)) break;
      bool last = served + 1 == max_requests_;
      bool closed = false;
      ok = process_request(stream, last, closed, nullptr);
      if (!ok || closed || connection.drop) break;
    }
    return ok;
  }

  const StopSignal& stop_;
  int max_requests_;
  int idle_ms_;
};

// A request waiting for the backend. The completion may come after the handler gave up (server
// stopping), so the state is shared with it.
struct Pending {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  bool abandoned = false;
  llm::Reply reply;
  std::exception_ptr error;
};

// A dripped body goes out a few bytes at a time (an odd count, to split tokens and UTF-8
// sequences), paced, and is abandoned when the server stops.
constexpr size_t kDripChunk = 7;
constexpr double kDripInterval_s = 0.01;

struct HttpAnswer {
  int status = 200;
  std::string body;
};

HttpAnswer error_answer(int status, std::string_view message, std::string_view type) {
  return {status, wire::error_body(message, type).dump(-1, ' ', false, json::error_handler_t::replace)};
}

std::map<std::string, std::string> lower_cased(const httplib::Headers& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    out.emplace(std::move(key), value);
  }
  return out;
}

std::string format_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

// -------------------------------------------------------------------------------------------------

struct OpenAIServer::Impl {
  std::shared_ptr<llm::Backend> backend;
  ServerOptions options;
  FaultHook hook;
  StopSignal stop_signal;
  HttpServer http;
  std::string models_body;
  std::atomic<std::uint64_t> next_id{0};

  std::mutex pending_mutex;
  std::unordered_set<std::shared_ptr<Pending>> pending;

  std::thread listener;
  int bound_port = 0;
  std::mutex stop_call_mutex;     // serialises stop()
  std::mutex state_mutex;
  std::condition_variable state_cv;
  bool stopped = false;
  bool listener_done = false;

  Impl(std::shared_ptr<llm::Backend> b, ServerOptions o)
      : backend(std::move(b)), options(std::move(o)),
        http(stop_signal, options.keep_alive_max_requests, options.keep_alive_timeout_s) {
    json models = {{"object", "list"},
                   {"data", json::array({{{"id", options.model_name}, {"object", "model"}, {"created", 0},
                                          {"owned_by", "maspo"}}})}};
    models_body = models.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  void routes();
  void chat(const httplib::Request& req, httplib::Response& res);
  HttpAnswer answer(json body);
  HttpAnswer run_backend(llm::Request request);
  void send(httplib::Response& res, HttpAnswer answer, const FaultAction& fault);
  void cancel_pending();
  void request_stop();
};

void OpenAIServer::Impl::routes() {
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { chat(req, res); });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(models_body, "application/json");
  });
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    // Only httplib's own routing failures: our handlers always fill the body they mean to send.
    if (!res.body.empty() || res.content_provider_ || (res.status != 404 && res.status != 405)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    auto a = error_answer(res.status, "no route for " + req.method + " " + req.path, "invalid_request_error");
    res.set_content(a.body, "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    auto a = error_answer(500, "internal server error", "server_error");
    res.status = 500;
    res.set_content(a.body, "application/json");
  });
  // httplib's default adds SO_REUSEPORT, which lets a second server silently share a taken port.
  http.set_socket_options([](socket_t sock) {
    int one = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  http.set_payload_max_length(options.max_body_bytes);
  auto threads = static_cast<size_t>(std::max(1, options.threads));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

void OpenAIServer::Impl::chat(const httplib::Request& req, httplib::Response& res) {
  json body;
  try {
    body = wire::parse_json(req.body);
  } catch (const llm::Error& e) {
    return send(res, error_answer(400, std::string("request body: ") + e.what(), "invalid_request_error"), {});
  }
  FaultAction fault;
  if (hook) {
    IncomingRequest incoming{std::move(body), lower_cased(req.headers)};
    fault = hook(incoming);
    body = std::move(incoming.body);
  }
  if (fault.delay_s > 0 && !stop_signal.sleep(fault.delay_s)) {
    return send(res, error_answer(503, "the server is shutting down", "server_error"), {});
  }
  if (fault.drop_connection) {
    if (current_connection) current_connection->drop = true;
    return;
  }
  if (fault.status != 0) return send(res, {fault.status, fault.body}, fault);
  send(res, answer(std::move(body)), fault);
}

HttpAnswer OpenAIServer::Impl::answer(json body) {
  llm::Request request;
  try {
    request = wire::chat_request_from_json(body);
  } catch (const llm::Error& e) {
    return error_answer(400, e.what(), "invalid_request_error");
  }
  if (auto s = request.extra.find("stream"); s != request.extra.end() && *s == true) {
    return error_answer(400, "streaming is not supported by this server; send \"stream\": false",
                        "invalid_request_error");
  }
  return run_backend(std::move(request));
}

HttpAnswer OpenAIServer::Impl::run_backend(llm::Request request) {
  auto p = std::make_shared<Pending>();
  try {
    backend->submit(std::move(request), [p](llm::Reply reply, std::exception_ptr error) {
      {
        std::lock_guard<std::mutex> lock(p->mutex);
        p->reply = std::move(reply);
        p->error = error;
        p->done = true;
      }
      p->cv.notify_one();
    });
  } catch (...) {
    p->error = std::current_exception();
    p->done = true;
  }
  bool registered = false;
  {
    std::unique_lock<std::mutex> lock(p->mutex);
    if (!p->done) {
      lock.unlock();
      {
        std::lock_guard<std::mutex> reg(pending_mutex);
        pending.insert(p);
      }
      registered = true;
      lock.lock();
      p->cv.wait(lock, [&] { return p->done || p->abandoned; });
    }
  }
  if (registered) {
    std::lock_guard<std::mutex> reg(pending_mutex);
    pending.erase(p);
  }
  std::lock_guard<std::mutex> lock(p->mutex);
  if (!p->done) return error_answer(503, "the server is shutting down", "server_error");
  if (p->error) {
    try {
      std::rethrow_exception(p->error);
    } catch (const llm::Error& e) {
      bool client_side = e.kind() == llm::ErrorKind::prompt_too_long || e.kind() == llm::ErrorKind::bad_reply;
      return client_side ? error_answer(400, e.what(), "invalid_request_error")
                         : error_answer(500, e.what(), "server_error");
    } catch (const std::exception& e) {
      return error_answer(500, std::string("internal error: ") + e.what(), "server_error");
    } catch (...) {
      return error_answer(500, "internal error", "server_error");
    }
  }
  if (p->reply.model.empty()) p->reply.model = options.model_name;
  auto id = "chatcmpl-maspo-" + std::to_string(next_id.fetch_add(1) + 1);
  return {200, wire::chat_response(p->reply, id, static_cast<long>(std::time(nullptr)))
                   .dump(-1, ' ', false, json::error_handler_t::replace)};
}

void OpenAIServer::Impl::send(httplib::Response& res, HttpAnswer a, const FaultAction& fault) {
  res.status = a.status;
  if (!fault.retry_after.empty()) res.set_header("Retry-After", fault.retry_after);
  if (fault.cut_body) {
    // Content-Length promises the whole body; half goes out and the provider's `false` makes
    // httplib close the connection: the client sees a body that ends early.
    auto body = std::make_shared<std::string>(std::move(a.body));
    size_t declared = std::max<size_t>(body->size(), 2);
    size_t sent = body->size() / 2;
    res.set_content_provider(declared, "application/json",
                             [body, sent](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset < sent) sink.write(body->data() + offset, sent - offset);
                               return false;
                             });
    return;
  }
  if (fault.drip) {
    auto body = std::make_shared<std::string>(std::move(a.body));
    StopSignal* stop = &stop_signal;
    res.set_content_provider(body->size(), "application/json",
                             [body, stop](size_t offset, size_t length, httplib::DataSink& sink) {
                               if (offset > 0 && !stop->sleep(kDripInterval_s)) return false;
                               return sink.write(body->data() + offset, std::min(kDripChunk, length));
                             });
    return;
  }
  res.body = std::move(a.body);
  res.set_header("Content-Type", "application/json");
}

void OpenAIServer::Impl::cancel_pending() {
  std::vector<std::shared_ptr<Pending>> waiting;
  {
    std::lock_guard<std::mutex> lock(pending_mutex);
    waiting.assign(pending.begin(), pending.end());
  }
  for (auto& p : waiting) {
    {
      std::lock_guard<std::mutex> lock(p->mutex);
      p->abandoned = true;
    }
    p->cv.notify_all();
  }
}

void OpenAIServer::Impl::request_stop() {
  stop_signal.raise();
  cancel_pending();
  http.stop();
}

// -------------------------------------------------------------------------------------------------

OpenAIServer::OpenAIServer(std::shared_ptr<llm::Backend> backend, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(backend), std::move(options))) {
  if (!impl_->backend) throw std::invalid_argument("OpenAIServer: no backend");
}

OpenAIServer::~OpenAIServer() { stop(); }

void OpenAIServer::set_fault_hook(FaultHook hook) { impl_->hook = std::move(hook); }

int OpenAIServer::start() {
  auto& im = *impl_;
  if (im.listener.joinable()) return im.bound_port;
  im.routes();
  const auto& host = im.options.host;
  if (im.options.port == 0) {
    im.bound_port = im.http.bind_to_any_port(host);
  } else {
    im.bound_port = im.http.bind_to_port(host, im.options.port) ? im.options.port : -1;
  }
  if (im.bound_port <= 0) {
    throw std::runtime_error("cannot bind " + format_host(host) + ":" + std::to_string(im.options.port));
  }
  im.http.widen_backlog();
  im.listener = std::thread([&im] {
    im.http.listen_after_bind();
    {
      std::lock_guard<std::mutex> lock(im.state_mutex);
      im.listener_done = true;
    }
    im.state_cv.notify_all();
  });
  // httplib's stop() does nothing until the listen loop is running, so a stop() right after
  // start() would be lost: wait for it (bounded; it takes microseconds).
  for (int i = 0; i < 5000 && !im.http.is_running(); ++i) {
    std::unique_lock<std::mutex> lock(im.state_mutex);
    if (im.listener_done) break;
    im.state_cv.wait_for(lock, std::chrono::milliseconds(1));
  }
  return im.bound_port;
}

void OpenAIServer::wait() {
  auto& im = *impl_;
  std::unique_lock<std::mutex> lock(im.state_mutex);
  im.state_cv.wait(lock, [&] { return im.stopped || im.listener_done; });
}

void OpenAIServer::stop() {
  auto& im = *impl_;
  std::lock_guard<std::mutex> serial(im.stop_call_mutex);
  im.request_stop();
  if (im.listener.joinable()) im.listener.join();
  {
    std::lock_guard<std::mutex> lock(im.state_mutex);
    im.stopped = true;
  }
  im.state_cv.notify_all();
}

int OpenAIServer::port() const { return impl_->bound_port; }

std::string OpenAIServer::base_url() const {
  return "http://" + format_host(impl_->options.host) + ":" + std::to_string(impl_->bound_port) + "/v1";
}

}  // namespace maspo::serve
