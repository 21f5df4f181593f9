// Optimizer settings <-> JSON, and the names of their enums.
//
// settings_from_json is the one gate every user-written optimizer setting passes (a config
// section, a run manifest, a resumed run's stored settings), so it is strict: an unknown key is an
// error (a typo such as `beam_widht` must not silently run with the default), every value is
// type- and range-checked, and the message names the key and says what was expected. Keys left
// out keep their paper default. to_json writes every key, so a stored run records exactly what
// it ran with and reads back to an equal value.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "maspo/opt.hpp"

namespace maspo::opt {

std::string_view to_string(JudgeOrder o) {
  switch (o) {
    case JudgeOrder::fixed: return "fixed";
    case JudgeOrder::random: return "random";
    case JudgeOrder::both: return "both";
  }
  return "fixed";
}

std::string_view to_string(Sampling s) {
  switch (s) {
    case Sampling::misalignment: return "misalignment";
    case Sampling::random: return "random";
    case Sampling::success: return "success";
  }
  return "misalignment";
}

std::string_view to_string(Compat c) {
  switch (c) {
    case Compat::paper: return "paper";
    case Compat::reference: return "reference";
  }
  return "paper";
}

namespace {

template <typename E, std::size_t N>
std::optional<E> parse_enum(std::string_view text, const E (&values)[N]) {
  for (E v : values) {
    if (to_string(v) == text) return v;
  }
  return std::nullopt;
}

constexpr JudgeOrder kJudgeOrders[] = {JudgeOrder::fixed, JudgeOrder::random, JudgeOrder::both};
constexpr Sampling kSamplings[] = {Sampling::misalignment, Sampling::random, Sampling::success};
constexpr Compat kCompats[] = {Compat::paper, Compat::reference};

template <typename E, std::size_t N>
std::string names_of(const E (&values)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += to_string(values[i]);
  }
  return out;
}

[[noreturn]] void bad(std::string_view key, const std::string& expected, const json& got) {
  std::string shown = got.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw std::invalid_argument("optimizer settings: key `" + std::string(key) + "`: expected " + expected +
                              ", got " + shown);
}

int get_int(const json& j, std::string_view key, int min, int max = std::numeric_limits<int>::max()) {
  std::string expected = max == std::numeric_limits<int>::max()
                             ? "an integer >= " + std::to_string(min)
                             : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!j.is_number_integer()) bad(key, expected, j);
  // Unsigned and signed JSON integers both land here; compare in the widest type.
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(max)) bad(key, expected, j);
    if (static_cast<std::int64_t>(v) < min) bad(key, expected, j);
    return static_cast<int>(v);
  }
  auto v = j.get<std::int64_t>();
  if (v < min || v > max) bad(key, expected, j);
  return static_cast<int>(v);
}

double get_double(const json& j, std::string_view key, double min, double max, const std::string& expected) {
  if (!j.is_number()) bad(key, expected, j);
  double v = j.get<double>();
  if (!std::isfinite(v) || v < min || v > max) bad(key, expected, j);
  return v;
}

bool get_bool(const json& j, std::string_view key) {
  if (!j.is_boolean()) bad(key, "true or false", j);
  return j.get<bool>();
}

template <typename E, std::size_t N>
E get_enum(const json& j, std::string_view key, const E (&values)[N]) {
  std::string expected = "one of " + names_of(values);
  if (!j.is_string()) bad(key, expected, j);
  auto v = parse_enum(j.get<std::string>(), values);
  if (!v) bad(key, expected, j);
  return *v;
}

// Weights as {local, lookahead, global} (partial objects keep the other defaults) or as the
// reference's "4:4:2" string (normalized to sum 1, so 4:4:2 reads back as 0.4/0.4/0.2).
Weights get_weights(const json& j, const Weights& defaults) {
  constexpr std::string_view key = "weights";
  Weights w = defaults;
  if (j.is_string()) {
    const std::string text = j.get<std::string>();
    double parts[3] = {0, 0, 0};
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
      std::size_t end = i < 2 ? text.find(':', start) : text.size();
      if (end == std::string::npos) bad(key, "three non-negative numbers \"a:b:c\" (local:lookahead:global)", j);
      std::string part = text.substr(start, end - start);
      std::size_t used = 0;
      try {
        parts[i] = std::stod(part, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (part.empty() || used != part.size() || !std::isfinite(parts[i]) || parts[i] < 0) {
        bad(key, "three non-negative numbers \"a:b:c\" (local:lookahead:global)", j);
      }
      start = end + 1;
    }
    double sum = parts[0] + parts[1] + parts[2];
    if (!(sum > 0)) bad(key, "weights that are not all zero", j);
    w = {parts[0] / sum, parts[1] / sum, parts[2] / sum};
  } else if (j.is_object()) {
    for (const auto& [name, value] : j.items()) {
      std::string sub = "weights." + name;
      const std::string expected = "a number >= 0";
      if (name == "local") {
        w.local = get_double(value, sub, 0.0, std::numeric_limits<double>::max(), expected);
      } else if (name == "lookahead") {
        w.lookahead = get_double(value, sub, 0.0, std::numeric_limits<double>::max(), expected);
      } else if (name == "global") {
        w.global = get_double(value, sub, 0.0, std::numeric_limits<double>::max(), expected);
      } else {
        throw std::invalid_argument("optimizer settings: unknown key `" + sub +
                                    "` (expected local, lookahead or global)");
      }
    }
  } else {
    bad(key, "an object {local, lookahead, global} or a string \"a:b:c\"", j);
  }
  if (!(w.local + w.lookahead + w.global > 0)) bad(key, "weights that are not all zero", j);
  return w;
}

std::uint64_t get_seed(const json& j) {
  if (!j.is_number_integer() || (!j.is_number_unsigned() && j.get<std::int64_t>() < 0)) {
    bad("seed", "a non-negative integer", j);
  }
  return j.get<std::uint64_t>();
}

}  // namespace

