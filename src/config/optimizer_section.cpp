// The `optimizer:` section: every constant of the MASPO method (docs/config.md, docs/method.md).
// Paper defaults come from opt::Settings; a key given here overrides one.
#include <charconv>

#include "config/sections.hpp"
#include "maspo/util.hpp"

namespace maspo::config {

namespace {

bool boolean(const Field& f) { return f.one_of({"true", "false"}) == "true"; }

std::uint64_t unsigned_integer(const Field& f) {
  const std::string text = f.string();
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) f.fail("expected a non-negative integer");
  return v;
}

// `weights: "4:4:2"` (normalized) or `{local: 0.4, lookahead: 0.4, global: 0.2}`.
opt::Weights weights(const Field& f) {
  opt::Weights w{0, 0, 0};
  if (f.is_null()) f.fail("expected \"a:b:c\" or a map {local, lookahead, global}");
  try {
    auto entries = f.entries();
    for (const Field& e : entries) {
      if (e.key() == "local") w.local = e.non_negative_number();
      else if (e.key() == "lookahead") w.lookahead = e.non_negative_number();
      else if (e.key() == "global") w.global = e.non_negative_number();
      else e.fail_unknown({"local", "lookahead", "global"});
    }
  } catch (const InputError&) {
    const std::string text = f.string();
    double parts[3];
    std::size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
      std::size_t end = text.find(':', pos);
      if ((i < 2) != (end != std::string::npos)) f.fail("expected three non-negative numbers \"a:b:c\", e.g. \"4:4:2\"");
      std::string part = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      try {
        std::size_t used = 0;
        parts[i] = std::stod(part, &used);
        if (used != part.size() || parts[i] < 0) throw std::invalid_argument(part);
      } catch (const std::exception&) {
        f.fail("expected three non-negative numbers \"a:b:c\", e.g. \"4:4:2\"");
      }
      pos = end == std::string::npos ? text.size() : end + 1;
    }
    w = {parts[0], parts[1], parts[2]};
  }
  const double sum = w.local + w.lookahead + w.global;
  if (sum <= 0) f.fail("the weights must not all be zero");
  return {w.local / sum, w.lookahead / sum, w.global / sum};
}

}  // namespace

void parse_optimizer(const Field& section, Config& out) {
  opt::Settings& s = out.optimizer;
  static const std::vector<std::string_view> kKeys = {
      "beam_width", "children_per_parent", "batch_size", "pool_size", "layers_per_visit", "rounds", "weights",
      "lookahead_depth", "joint", "k_mis", "max_injected", "sampling", "refresh", "judge_order",
      "unparsable_verdict", "compat", "centered_scores", "optimizer_temperature", "optimizer_max_tokens",
      "judge_max_tokens", "terminal_judge_max_tokens", "traces_per_proposal", "seed"};
  for (const Field& f : section.entries()) {
    const std::string& k = f.key();
    if (k == "beam_width") s.beam_width = f.positive_int32();
    else if (k == "children_per_parent") s.children_per_parent = f.positive_int32();
    else if (k == "batch_size") s.batch_size = f.positive_int32();
    else if (k == "pool_size") s.pool_size = f.positive_int32();
    else if (k == "layers_per_visit") s.layers_per_visit = f.positive_int32();
    else if (k == "rounds") s.rounds = f.positive_int32();
    else if (k == "weights") s.weights = weights(f);
    else if (k == "lookahead_depth") {
      s.lookahead_depth = f.positive_int32();
      if (s.lookahead_depth > 3) f.fail("expected 1, 2 or 3");
    } else if (k == "joint") s.joint = boolean(f);
    else if (k == "k_mis") s.k_mis = static_cast<int>(unsigned_integer(f));
    else if (k == "max_injected") s.max_injected = static_cast<int>(unsigned_integer(f));
    else if (k == "sampling") {
      auto v = f.one_of({"misalignment", "random", "success"});
      s.sampling = v == "random" ? opt::Sampling::random : v == "success" ? opt::Sampling::success : opt::Sampling::misalignment;
    } else if (k == "refresh") s.refresh = boolean(f);
    else if (k == "judge_order") {
      auto v = f.one_of({"fixed", "random", "both"});
      s.judge_order = v == "random" ? opt::JudgeOrder::random : v == "both" ? opt::JudgeOrder::both : opt::JudgeOrder::fixed;
    } else if (k == "unparsable_verdict") s.unparsable_is_loss = f.one_of({"loss", "tie"}) == "loss";
    else if (k == "compat") s.compat = f.one_of({"paper", "reference"}) == "reference" ? opt::Compat::reference : opt::Compat::paper;
    else if (k == "centered_scores") s.centered_scores = boolean(f);
    else if (k == "optimizer_temperature") s.optimizer_temperature = f.non_negative_number();
    else if (k == "optimizer_max_tokens") s.optimizer_max_tokens = f.positive_int32();
    else if (k == "judge_max_tokens") s.judge_max_tokens = f.positive_int32();
    else if (k == "terminal_judge_max_tokens") s.terminal_judge_max_tokens = f.positive_int32();
    else if (k == "traces_per_proposal") s.traces_per_proposal = f.positive_int32();
    else if (k == "seed") s.seed = unsigned_integer(f);
    else f.fail_unknown(kKeys);
  }
}

}  // namespace maspo::config
