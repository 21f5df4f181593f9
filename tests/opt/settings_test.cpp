// Optimizer settings: paper defaults, JSON round trip, partial objects, and errors that name the key.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "maspo/opt.hpp"

namespace maspo::opt {
namespace {

std::string error_of(const json& j) {
  try {
    settings_from_json(j);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Settings, PaperDefaults) {
  Settings s;
  EXPECT_EQ(s.beam_width, 2);
  EXPECT_EQ(s.children_per_parent, 2);
  EXPECT_EQ(s.batch_size, 10);
  EXPECT_EQ(s.pool_size, 50);
  EXPECT_EQ(s.layers_per_visit, 3);
  EXPECT_EQ(s.rounds, 3);
  EXPECT_EQ(s.weights.local, 0.4);
  EXPECT_EQ(s.weights.lookahead, 0.4);
  EXPECT_EQ(s.weights.global, 0.2);
  EXPECT_EQ(s.k_mis, 3);
  EXPECT_EQ(s.judge_order, JudgeOrder::fixed);
  EXPECT_TRUE(s.unparsable_is_loss);
  EXPECT_EQ(s.compat, Compat::paper);
}

TEST(Settings, RoundTripDefaults) {
  json j = to_json(Settings{});
  EXPECT_EQ(j.size(), 23u);  // every key written
  EXPECT_EQ(to_json(settings_from_json(j)), j);
  EXPECT_EQ(to_json(settings_from_json(json::parse(j.dump()))), j);
  EXPECT_EQ(j["judge_order"], "fixed");
  EXPECT_EQ(j["sampling"], "misalignment");
  EXPECT_EQ(j["compat"], "paper");
}

TEST(Settings, RoundTripEverythingChanged) {
  Settings s;
  s.beam_width = 4;
  s.children_per_parent = 3;
  s.batch_size = 12;
  s.pool_size = 70;
  s.layers_per_visit = 2;
  s.rounds = 1;
  s.weights = {0.1, 0.30000000000000004, 0.6};
  s.lookahead_depth = 3;
  s.joint = false;
  s.k_mis = 5;
  s.max_injected = 0;
  s.sampling = Sampling::success;
  s.refresh = false;
  s.judge_order = JudgeOrder::both;
  s.unparsable_is_loss = false;
  s.compat = Compat::reference;
  s.centered_scores = false;
  s.optimizer_temperature = 1.3;
  s.optimizer_max_tokens = 100;
  s.judge_max_tokens = 8;
  s.terminal_judge_max_tokens = 9;
  s.traces_per_proposal = 4;
  s.seed = std::numeric_limits<std::uint64_t>::max();
  json j = to_json(s);
  Settings back = settings_from_json(json::parse(j.dump()));
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(back.weights.lookahead, 0.30000000000000004);
  EXPECT_EQ(back.sampling, Sampling::success);
  EXPECT_EQ(back.judge_order, JudgeOrder::both);
  EXPECT_EQ(back.compat, Compat::reference);
  EXPECT_FALSE(back.centered_scores);   // a resumed run must keep the literal Eq. 7 reading if chosen
}

TEST(Settings, PartialKeepsDefaults) {
  Settings s = settings_from_json(json{{"beam_width", 3}, {"judge_order", "random"}});
  EXPECT_EQ(s.beam_width, 3);
  EXPECT_EQ(s.judge_order, JudgeOrder::random);
  EXPECT_EQ(s.batch_size, 10);
  EXPECT_EQ(to_json(settings_from_json(json::object())), to_json(Settings{}));
  // A partial weights object keeps the other weights.
  Settings w = settings_from_json(json{{"weights", {{"global", 0.5}}}});
  EXPECT_EQ(w.weights.local, 0.4);
  EXPECT_EQ(w.weights.lookahead, 0.4);
  EXPECT_EQ(w.weights.global, 0.5);
}

TEST(Settings, WeightsAsRatioString) {
  Settings s = settings_from_json(json{{"weights", "4:4:2"}});
  EXPECT_DOUBLE_EQ(s.weights.local, 0.4);
  EXPECT_DOUBLE_EQ(s.weights.lookahead, 0.4);
  EXPECT_DOUBLE_EQ(s.weights.global, 0.2);
  s = settings_from_json(json{{"weights", "1:0:1"}});
  EXPECT_DOUBLE_EQ(s.weights.local, 0.5);
  EXPECT_DOUBLE_EQ(s.weights.lookahead, 0.0);
  for (const char* bad : {"4:4", "4:4:2:1", "a:b:c", "4::2", "-1:1:1", "0:0:0", "", "4:4:2x"}) {
    std::string e = error_of(json{{"weights", bad}});
    EXPECT_NE(e.find("`weights`"), std::string::npos) << bad << ": " << e;
  }
}

TEST(Settings, ErrorsNameTheKey) {
  struct Bad {
    json j;
    std::string key;
    std::string expected;
  };
  const std::vector<Bad> bad = {
      {{{"beam_widht", 2}}, "`beam_widht`", "unknown key"},
      {{{"beam_width", 0}}, "`beam_width`", "an integer >= 1"},
      {{{"beam_width", -3}}, "`beam_width`", "an integer >= 1"},
      {{{"beam_width", 2.5}}, "`beam_width`", "an integer"},
      {{{"beam_width", "2"}}, "`beam_width`", "an integer"},
      {{{"beam_width", true}}, "`beam_width`", "an integer"},
      {{{"beam_width", 1e12}}, "`beam_width`", "an integer"},
      {{{"batch_size", 4294967296LL}}, "`batch_size`", "an integer"},
      {{{"rounds", nullptr}}, "`rounds`", "an integer"},
      {{{"k_mis", -1}}, "`k_mis`", "an integer >= 0"},
      {{{"lookahead_depth", 0}}, "`lookahead_depth`", ">= 1"},
      {{{"joint", "yes"}}, "`joint`", "true or false"},
      {{{"refresh", 1}}, "`refresh`", "true or false"},
      {{{"judge_order", "swap"}}, "`judge_order`", "one of fixed, random or both"},
      {{{"judge_order", 1}}, "`judge_order`", "one of fixed, random or both"},
      {{{"sampling", "Random"}}, "`sampling`", "one of misalignment, random or success"},
      {{{"compat", "python"}}, "`compat`", "one of paper or reference"},
      {{{"optimizer_temperature", -0.1}}, "`optimizer_temperature`", "from 0 to 2"},
      {{{"optimizer_temperature", 2.5}}, "`optimizer_temperature`", "from 0 to 2"},
      {{{"optimizer_temperature", "hot"}}, "`optimizer_temperature`", "from 0 to 2"},
      {{{"judge_max_tokens", 0}}, "`judge_max_tokens`", ">= 1"},
      {{{"seed", -1}}, "`seed`", "non-negative integer"},
      {{{"seed", 1.5}}, "`seed`", "non-negative integer"},
      {{{"weights", 3}}, "`weights`", "an object"},
      {{{"weights", {{"local", -1}}}}, "`weights.local`", ">= 0"},
      {{{"weights", {{"local", "x"}}}}, "`weights.local`", "a number"},
      {{{"weights", {{"lokal", 1}}}}, "`weights.lokal`", "unknown key"},
      {{{"weights", {{"local", 0}, {"lookahead", 0}, {"global", 0}}}}, "`weights`", "not all zero"},
  };
  for (const auto& b : bad) {
    std::string e = error_of(b.j);
    EXPECT_NE(e.find(b.key), std::string::npos) << b.j.dump() << " → " << e;
    EXPECT_NE(e.find(b.expected), std::string::npos) << b.j.dump() << " → " << e;
  }
  EXPECT_NE(error_of(json::array()).find("expected an object"), std::string::npos);
  EXPECT_NE(error_of(json("x")).find("expected an object"), std::string::npos);
}

TEST(Settings, EnumNames) {
  for (JudgeOrder o : {JudgeOrder::fixed, JudgeOrder::random, JudgeOrder::both}) {
    EXPECT_EQ(parse_judge_order(to_string(o)), o);
  }
  for (Sampling s : {Sampling::misalignment, Sampling::random, Sampling::success}) {
    EXPECT_EQ(parse_sampling(to_string(s)), s);
  }
  for (Compat c : {Compat::paper, Compat::reference}) EXPECT_EQ(parse_compat(to_string(c)), c);
  EXPECT_EQ(parse_judge_order("FIXED"), std::nullopt);
  EXPECT_EQ(parse_sampling(""), std::nullopt);
  EXPECT_EQ(parse_compat("code"), std::nullopt);
  EXPECT_EQ(to_string(Comparison::intermediate), "intermediate");
  EXPECT_EQ(to_string(Comparison::final), "final");
  EXPECT_EQ(to_string(Comparison::terminal), "terminal");
}

}  // namespace
}  // namespace maspo::opt