std::optional<JudgeOrder> parse_judge_order(std::string_view text) { return parse_enum(text, kJudgeOrders); }
std::optional<Sampling> parse_sampling(std::string_view text) { return parse_enum(text, kSamplings); }
std::optional<Compat> parse_compat(std::string_view text) { return parse_enum(text, kCompats); }

json to_json(const Settings& s) {
  return json{
      {"beam_width", s.beam_width},
      {"children_per_parent", s.children_per_parent},
      {"batch_size", s.batch_size},
      {"pool_size", s.pool_size},
      {"layers_per_visit", s.layers_per_visit},
      {"rounds", s.rounds},
      {"weights", {{"local", s.weights.local}, {"lookahead", s.weights.lookahead}, {"global", s.weights.global}}},
      {"lookahead_depth", s.lookahead_depth},
      {"joint", s.joint},
      {"k_mis", s.k_mis},
      {"max_injected", s.max_injected},
      {"sampling", std::string(to_string(s.sampling))},
      {"refresh", s.refresh},
      {"judge_order", std::string(to_string(s.judge_order))},
      {"unparsable_is_loss", s.unparsable_is_loss},
      {"compat", std::string(to_string(s.compat))},
      {"centered_scores", s.centered_scores},
      {"optimizer_temperature", s.optimizer_temperature},
      {"optimizer_max_tokens", s.optimizer_max_tokens},
      {"judge_max_tokens", s.judge_max_tokens},
      {"terminal_judge_max_tokens", s.terminal_judge_max_tokens},
      {"traces_per_proposal", s.traces_per_proposal},
      {"seed", s.seed},
  };
}

Settings settings_from_json(const json& j) {
  if (!j.is_object()) {
    throw std::invalid_argument("optimizer settings: expected an object of settings, got " +
                                std::string(j.type_name()));
  }
  Settings s;
  for (const auto& [key, v] : j.items()) {
    if (key == "beam_width") s.beam_width = get_int(v, key, 1);
    else if (key == "children_per_parent") s.children_per_parent = get_int(v, key, 1);
    else if (key == "batch_size") s.batch_size = get_int(v, key, 1);
    else if (key == "pool_size") s.pool_size = get_int(v, key, 1);
    else if (key == "layers_per_visit") s.layers_per_visit = get_int(v, key, 1);
    else if (key == "rounds") s.rounds = get_int(v, key, 1);
    else if (key == "weights") s.weights = get_weights(v, s.weights);
    // The paper studies 1-, 2- and 3-hop lookahead (Table 2); deeper is allowed but rarely useful.
    else if (key == "lookahead_depth") s.lookahead_depth = get_int(v, key, 1);
    else if (key == "joint") s.joint = get_bool(v, key);
    else if (key == "k_mis") s.k_mis = get_int(v, key, 0);
    else if (key == "max_injected") s.max_injected = get_int(v, key, 0);
    else if (key == "sampling") s.sampling = get_enum(v, key, kSamplings);
    else if (key == "refresh") s.refresh = get_bool(v, key);
    else if (key == "judge_order") s.judge_order = get_enum(v, key, kJudgeOrders);
    else if (key == "unparsable_is_loss") s.unparsable_is_loss = get_bool(v, key);
    else if (key == "compat") s.compat = get_enum(v, key, kCompats);
    else if (key == "centered_scores") s.centered_scores = get_bool(v, key);
    else if (key == "optimizer_temperature") {
      s.optimizer_temperature = get_double(v, key, 0.0, 2.0, "a number from 0 to 2");
    } else if (key == "optimizer_max_tokens") s.optimizer_max_tokens = get_int(v, key, 1);
    else if (key == "judge_max_tokens") s.judge_max_tokens = get_int(v, key, 1);
    else if (key == "terminal_judge_max_tokens") s.terminal_judge_max_tokens = get_int(v, key, 1);
    else if (key == "traces_per_proposal") s.traces_per_proposal = get_int(v, key, 1);
    else if (key == "seed") s.seed = get_seed(v);
    else {
      throw std::invalid_argument("optimizer settings: unknown key `" + key +
                                  "` (docs/method.md lists every setting)");
    }
  }
  return s;
}

}  // namespace maspo::opt
