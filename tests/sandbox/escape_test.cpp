// Escape attempts from inside the box: network, files outside the work dir, the home directory
// and the repository, the parent's secrets, the host's processes. Where the same program run
// without a box would get through, a control run shows the test would notice an escape.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "maspo/sandbox.hpp"
#include "sandbox/sandbox_fixture.hpp"
#include "support/temp_dir.hpp"

namespace maspo::sandbox {
namespace {

using testing::quick_options;
using testing::unsandboxed_options;
using testing::with;

// A TCP server on the host's loopback: listening, never accepting, so a connection that got
// through waits in its backlog where the test can see it.
class LoopbackServer {
 public:
  LoopbackServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackServer() { ::close(fd_); }
  int port() const { return port_; }
  bool someone_connected() const {
    const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return false;
    ::close(conn);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

constexpr const char* kConnect = R"(import socket
def attempt(what, fn):
    try:
        fn()
        print(what, 'REACHED')
    except OSError as e:
        print(what, 'blocked', type(e).__name__)
def tcp(host, port):
    s = socket.socket()
    s.settimeout(2)
    s.connect((host, port))
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b'x', ('1.1.1.1', 53))
attempt('loopback', lambda: tcp('127.0.0.1', @PORT@))
attempt('internet', lambda: tcp('1.1.1.1', 53))
attempt('udp', udp)
attempt('dns', lambda: socket.getaddrinfo('example.com', 80))
print('interfaces', [name for _, name in socket.if_nameindex()])
)";

TEST(SandboxEscape, NoNetworkNotEvenTheHostsLoopback) {
  const LoopbackServer server;
  const auto program = with(kConnect, "@PORT@", std::to_string(server.port()));
  const Sandbox box(quick_options());
  const auto r = box.run_python(program);
  ASSERT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_EQ(r.stdout_text.find("REACHED"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("loopback blocked ConnectionRefusedError"), std::string::npos)
      << r.stdout_text;  // its own, empty loopback
  EXPECT_NE(r.stdout_text.find("internet blocked"), std::string::npos);
  EXPECT_NE(r.stdout_text.find("udp blocked"), std::string::npos);
  EXPECT_NE(r.stdout_text.find("dns blocked"), std::string::npos);
  EXPECT_NE(r.stdout_text.find("interfaces ['lo']"), std::string::npos) << r.stdout_text;
  EXPECT_FALSE(server.someone_connected());

  // Control: on the host the same program reaches the server, and the test sees it.
  const auto control = Sandbox(unsandboxed_options()).run_python(program);
  EXPECT_NE(control.stdout_text.find("loopback REACHED"), std::string::npos) << control.stdout_text;
  EXPECT_TRUE(server.someone_connected());
}

TEST(SandboxEscape, WritesOutsideTheWorkDirFailOrStayInTheBox) {
  const maspo::testing::TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // even world-writable
  const std::string host_tmp_file = "/tmp/maspo-sandbox-escape-" + std::to_string(::getpid());
  const std::string program = with(with(R"(import os
written = []
for path in ['/usr/escape', '/usr/lib/escape', '/etc/escape', '/escape', '/root/escape',
             '/home/escape', '/proc/escape', '/dev/escape', '@DIR@/escape', '@SRC@/escape']:
    try:
        with open(path, 'w') as f:
            f.write('x')
        written.append(path)
    except OSError:
        pass
print('written', written)
with open('@TMP@', 'w') as f:  # the box's own /tmp
    f.write('inside')
print('tmp', open('@TMP@').read())
)", "@DIR@", dir.path().string()), "@SRC@", MASPO_SOURCE_DIR);
  const Sandbox box(quick_options());
  const auto r = box.run_python(with(program, "@TMP@", host_tmp_file));
  ASSERT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("written []"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("tmp inside"), std::string::npos) << r.stdout_text;
  EXPECT_FALSE(std::filesystem::exists(host_tmp_file));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "escape"));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(MASPO_SOURCE_DIR) / "escape"));
}

TEST(SandboxEscape, HomeDirectoryRepositoryAndEtcAreNotVisible) {
  const char* home = std::getenv("HOME");
  const std::string program = with(with(R"(import os
visible = []
for path in ['/root', '@HOME@', '/home', '@SRC@', '@SRC@/README.md',
             '/etc/passwd', '/etc/shadow', '/etc/hostname', '/sys', '/run', '/var']:
    if os.path.exists(path):
        visible.append(path)
print('visible', visible)
)", "@HOME@", home != nullptr ? home : "/root"), "@SRC@", MASPO_SOURCE_DIR);
  const Sandbox box(quick_options());
  const auto r = box.run_python(program);
  ASSERT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "visible []\n");

  const auto control = Sandbox(unsandboxed_options()).run_python(program);
  EXPECT_NE(control.stdout_text.find("README.md"), std::string::npos) << control.stdout_text;
}

// No control run here: setenv() changes our environment in memory only, which /proc/PID/environ
// does not show; what would leak it is handing our environment to bwrap, and then os.environ
// inside shows the key.
TEST(SandboxEscape, SecretsInTheParentsEnvironmentAreNotVisible) {
  const std::string secret = "sk-test-secret-" + std::to_string(::getpid());
  ::setenv("OPENAI_API_KEY", secret.c_str(), 1);
  const std::string program = with(R"(import os
hits = [k for k, v in os.environ.items() if '@SECRET@' in v or k == 'OPENAI_API_KEY']
scanned = 0
for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['self']:
    for name in ('environ', 'cmdline'):
        try:
            data = open('/proc/%s/%s' % (pid, name), 'rb').read()
        except OSError:
            continue
        scanned += 1
        if b'@SECRET@' in data:
            hits.append('/proc/%s/%s' % (pid, name))
print('scanned', scanned, 'hits', hits)
)", "@SECRET@", secret);
  const Sandbox box(quick_options());
  const auto r = box.run_python(program);
  ::unsetenv("OPENAI_API_KEY");

  ASSERT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("hits []"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("scanned 0 "), std::string::npos);  // /proc/self and /proc/1 read
}

TEST(SandboxEscape, HostProcessesAreNotVisibleOrReachable) {
  const std::string program = with(R"(import os, signal
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print('pids', len(pids))
try:
    os.kill(@PID@, 0)
    print('host pid REACHED')
except OSError:
    print('host pid unreachable')
)", "@PID@", std::to_string(::getpid()));
  const Sandbox box(quick_options());
  const auto r = box.run_python(program);
  ASSERT_EQ(r.status, Status::pass) << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("pids 2\n"), std::string::npos) << r.stdout_text;  // init + us
  EXPECT_NE(r.stdout_text.find("host pid unreachable"), std::string::npos) << r.stdout_text;
}

}  // namespace
}  // namespace maspo::sandbox
