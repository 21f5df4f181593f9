// SearchState <-> JSON: exact round trip (doubles, RNG state, text with braces and Unicode),
// non-finite scores, and errors that name the key's path.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

std::string rng_state(std::uint64_t seed, int draws) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < draws; ++i) rng();
  std::ostringstream out;
  out << rng;
  return out.str();
}

SearchState rich_state() {
  SearchState s;
  s.round = 2;
  s.agent_index = 1;
  s.layer = 3;
  s.refreshed = true;
  s.done = false;
  s.prompts = {{"predictor_1", "Think.\n\n{context}\n\nQ: {question} {{literal}} — é 数"},
               {"reflector_1", "Review {context}\nQuestion: {question}"}};
  AgentState a;
  a.beam = {{"p1 {question}", 0.30000000000000004, {"r0-a0-l0-p0-c0", "r0-a0-l1-p0-c1"}},
            {"p2 {question}", -0.5, {}},
            {"p3", 1e-300, {"x"}},
            {"p4", -0.0, {}},
            {"p5", 123456789.123456789, {}},
            {"p6", std::numeric_limits<double>::infinity(), {}},
            {"p7", -std::numeric_limits<double>::infinity(), {}},
            {"p8", std::numeric_limits<double>::denorm_min(), {}},
            {"p9", 0.1 + 0.2 - 0.3, {}}};
  a.best_prompt = "p1 {question}";
  a.best_score = 2.0 / 3.0;
  a.buffer = {{"What is 2+2?", "", "5", 0}, {"Q2 \"quoted\"", "ctx\n---\nctx2", "out", 2}};
  a.visits = 2;
  s.agents["predictor_1"] = a;
  s.agents["reflector_1"] = AgentState{};
  s.rng_state = rng_state(42, 1000);
  s.step = 9'000'000'000LL;
  return s;
}

TEST(SearchStateJson, ExactRoundTrip) {
  SearchState s = rich_state();
  json j = to_json(s);
  SearchState back = search_state_from_json(json::parse(j.dump()));
  EXPECT_EQ(back, s);
  EXPECT_EQ(to_json(back).dump(), j.dump());
  // The sign of -0.0 survives too.
  EXPECT_TRUE(std::signbit(back.agents["predictor_1"].beam[3].score));
  // Pretty-printed JSON reads back the same.
  EXPECT_EQ(search_state_from_json(json::parse(j.dump(2))), s);
}

TEST(SearchStateJson, RngStateRestoresTheGenerator) {
  SearchState s;
  s.rng_state = rng_state(7, 12345);
  SearchState back = search_state_from_json(json::parse(to_json(s).dump()));
  std::mt19937_64 a(7);
  for (int i = 0; i < 12345; ++i) a();
  std::mt19937_64 b;
  std::istringstream in(back.rng_state);
  in >> b;
  ASSERT_FALSE(in.fail());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(SearchStateJson, NanScoreSurvives) {
  SearchState s;
  s.agents["a"].best_score = std::numeric_limits<double>::quiet_NaN();
  json j = to_json(s);
  EXPECT_EQ(j["agents"]["a"]["best_score"], "nan");
  SearchState back = search_state_from_json(json::parse(j.dump()));
  EXPECT_TRUE(std::isnan(back.agents["a"].best_score));
}

TEST(SearchStateJson, EmptyStateRoundTrips) {
  SearchState s;
  EXPECT_EQ(search_state_from_json(to_json(s)), s);
}

TEST(SearchStateJson, UnknownKeysAreIgnored) {
  json j = to_json(rich_state());
  j["added_later"] = {1, 2, 3};
  j["agents"]["predictor_1"]["also_new"] = true;
  EXPECT_EQ(search_state_from_json(j), rich_state());
}

std::string error_of(const json& j) {
  try {
    search_state_from_json(j);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SearchStateJson, ErrorsNameTheKey) {
  const json good = to_json(rich_state());
  struct Bad {
    std::string what;
    std::function<void(json&)> damage;
    std::string key;
  };
  const std::vector<Bad> bad = {
      {"missing round", [](json& j) { j.erase("round"); }, "`round`"},
      {"negative layer", [](json& j) { j["layer"] = -1; }, "`layer`"},
      {"float layer", [](json& j) { j["layer"] = 1.5; }, "`layer`"},
      {"string step", [](json& j) { j["step"] = "3"; }, "`step`"},
      {"bool refreshed", [](json& j) { j["refreshed"] = 1; }, "`refreshed`"},
      {"missing done", [](json& j) { j.erase("done"); }, "`done`"},
      {"prompts array", [](json& j) { j["prompts"] = json::array(); }, "`prompts`"},
      {"prompt number", [](json& j) { j["prompts"]["predictor_1"] = 3; }, "`prompts.predictor_1`"},
      {"agents array", [](json& j) { j["agents"] = json::array(); }, "`agents`"},
      {"agent not object", [](json& j) { j["agents"]["predictor_1"] = 1; }, "`agents.predictor_1`"},
      {"beam missing", [](json& j) { j["agents"]["predictor_1"].erase("beam"); }, "`agents.predictor_1.beam`"},
      {"beam score", [](json& j) { j["agents"]["predictor_1"]["beam"][1]["score"] = "high"; },
       "`agents.predictor_1.beam[1].score`"},
      {"beam score null", [](json& j) { j["agents"]["predictor_1"]["beam"][0]["score"] = nullptr; },
       "`agents.predictor_1.beam[0].score`"},
      {"beam prompt", [](json& j) { j["agents"]["predictor_1"]["beam"][0].erase("prompt"); },
       "`agents.predictor_1.beam[0].prompt`"},
      {"path element", [](json& j) { j["agents"]["predictor_1"]["beam"][0]["path"][1] = 7; },
       "`agents.predictor_1.beam[0].path[1]`"},
      {"buffer priority", [](json& j) { j["agents"]["predictor_1"]["buffer"][1]["priority"] = 5; },
       "`agents.predictor_1.buffer[1].priority`"},
      {"buffer question", [](json& j) { j["agents"]["predictor_1"]["buffer"][0].erase("question"); },
       "`agents.predictor_1.buffer[0].question`"},
      {"visits", [](json& j) { j["agents"]["reflector_1"]["visits"] = -2; }, "`agents.reflector_1.visits`"},
      {"best score", [](json& j) { j["agents"]["reflector_1"]["best_score"] = json::object(); },
       "`agents.reflector_1.best_score`"},
      {"rng", [](json& j) { j.erase("rng_state"); }, "`rng_state`"},
      {"version", [](json& j) { j["version"] = 2; }, "`version`"},
      {"round too big", [](json& j) { j["round"] = 1LL << 40; }, "`round`"},
  };
  for (const auto& b : bad) {
    json j = good;
    b.damage(j);
    std::string e = error_of(j);
    EXPECT_NE(e.find(b.key), std::string::npos) << b.what << ": " << e;
  }
  EXPECT_NE(error_of(json::array()).find("expected an object"), std::string::npos);
  EXPECT_NE(error_of(json(nullptr)).find("expected an object"), std::string::npos);
}

}  // namespace
}  // namespace maspo::opt
