// The OpenAI wire format: replies good and malformed (always llm::Error(bad_reply), never a crash),
// error bodies, Retry-After in both forms, request bodies good and bad, and the round trip
// chat_body -> parse_chat_request.
#include "llm/openai_wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace maspo::llm::wire {
namespace {

// Runs `fn`, expects Error(bad_reply) whose message contains `needle`.
template <typename Fn>
void expect_bad_reply(Fn fn, const std::string& needle, const std::string& label) {
  try {
    fn();
    ADD_FAILURE() << label << ": no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_reply) << label;
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << label << ": message was: " << e.what();
  } catch (...) {
    ADD_FAILURE() << label << ": threw something other than llm::Error";
  }
}

// --- replies ------------------------------------------------------------------------------------

TEST(OpenAIWireReply, ReadsTextFinishReasonUsageAndModel) {
  auto r = parse_chat_reply(R"({
    "id": "x", "object": "chat.completion", "model": "qwen3-8b",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris"}, "finish_reason": "length"},
                {"index": 1, "message": {"role": "assistant", "content": "ignored"}}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}})");
  EXPECT_EQ(r.text, "Paris");
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.usage.prompt_tokens, 12);
  EXPECT_EQ(r.usage.completion_tokens, 3);
  EXPECT_EQ(r.model, "qwen3-8b");
}

TEST(OpenAIWireReply, ToleratesMissingOrOddOptionalFields) {
  struct Case {
    const char* label;
    const char* body;
    Usage usage;
    std::string finish_reason;
  };
  const std::vector<Case> cases = {
      {"no usage", R"({"choices":[{"message":{"content":"a"}}]})", {0, 0}, ""},
      {"usage null", R"({"choices":[{"message":{"content":"a"}}],"usage":null})", {0, 0}, ""},
      {"usage strings", R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":"5","completion_tokens":2}})", {0, 2}, ""},
      {"negative tokens", R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":-4,"completion_tokens":1.5}})", {0, 0}, ""},
      {"huge tokens", R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":18446744073709551615}})", {0, 0}, ""},
      {"finish_reason null", R"({"choices":[{"message":{"content":"a"},"finish_reason":null}]})", {0, 0}, ""},
      {"model number", R"({"model":7,"choices":[{"message":{"content":"a"},"finish_reason":"stop"}]})", {0, 0}, "stop"},
  };
  for (const auto& c : cases) {
    Reply r;
    ASSERT_NO_THROW(r = parse_chat_reply(c.body)) << c.label;
    EXPECT_EQ(r.text, "a") << c.label;
    EXPECT_EQ(r.usage, c.usage) << c.label;
    EXPECT_EQ(r.finish_reason, c.finish_reason) << c.label;
  }
}

TEST(OpenAIWireReply, EmptyStringContentIsAValidReply) {
  EXPECT_EQ(parse_chat_reply(R"({"choices":[{"message":{"content":""}}]})").text, "");
}

TEST(OpenAIWireReply, EveryMalformedFormIsBadReplyNamingTheProblem) {
  struct Case {
    std::string body;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"", "not JSON"},
      {"not json at all", "not JSON"},
      {R"({"choices": [)", "not JSON"},
      {"<html>502 Bad Gateway</html>", "not JSON"},
      {std::string(100000, '['), "nested deeper"},
      {"[]", "not a JSON object"},
      {"\"choices\"", "not a JSON object"},
      {"null", "not a JSON object"},
      {"{}", "no `choices`"},
      {R"({"error":{"message":"model overloaded"}})", "model overloaded"},
      {R"({"choices": null})", "not an array"},
      {R"({"choices": {"0": {}}})", "not an array"},
      {R"({"choices": "text"})", "not an array"},
      {R"({"choices": []})", "empty"},
      {R"({"choices": [1]})", "no `message`"},
      {R"({"choices": [null]})", "no `message`"},
      {R"({"choices": [{}]})", "no `message`"},
      {R"({"choices": [{"message": "hi"}]})", "no `message`"},
      {R"({"choices": [{"message": {}}]})", "no `content`"},
      {R"({"choices": [{"message": {"role": "assistant", "content": null}}]})", "content is null"},
      {R"({"choices": [{"message": {"content": 42}}]})", "not a string"},
      {R"({"choices": [{"message": {"content": ["a"]}}]})", "not a string"},
      {std::string("{\"choices\":[{\"message\":{\"content\":\"\xff\xfe\"}}]}"), "not JSON"},
  };
  for (const auto& c : cases) {
    expect_bad_reply([&] { parse_chat_reply(c.body); }, c.needle, c.body.substr(0, 60));
  }
}

