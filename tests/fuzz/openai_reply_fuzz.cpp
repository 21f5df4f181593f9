// Fuzzes the OpenAI wire format (src/llm/openai_wire.hpp), the parsers that read bytes from the
// network: parse_chat_reply (a completion body), error_message (an error body), parse_retry_after
// (a header value), and parse_chat_request (what `maspo serve` reads). The whole input is the
// body. Only llm::Error(bad_reply) may be thrown. Checked besides:
//  - a parsed reply survives a round trip through chat_response (what `maspo serve` answers);
//  - a parsed request survives a round trip through chat_body (what the HTTP backend sends);
//  - error_message returns valid UTF-8 of at most 500 bytes;
//  - a Retry-After delay is finite and not negative.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "llm/openai_wire.hpp"

namespace llm = maspo::llm;
namespace wire = maspo::llm::wire;

namespace {

void check_reply(std::string_view body) {
  llm::Reply reply;
  try {
    reply = wire::parse_chat_reply(body);
  } catch (const llm::Error& e) {
    FUZZ_CHECK(e.kind() == llm::ErrorKind::bad_reply);
    FUZZ_CHECK(maspo::fuzz::valid_utf8(e.what()));
    return;
  }
  FUZZ_CHECK(reply.usage.prompt_tokens >= 0 && reply.usage.completion_tokens >= 0);
  const std::string served = wire::chat_response(reply, "chatcmpl-fuzz", 0).dump();
  const llm::Reply again = wire::parse_chat_reply(served);
  FUZZ_CHECK(again.text == reply.text);
  FUZZ_CHECK(again.finish_reason == (reply.finish_reason.empty() ? "stop" : reply.finish_reason));
  FUZZ_CHECK(again.model == reply.model);
  FUZZ_CHECK(again.usage == reply.usage);
}

void check_request(std::string_view body) {
  llm::Request request;
  try {
    request = wire::parse_chat_request(body);
  } catch (const llm::Error& e) {
    FUZZ_CHECK(e.kind() == llm::ErrorKind::bad_reply);
    FUZZ_CHECK(maspo::fuzz::valid_utf8(e.what()));
    return;
  }
  const std::string sent = wire::chat_body(request).dump();
  const llm::Request again = wire::parse_chat_request(sent);
  FUZZ_CHECK(again.messages.size() == request.messages.size());
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    FUZZ_CHECK(again.messages[i].role == request.messages[i].role);
    FUZZ_CHECK(again.messages[i].content == request.messages[i].content);
  }
  FUZZ_CHECK(again.model == request.model);
  FUZZ_CHECK(again.temperature == request.temperature);
  FUZZ_CHECK(again.top_p == request.top_p);
  FUZZ_CHECK(again.max_tokens == request.max_tokens);
  FUZZ_CHECK(again.stop == request.stop);
  FUZZ_CHECK(again.seed == request.seed);
  FUZZ_CHECK(again.extra == request.extra);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = maspo::fuzz::as_text(data, size);
  check_reply(body);
  check_request(body);

  const std::string said = wire::error_message(body);
  FUZZ_CHECK(said.size() <= 500);
  FUZZ_CHECK(maspo::fuzz::valid_utf8(said));

  if (size <= 128) {
    if (std::optional<double> wait = wire::parse_retry_after(body, 1.7e9)) {
      FUZZ_CHECK(std::isfinite(*wait) && *wait >= 0.0);
    }
  }
  return 0;
}
