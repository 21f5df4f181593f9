// The OpenAI chat-completions wire format. Every parser here faces bytes from the network, so each
// one checks types before reading a value and throws nothing but llm::Error.
#include "llm/openai_wire.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <vector>

namespace maspo::llm::wire {

namespace {

Error bad(const std::string& message) { return Error(ErrorKind::bad_reply, message); }

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// At most `max_bytes` of `text` as valid UTF-8 ('?' for bad bytes, never a split character):
// error messages end up in JSON records and logs, which must not choke on them.
std::string printable_prefix(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8::sequence_length(text, i);
    size_t take = n == 0 ? 1 : n;
    if (out.size() + take > max_bytes) break;
    if (n == 0) out += '?';
    else out.append(text.substr(i, n));
    i += take;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// A non-negative integer that fits an int64, whatever JSON number form carried it.
std::optional<std::int64_t> as_count(const json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    auto i = v.get<std::int64_t>();
    return i < 0 ? std::nullopt : std::optional<std::int64_t>(i);
  }
  return std::nullopt;
}

// A token count a server reports; a count no request can reach (over 2^40, so sums never
// overflow) is unknown, like a missing one.
std::int64_t usage_count(const json& usage, const char* key) {
  constexpr std::int64_t kPlausible = std::int64_t{1} << 40;
  const json* v = member(usage, key);
  const std::int64_t n = v ? as_count(*v).value_or(0) : 0;
  return n > kPlausible ? 0 : n;
}

// --- request fields -----------------------------------------------------------------------------

bool absent(const json* v) { return v == nullptr || v->is_null(); }

double number_field(const json& body, const char* key, double fallback, double lo, double hi) {
  const json* v = member(body, key);
  if (absent(v)) return fallback;
  if (!v->is_number()) throw bad(std::string("`") + key + "` must be a number");
  double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    throw bad(std::string("`") + key + "` must be between " + std::to_string(lo) + " and " +
              std::to_string(hi));
  }
  return d;
}

std::optional<int> token_limit(const json& body, const char* key) {
  const json* v = member(body, key);
  if (absent(v)) return std::nullopt;
  auto n = as_count(*v);
  if (!n || *n > INT_MAX) throw bad(std::string("`") + key + "` must be a non-negative integer");
  return static_cast<int>(*n);
}

std::vector<std::string> stop_field(const json& body) {
  const json* v = member(body, "stop");
  if (absent(v)) return {};
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array()) throw bad("`stop` must be a string or an array of strings");
  std::vector<std::string> stop;
  for (const auto& s : *v) {
    if (!s.is_string()) throw bad("`stop` must be a string or an array of strings");
    stop.push_back(s.get<std::string>());
  }
  return stop;
}

std::optional<std::int64_t> seed_field(const json& body) {
  const json* v = member(body, "seed");
  if (absent(v)) return std::nullopt;
  if (v->is_number_integer() && !v->is_number_unsigned()) return v->get<std::int64_t>();
  if (v->is_number_unsigned() && v->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->get<std::uint64_t>());
  }
  throw bad("`seed` must be an integer");
}

std::string content_text(const json& content, const std::string& where_) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string text;
    for (const auto& part : content) {
      const json* type = member(part, "type");
      const json* t = member(part, "text");
      if (!type || *type != "text" || !t || !t->is_string()) {
        throw bad(where_ + ".content: only text parts ({\"type\":\"text\",\"text\":...}) are supported");
      }
      text += t->get_ref<const std::string&>();
    }
    return text;
  }
  throw bad(where_ + ".content must be a string");
}

std::vector<Message> messages_field(const json& body) {
  const json* v = member(body, "messages");
  if (!v || !v->is_array() || v->empty()) throw bad("`messages` must be a non-empty array");
  std::vector<Message> messages;
  messages.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const json& m = (*v)[i];
    std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw bad(at + " must be an object");
    const json* role = member(m, "role");
    if (!role || !role->is_string()) throw bad(at + ".role must be a string");
    const json* content = member(m, "content");
    if (!content) throw bad(at + ".content is missing");
    messages.push_back({role->get<std::string>(), content_text(*content, at)});
  }
  return messages;
}

