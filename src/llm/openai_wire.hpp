// The OpenAI chat-completions wire format, both directions, as pure functions (no I/O), so the
// HTTP backend, `maspo serve` and the fake test server share one parser and the fuzzers can
// reach it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "maspo/llm.hpp"

namespace maspo::llm::wire {

// Client side ---------------------------------------------------------------------------------

// Body of POST /chat/completions: model, messages, temperature, top_p, max_tokens, stop, seed,
// then every key of request.extra (extra wins over the standard keys).
json chat_body(const Request& request);

// Parses a 2xx body. Throws Error(bad_reply) naming what is wrong: invalid JSON, no `choices`,
// empty choices, `message.content` null or missing. Never crashes on any input.
Reply parse_chat_reply(std::string_view body);

// The server's own words from an error body ({"error":{"message":...}} or {"error":"..."} or
// {"message":...}); else the first 500 bytes of the body.
std::string error_message(std::string_view body);

// Retry-After header: delta-seconds or an HTTP-date. Seconds to wait from `now_unix`, or nullopt
// when absent or unreadable.
std::optional<double> parse_retry_after(std::string_view value, double now_unix);

// Server side ---------------------------------------------------------------------------------

// Parses a /v1/chat/completions request body into a Request (model, messages, sampling keys;
// unknown keys go to extra). Throws Error(bad_reply) with a message fit for a 400 answer.
// A message's content may be a string or an array of {"type":"text","text":...} parts (joined).
// An absent temperature means 1.0, as in OpenAI's API; max_completion_tokens wins over
// max_tokens; a null value counts as absent.
Request parse_chat_request(std::string_view body);
// The same, from a body already parsed (the server parses once and shows the JSON to its hook).
Request chat_request_from_json(const json& body);

// Parses any JSON body, refusing nesting deeper than `max_depth` (deep documents would overflow
// the stack in nlohmann's recursive copy and dump). Throws Error(bad_reply) naming the byte
// offset; the message never quotes the body.
json parse_json(std::string_view body, int max_depth = 256);

// A chat.completion response body for `reply`.
json chat_response(const Reply& reply, const std::string& id, long created_unix);

// {"error":{"message":..., "type":...}}
json error_body(std::string_view message, std::string_view type);

}  // namespace maspo::llm::wire