TEST(OpenAIWireReply, ArbitraryBytesNeverThrowAnythingButError) {
  // A cheap stand-in for the fuzzer: every prefix of a valid reply, and bytes flipped in it.
  std::string good = R"({"model":"m","choices":[{"message":{"content":"x\u00e9"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}})";
  std::vector<std::string> inputs;
  for (size_t n = 0; n < good.size(); ++n) inputs.push_back(good.substr(0, n));
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'\0', '"', '{', ']', '\\', '\x80'}) {
      std::string s = good;
      s[i] = c;
      inputs.push_back(s);
    }
  }
  for (const auto& in : inputs) {
    try {
      parse_chat_reply(in);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_reply);
    } catch (...) {
      ADD_FAILURE() << "non-llm::Error exception for input: " << in;
    }
    EXPECT_NO_THROW(error_message(in));
  }
}

// --- error bodies -------------------------------------------------------------------------------

TEST(OpenAIWireErrorMessage, ReadsEachKnownShapeElseTheRawBody) {
  struct Case {
    std::string body;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"error":{"message":"Rate limit reached","type":"requests"}})", "Rate limit reached"},
      {R"({"error":"model not found"})", "model not found"},
      {R"({"message":"bad key"})", "bad key"},
      {R"({"detail":"Not Found"})", "Not Found"},
      {R"({"error":{"code":500}})", R"({"error":{"code":500}})"},
      {"  upstream connect error  \n", "upstream connect error"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(error_message(c.body), c.expected) << c.body;
}

TEST(OpenAIWireErrorMessage, RawBodyIsCutTo500BytesOfValidUtf8) {
  std::string body = std::string(499, 'a') + "\xc3\xa9" + std::string(100, 'b');  // é straddles byte 500
  auto m = error_message(body);
  EXPECT_EQ(m, std::string(499, 'a'));
  EXPECT_EQ(error_message(std::string(600, 'z')).size(), 500u);
  EXPECT_EQ(error_message("bad \xff byte"), "bad ? byte");
}

TEST(OpenAIWireErrorBody, HasMessageAndType) {
  auto b = error_body("nope", "invalid_request_error");
  EXPECT_EQ(b["error"]["message"], "nope");
  EXPECT_EQ(b["error"]["type"], "invalid_request_error");
  EXPECT_EQ(error_message(b.dump()), "nope");
}

// --- Retry-After --------------------------------------------------------------------------------

TEST(OpenAIWireRetryAfter, SecondsAndHttpDates) {
  // 1994-11-06T08:49:37Z
  const double t = 784111777.0;
  struct Case {
    const char* value;
    double now;
    std::optional<double> expected;
  };
  const std::vector<Case> cases = {
      {"120", 0, 120.0},
      {"  7 ", 0, 7.0},
      {"0", 0, 0.0},
      {"1.5", 0, 1.5},
      {"Sun, 06 Nov 1994 08:49:37 GMT", t - 30, 30.0},        // IMF-fixdate
      {"Sunday, 06-Nov-94 08:49:37 GMT", t - 30, 30.0},       // RFC 850
      {"Sun Nov  6 08:49:37 1994", t - 30, 30.0},             // asctime
      {"Sun, 06 Nov 1994 08:49:37 GMT", t + 100, 0.0},        // in the past: no wait
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0, 0.0},
      {"Wed, 29 Feb 2024 12:00:00 GMT", 1709208000.0 - 1, 1.0},  // leap day
      {"", 0, std::nullopt},
      {"soon", 0, std::nullopt},
      {"-5", 0, std::nullopt},
      {"5s", 0, std::nullopt},
      {"1.2.3", 0, std::nullopt},
      {"Sun, 32 Nov 1994 08:49:37 GMT", 0, std::nullopt},
      {"Sun, 06 Foo 1994 08:49:37 GMT", 0, std::nullopt},
      {"Sun, 06 Nov 1994 25:49:37 GMT", 0, std::nullopt},
      {"Sun, 06 Nov 1994", 0, std::nullopt},
  };
  for (const auto& c : cases) {
    auto got = parse_retry_after(c.value, c.now);
    ASSERT_EQ(got.has_value(), c.expected.has_value()) << "'" << c.value << "'";
    if (got) {
      EXPECT_DOUBLE_EQ(*got, *c.expected) << "'" << c.value << "'";
    }
  }
}

