// Method names and the baselines' options as JSON (what a bench file and the run store hold).
#include <algorithm>
#include <array>
#include <type_traits>
#include <stdexcept>
#include <utility>

#include "maspo/baselines.hpp"

namespace maspo::opt {

namespace {

constexpr std::array<std::pair<Method, std::string_view>, 10> kNames{{
    {Method::maspo, "maspo"},
    {Method::seed, "seed"},
    {Method::cot, "cot"},
    {Method::self_consistency, "self_consistency"},
    {Method::self_refine, "self_refine"},
    {Method::isolated, "isolated"},
    {Method::spo, "spo"},
    {Method::tpe, "tpe"},
    {Method::opro, "opro"},
    {Method::protegi, "protegi"},
}};

template <typename T>
void read(const nlohmann::json& j, const char* key, T& field, double low, double high) {
  if (!j.contains(key)) return;
  const auto& v = j.at(key);
  const bool integral = std::is_integral_v<T>;
  if (!v.is_number() || (integral && !v.is_number_integer())) {
    throw std::invalid_argument(std::string("baseline option `") + key + "`: expected " +
                                (integral ? "a whole number" : "a number"));
  }
  const double x = v.get<double>();
  if (x < low || x > high) {
    throw std::invalid_argument(std::string("baseline option `") + key + "`: " + v.dump() + " is outside [" +
                                nlohmann::json(low).dump() + ", " + nlohmann::json(high).dump() + "]");
  }
  field = v.get<T>();
}

}  // namespace

std::string_view to_string(Method m) {
  for (const auto& [method, name] : kNames) {
    if (method == m) return name;
  }
  return "?";
}

std::optional<Method> parse_method(std::string_view name) {
  for (const auto& [method, n] : kNames) {
    if (n == name) return method;
  }
  return std::nullopt;
}

std::vector<Method> all_methods() {
  std::vector<Method> out;
  for (const auto& entry : kNames) out.push_back(entry.first);
  return out;
}

bool optimizes_prompts(Method m) {
  return m == Method::maspo || m == Method::isolated || m == Method::spo || m == Method::tpe || m == Method::opro ||
         m == Method::protegi;
}

nlohmann::json to_json(const BaselineOptions& o) {
  return {{"sc_samples", o.sc_samples},       {"sc_temperature", o.sc_temperature},
          {"refine_iterations", o.refine_iterations}, {"iterations", o.iterations},
          {"minibatch", o.minibatch},         {"spo_samples", o.spo_samples},
          {"tpe_candidates", o.tpe_candidates}, {"tpe_trials", o.tpe_trials},
          {"tpe_startup", o.tpe_startup},     {"tpe_gamma", o.tpe_gamma},
          {"opro_history", o.opro_history},   {"opro_proposals", o.opro_proposals},
          {"protegi_beam", o.protegi_beam},   {"protegi_edits", o.protegi_edits},
          {"protegi_errors", o.protegi_errors}};
}

BaselineOptions baseline_options_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("baseline options: expected a mapping");
  static const std::vector<std::string> known = [] {
    std::vector<std::string> keys;
    const nlohmann::json defaults = to_json(BaselineOptions{});   // named: items() must not outlive it
    for (const auto& [k, v] : defaults.items()) keys.push_back(k);
    return keys;
  }();
  for (const auto& [key, value] : j.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw std::invalid_argument("baseline option `" + key + "`: unknown (known: " + list + ")");
    }
  }
  BaselineOptions o;
  read(j, "sc_samples", o.sc_samples, 1, 64);
  // Above 0: at temperature 0 every copy would send the same request and the vote would count
  // one sample k times.
  read(j, "sc_temperature", o.sc_temperature, 0.01, 2.0);
  read(j, "refine_iterations", o.refine_iterations, 1, 8);
  read(j, "iterations", o.iterations, 1, 1000);
  read(j, "minibatch", o.minibatch, 1, 10000);
  read(j, "spo_samples", o.spo_samples, 1, 10000);
  read(j, "tpe_candidates", o.tpe_candidates, 1, 100);
  read(j, "tpe_trials", o.tpe_trials, 1, 10000);
  read(j, "tpe_startup", o.tpe_startup, 0, 10000);
  read(j, "tpe_gamma", o.tpe_gamma, 0.01, 0.99);
  read(j, "opro_history", o.opro_history, 1, 100);
  read(j, "opro_proposals", o.opro_proposals, 1, 32);
  read(j, "protegi_beam", o.protegi_beam, 1, 32);
  read(j, "protegi_edits", o.protegi_edits, 1, 32);
  read(j, "protegi_errors", o.protegi_errors, 1, 100);
  return o;
}

Settings isolated_settings(Settings s) {
  s.layers_per_visit = std::max(1, s.layers_per_visit * std::max(1, s.rounds));
  s.rounds = 1;
  s.joint = false;
  s.sampling = Sampling::random;
  s.refresh = false;
  return s;
}

}  // namespace maspo::opt