// --- HTTP dates -----------------------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse).
std::int64_t days_from_civil(std::int64_t y, unsigned month, unsigned day) {
  y -= month <= 2 ? 1 : 0;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view digits) {
  int v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

int month_number(std::string_view token) {
  static constexpr std::array<std::string_view, 12> names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < names.size(); ++i) {
    if (token == names[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool is_weekday(std::string_view token) {
  static constexpr std::array<std::string_view, 7> names = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 7> long_names = {
      "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  for (size_t i = 0; i < names.size(); ++i) {
    if (token == names[i] || token == long_names[i]) return true;
  }
  return false;
}

struct DateParts {
  int year = -1, month = 0, day = 0, hour = -1, minute = 0, second = 0;
};

bool read_time(std::string_view token, DateParts& d) {
  if (token.size() != 8 || token[2] != ':' || token[5] != ':') return false;
  auto hh = token.substr(0, 2), mm = token.substr(3, 2), ss = token.substr(6, 2);
  if (!all_digits(hh) || !all_digits(mm) || !all_digits(ss)) return false;
  d.hour = to_int(hh);
  d.minute = to_int(mm);
  d.second = to_int(ss);
  return d.hour < 24 && d.minute < 60 && d.second <= 60;
}

bool read_number(std::string_view token, DateParts& d) {
  if (token.size() == 4 && d.year < 0) {
    d.year = to_int(token);
    return true;
  }
  if (token.size() > 2) return false;
  if (d.day == 0) {
    d.day = to_int(token);
    return d.day >= 1;
  }
  if (d.year >= 0) return false;
  // RFC 850's two-digit year: RFC 9110 reads a date more than 50 years ahead as the past century.
  int yy = to_int(token);
  d.year = yy < 70 ? 2000 + yy : 1900 + yy;
  return true;
}

bool read_date_token(std::string_view token, DateParts& d) {
  if (token.find(':') != std::string_view::npos) return d.hour < 0 && read_time(token, d);
  if (all_digits(token)) return read_number(token, d);
  if (int m = month_number(token); m != 0) {
    if (d.month != 0) return false;
    d.month = m;
    return true;
  }
  return is_weekday(token) || token == "GMT" || token == "UTC";
}

// IMF-fixdate, RFC 850 and asctime forms, read token by token so the three share one reader.
std::optional<double> parse_http_date(std::string_view s) {
  DateParts d;
  size_t i = 0;
  int tokens = 0;
  auto separator = [](char c) { return c == ' ' || c == ',' || c == '-'; };
  while (i < s.size()) {
    if (separator(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !separator(s[j])) ++j;
    std::string_view token = s.substr(i, j - i);
    i = j;
    if (++tokens > 8) return std::nullopt;
    if (!read_date_token(token, d)) return std::nullopt;
  }
  if (d.year < 1970 || d.month == 0 || d.day == 0 || d.day > 31 || d.hour < 0) return std::nullopt;
  auto days = days_from_civil(d.year, static_cast<unsigned>(d.month), static_cast<unsigned>(d.day));
  return static_cast<double>(days * 86400 + d.hour * 3600 + d.minute * 60 + d.second);
}

std::optional<double> parse_delta_seconds(std::string_view s) {
  size_t dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return std::nullopt;
  }
  if (s.empty() || dots > 1 || s.front() == '.' || s.back() == '.') return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

json parse_json(std::string_view body, int max_depth) {
  // One pass over the bytes to bound nesting before nlohmann builds anything.
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        throw bad("JSON nested deeper than " + std::to_string(max_depth) + " levels (at byte " +
                  std::to_string(i) + ")");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    throw bad("invalid JSON (at byte " + std::to_string(e.byte) + " of " + std::to_string(body.size()) + ")");
  } catch (const json::exception&) {
    throw bad("invalid JSON");
  }
}

json chat_body(const Request& request) {
  json messages = json::array();
  for (const auto& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  json body = json::object();
  // An empty model is left out rather than sent as "": servers that serve one model pick it.
  if (!request.model.empty()) body["model"] = request.model;
  body["messages"] = std::move(messages);
  body["temperature"] = request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (request.max_tokens > 0) body["max_tokens"] = request.max_tokens;
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (request.seed) body["seed"] = *request.seed;
  if (request.extra.is_object()) {
    for (const auto& [key, value] : request.extra.items()) body[key] = value;
  }
  return body;
}

Reply parse_chat_reply(std::string_view body) {
  json j;
  try {
    j = parse_json(body);
  } catch (const Error& e) {
    throw bad(std::string("reply is not JSON: ") + e.what());
  }
  if (!j.is_object()) throw bad("reply is not a JSON object");
  const json* choices = member(j, "choices");
  if (!choices) {
    std::string said = member(j, "error") ? " (the server said: " + error_message(body) + ")" : "";
    throw bad("reply has no `choices`" + said);
  }
  if (!choices->is_array()) throw bad("reply's `choices` is not an array");
  if (choices->empty()) throw bad("reply's `choices` is empty");
  const json& first = (*choices)[0];
  const json* message = member(first, "message");
  if (!message || !message->is_object()) throw bad("reply's choices[0] has no `message` object");
  const json* content = member(*message, "content");
  if (!content) throw bad("reply's choices[0].message has no `content`");
  if (content->is_null()) throw bad("reply's choices[0].message.content is null");
  if (!content->is_string()) throw bad("reply's choices[0].message.content is not a string");

  Reply reply;
  reply.text = content->get<std::string>();
  if (const json* f = member(first, "finish_reason"); f && f->is_string()) reply.finish_reason = f->get<std::string>();
  if (const json* u = member(j, "usage"); u && u->is_object()) {
    reply.usage.prompt_tokens = usage_count(*u, "prompt_tokens");
    reply.usage.completion_tokens = usage_count(*u, "completion_tokens");
  }
  if (const json* m = member(j, "model"); m && m->is_string()) reply.model = m->get<std::string>();
  return reply;
}

std::string error_message(std::string_view body) {
  constexpr size_t max_bytes = 500;
  json j;
  try {
    j = parse_json(body, 64);
  } catch (const Error&) {
    return printable_prefix(trim(body), max_bytes);
  }
  const json* e = member(j, "error");
  if (const json* m = e ? member(*e, "message") : nullptr; m && m->is_string()) {
    return printable_prefix(m->get_ref<const std::string&>(), max_bytes);
  }
  if (e && e->is_string()) return printable_prefix(e->get_ref<const std::string&>(), max_bytes);
  for (const char* key : {"message", "detail"}) {
    if (const json* m = member(j, key); m && m->is_string()) {
      return printable_prefix(m->get_ref<const std::string&>(), max_bytes);
    }
  }
  return printable_prefix(trim(body), max_bytes);
}

std::optional<double> parse_retry_after(std::string_view value, double now_unix) {
  std::string_view v = trim(value);
  if (v.empty()) return std::nullopt;
  if (auto seconds = parse_delta_seconds(v)) return seconds;
  auto when = parse_http_date(v);
  if (!when) return std::nullopt;
  return std::max(0.0, *when - now_unix);
}

Request chat_request_from_json(const json& body) {
  if (!body.is_object()) throw bad("the request body must be a JSON object");
  Request r;
  r.messages = messages_field(body);
  if (const json* m = member(body, "model"); !absent(m)) {
    if (!m->is_string()) throw bad("`model` must be a string");
    r.model = m->get<std::string>();
  }
  r.temperature = number_field(body, "temperature", 1.0, 0.0, 1e6);
  if (const json* p = member(body, "top_p"); !absent(p)) r.top_p = number_field(body, "top_p", 1.0, 0.0, 1.0);
  auto max_completion = token_limit(body, "max_completion_tokens");
  auto max_tokens = token_limit(body, "max_tokens");
  r.max_tokens = max_completion.value_or(max_tokens.value_or(0));
  r.stop = stop_field(body);
  r.seed = seed_field(body);
  static constexpr std::array<std::string_view, 8> known = {
      "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) r.extra[key] = value;
  }
  return r;
}

Request parse_chat_request(std::string_view body) { return chat_request_from_json(parse_json(body)); }

json chat_response(const Reply& reply, const std::string& id, long created_unix) {
  json message = {{"role", "assistant"}, {"content", reply.text}};
  json choice = {{"index", 0},
                 {"message", std::move(message)},
                 {"finish_reason", reply.finish_reason.empty() ? "stop" : reply.finish_reason}};
  return {{"id", id},
          {"object", "chat.completion"},
          {"created", created_unix},
          {"model", reply.model},
          {"choices", json::array({std::move(choice)})},
          {"usage",
           {{"prompt_tokens", reply.usage.prompt_tokens},
            {"completion_tokens", reply.usage.completion_tokens},
            {"total_tokens", reply.usage.total()}}}};
}

json error_body(std::string_view message, std::string_view type) {
  return {{"error", {{"message", std::string(message)}, {"type", std::string(type)}, {"param", nullptr}, {"code", nullptr}}}};
}

}  // namespace maspo::llm::wire