// --- requests -----------------------------------------------------------------------------------

TEST(OpenAIWireRequest, ParsesEveryKnownKeyAndKeepsTheRestAsExtra) {
  auto r = parse_chat_request(R"({
    "model": "m1", "temperature": 0.7, "top_p": 0.9, "max_tokens": 64, "stop": ["\n", "END"],
    "seed": 42, "n": 1, "response_format": {"type": "json_object"},
    "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]})");
  EXPECT_EQ(r.model, "m1");
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0], (Message{"system", "be brief"}));
  EXPECT_EQ(r.messages[1], (Message{"user", "hi"}));
  EXPECT_DOUBLE_EQ(r.temperature, 0.7);
  ASSERT_TRUE(r.top_p);
  EXPECT_DOUBLE_EQ(*r.top_p, 0.9);
  EXPECT_EQ(r.max_tokens, 64);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n", "END"}));
  EXPECT_EQ(r.seed, 42);
  EXPECT_EQ(r.extra, json::parse(R"({"n": 1, "response_format": {"type": "json_object"}})"));
}

TEST(OpenAIWireRequest, DefaultsAndAlternativeForms) {
  auto minimal = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}]})");
  EXPECT_EQ(minimal.model, "");
  EXPECT_DOUBLE_EQ(minimal.temperature, 1.0);  // OpenAI's default
  EXPECT_FALSE(minimal.top_p);
  EXPECT_EQ(minimal.max_tokens, 0);
  EXPECT_TRUE(minimal.stop.empty());
  EXPECT_FALSE(minimal.seed);
  EXPECT_TRUE(minimal.extra.empty());

  auto alt = parse_chat_request(R"({"messages": [{"role": "user", "content": [{"type": "text", "text": "a"},
      {"type": "text", "text": "b"}]}], "stop": "###", "max_tokens": 5, "max_completion_tokens": 9,
      "top_p": null, "seed": null, "temperature": 0})");
  EXPECT_EQ(alt.messages[0].content, "ab");
  EXPECT_EQ(alt.stop, std::vector<std::string>{"###"});
  EXPECT_EQ(alt.max_tokens, 9);
  EXPECT_FALSE(alt.top_p);
  EXPECT_FALSE(alt.seed);
  EXPECT_DOUBLE_EQ(alt.temperature, 0.0);
}

TEST(OpenAIWireRequest, RejectsBadBodiesWithAClearMessage) {
  struct Case {
    std::string body;
    std::string needle;
  };
  const std::string ok_messages = R"("messages": [{"role": "user", "content": "x"}])";
  const std::vector<Case> cases = {
      {"{not json", "invalid JSON"},
      {"[]", "must be a JSON object"},
      {"42", "must be a JSON object"},
      {"{}", "`messages` must be a non-empty array"},
      {R"({"messages": "hi"})", "`messages` must be a non-empty array"},
      {R"({"messages": []})", "`messages` must be a non-empty array"},
      {R"({"messages": [42]})", "messages[0] must be an object"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role must be a string"},
      {R"({"messages": [{"role": 1, "content": "x"}]})", "messages[0].role must be a string"},
      {R"({"messages": [{"role": "user", "content": "x"}, {"role": "user"}]})", "messages[1].content is missing"},
      {R"({"messages": [{"role": "user", "content": null}]})", "messages[0].content must be a string"},
      {R"({"messages": [{"role": "user", "content": 5}]})", "messages[0].content must be a string"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", "only text parts"},
      {"{" + ok_messages + R"(, "model": 3})", "`model` must be a string"},
      {"{" + ok_messages + R"(, "temperature": "hot"})", "`temperature` must be a number"},
      {"{" + ok_messages + R"(, "temperature": -1})", "`temperature` must be between"},
      {"{" + ok_messages + R"(, "top_p": 2})", "`top_p` must be between"},
      {"{" + ok_messages + R"(, "max_tokens": -1})", "`max_tokens` must be a non-negative integer"},
      {"{" + ok_messages + R"(, "max_tokens": 1.5})", "`max_tokens` must be a non-negative integer"},
      {"{" + ok_messages + R"(, "max_completion_tokens": 99999999999})", "`max_completion_tokens`"},
      {"{" + ok_messages + R"(, "stop": 5})", "`stop` must be a string or an array"},
      {"{" + ok_messages + R"(, "stop": ["a", 1]})", "`stop` must be a string or an array"},
      {"{" + ok_messages + R"(, "seed": "7"})", "`seed` must be an integer"},
      {"{" + ok_messages + R"(, "seed": 18446744073709551615})", "`seed` must be an integer"},
  };
  for (const auto& c : cases) {
    expect_bad_reply([&] { parse_chat_request(c.body); }, c.needle, c.body);
  }
}

TEST(OpenAIWireRequest, ChatBodyRoundTripsThroughParseChatRequest) {
  Request full;
  full.model = "qwen3-8b";
  full.messages = {{"system", "You are terse."}, {"user", "2+2? \"quote\" \u00e9"}, {"assistant", "4"}, {"user", "and 3+3?"}};
  full.temperature = 0.25;
  full.top_p = 0.5;
  full.max_tokens = 128;
  full.stop = {"</answer>", "\n\n"};
  full.seed = -7;
  full.extra = {{"presence_penalty", 0.5}, {"logit_bias", {{"50256", -100}}}};

  Request minimal;
  minimal.messages = {{"user", "hi"}};
  minimal.temperature = 0.0;

  for (const auto& original : {full, minimal}) {
    auto body = chat_body(original);
    EXPECT_FALSE(body.contains("sample_index"));
    Request back = parse_chat_request(body.dump());
    EXPECT_EQ(back, original) << body.dump();
  }
  EXPECT_FALSE(chat_body(minimal).contains("model"));
  EXPECT_FALSE(chat_body(minimal).contains("max_tokens"));
  EXPECT_FALSE(chat_body(minimal).contains("stop"));
}

TEST(OpenAIWireRequest, ExtraOverridesStandardKeysInTheBody) {
  Request r;
  r.messages = {{"user", "x"}};
  r.max_tokens = 10;
  r.extra = {{"max_tokens", 99}, {"stream", false}};
  auto body = chat_body(r);
  EXPECT_EQ(body["max_tokens"], 99);
  EXPECT_EQ(body["stream"], false);
}

// --- responses ----------------------------------------------------------------------------------

TEST(OpenAIWireResponse, ChatResponseIsReadBackByParseChatReply) {
  Reply reply;
  reply.text = "hello";
  reply.finish_reason = "length";
  reply.usage = {11, 2};
  reply.model = "served-model";
  auto body = chat_response(reply, "chatcmpl-1", 1700000000);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["id"], "chatcmpl-1");
  EXPECT_EQ(body["created"], 1700000000);
  EXPECT_EQ(body["usage"]["total_tokens"], 13);
  auto back = parse_chat_reply(body.dump());
  EXPECT_EQ(back.text, "hello");
  EXPECT_EQ(back.finish_reason, "length");
  EXPECT_EQ(back.usage, reply.usage);
  EXPECT_EQ(back.model, "served-model");

  Reply bare;
  EXPECT_EQ(chat_response(bare, "i", 0)["choices"][0]["finish_reason"], "stop");
}

}  // namespace
}  // namespace maspo::llm::wire
