// harness::evaluate: every item graded and written once, a summary that adds up, resume after a
// budget stop or a torn line without rerunning finished items, refusal to mix different inputs,
// and a failing model call that fails its item, not the run.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <set>

#include "maspo/harness.hpp"
#include "maspo/util.hpp"
#include "mas/mas_test_support.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using maspo::mas::testing::RequestLog;
using maspo::mas::testing::ScriptFactory;
using namespace maspo;

// Questions "Q<i> say <n>" with gold = i; the agent answers <answer>n</answer>, so item i is right
// when n == i. Every third question carries a wrong n.
data::Dataset make_dataset(int n) {
  data::Dataset d;
  d.name = "toy";
  d.format = "gsm8k";
  d.path = "toy.jsonl";
  d.task = data::TaskType::math;
  for (int i = 0; i < n; ++i) {
    data::Example e;
    e.id = "q" + std::to_string(i);
    int said = i % 3 == 2 ? i + 100 : i;
    e.question = "Q" + std::to_string(i) + " say " + std::to_string(said);
    e.gold = std::to_string(i);
    e.task = data::TaskType::math;
    d.examples.push_back(e);
  }
  return d;
}

// While set, "FAIL" in a question makes the model call throw (a server that is down).
std::atomic<bool> g_fail_marked{true};

// Answers with the number after "say".
llm::Reply answer(const llm::Request& r) {
  const std::string& p = r.messages.back().content;
  std::smatch m;
  std::regex say("say (\\d+)");
  if (g_fail_marked && p.find("FAIL") != std::string::npos) throw std::runtime_error("backend exploded");
  llm::Reply reply;
  reply.text = std::regex_search(p, m, say) ? "<answer>" + m[1].str() + "</answer>" : "no idea";
  reply.usage = {20, 5};
  return reply;
}

struct Env {
  std::shared_ptr<RequestLog> log = std::make_shared<RequestLog>();
  std::shared_ptr<const mas::System> system =
      std::make_shared<const mas::System>(mas::builtin_system("sequential:1", data::TaskType::math, mas::ContextMode::raw));
  llm::ClientOptions options(std::optional<std::int64_t> agent_calls = std::nullopt) const {
    llm::ClientOptions o;
    llm::RoleConfig rc;
    rc.backend = "scripted";
    rc.model = "toy";
    o.roles["agents"] = rc;
    o.cache.mode = llm::CacheMode::off;
    o.factory = std::make_shared<ScriptFactory>(log, answer);
    if (agent_calls) o.budgets["agents"].calls = *agent_calls;
    return o;
  }
};

std::vector<nlohmann::json> read_items(const fs::path& dir) {
  std::vector<nlohmann::json> items;
  std::ifstream in(dir / "items.jsonl");
  std::string line;
  while (std::getline(in, line)) items.push_back(nlohmann::json::parse(line));
  return items;
}

TEST(Evaluate, GradesEveryItemAndSummaryAddsUp) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  llm::Client client(env.options());
  harness::RunOptions o;
  o.out_dir = tmp.path() / "out";
  int progress_calls = 0;
  o.on_progress = [&](const harness::Progress& p) {
    ++progress_calls;
    EXPECT_EQ(p.total, 9);
  };
  auto s = harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(9), eval::Grader(), o);
  EXPECT_EQ(s.selected, 9);
  EXPECT_EQ(s.total, 9);
  EXPECT_EQ(s.correct, 6);   // q2, q5, q8 say the wrong number
  EXPECT_EQ(s.errors, 0);
  EXPECT_NEAR(s.accuracy, 6.0 / 9.0, 1e-12);
  auto ci = eval::wilson_interval(6, 9);
  EXPECT_NEAR(s.ci95.low, ci.low, 1e-12);
  EXPECT_NEAR(s.ci95.high, ci.high, 1e-12);
  EXPECT_LT(s.ci95.low, s.accuracy);
  EXPECT_GT(s.ci95.high, s.accuracy);
  EXPECT_EQ(progress_calls, 9);
  // Two agents per question, one call each (raw context: no compression).
  EXPECT_EQ(env.log->size(), 18u);

  auto items = read_items(o.out_dir);
  ASSERT_EQ(items.size(), 9u);
  std::set<std::string> ids;
  for (const auto& it : items) {
    ids.insert(it.at("id").get<std::string>());
    const std::string id = it.at("id");
    int i = std::stoi(id.substr(1));
    EXPECT_EQ(it.at("gold"), std::to_string(i));
    EXPECT_EQ(it.at("correct").get<bool>(), i % 3 != 2) << it.dump();
    EXPECT_TRUE(it.contains("trace"));
    EXPECT_EQ(it.at("trace").at("agents").size(), 2u);
  }
  EXPECT_EQ(ids.size(), 9u);
  auto summary = nlohmann::json::parse(maspo::read_file(o.out_dir / "summary.json"));
  EXPECT_EQ(summary.at("correct"), 6);
  EXPECT_EQ(summary.at("scored"), 9);
}

TEST(Evaluate, BudgetStopThenResumeRunsOnlyTheUnfinishedItems) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  harness::RunOptions o;
  o.out_dir = tmp.path() / "out";
  o.max_questions_in_flight = 1;
  harness::Summary first;
  {
    llm::Client client(env.options(8));   // 4 questions' worth of calls
    first = harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(10), eval::Grader(), o);
  }
  EXPECT_TRUE(first.stopped_by_budget);
  EXPECT_LT(first.total, 10);
  EXPECT_GT(first.total, 0);
  const std::size_t calls_before = env.log->size();

  llm::Client client(env.options());
  auto second = harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(10), eval::Grader(), o);
  EXPECT_FALSE(second.stopped_by_budget);
  EXPECT_EQ(second.total, 10);
  EXPECT_EQ(second.resumed, first.total);
  EXPECT_EQ(second.correct, 7);   // q2, q5, q8 wrong
  EXPECT_EQ(env.log->size() - calls_before, static_cast<std::size_t>(2 * (10 - first.total)));
  EXPECT_EQ(read_items(o.out_dir).size(), 10u);
}

TEST(Evaluate, TornLastLineIsDroppedAndThatItemRedone) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  harness::RunOptions o;
  o.out_dir = tmp.path() / "out";
  {
    llm::Client client(env.options());
    harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(4), eval::Grader(), o);
  }
  // Cut the file in the middle of its last line, as a kill during the write would.
  std::string text = maspo::read_file(o.out_dir / "items.jsonl");
  auto last_start = text.rfind('\n', text.size() - 2) + 1;
  std::string last_id = nlohmann::json::parse(text.substr(last_start)).at("id");
  {
    std::ofstream out(o.out_dir / "items.jsonl", std::ios::trunc | std::ios::binary);
    out << text.substr(0, last_start + 15);
  }
  const std::size_t calls_before = env.log->size();
  llm::Client client(env.options());
  auto s = harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(4), eval::Grader(), o);
  EXPECT_EQ(s.total, 4);
  EXPECT_EQ(s.resumed, 3);
  EXPECT_EQ(env.log->size() - calls_before, 2u);
  auto items = read_items(o.out_dir);   // every line parses again
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items.back().at("id"), last_id);
}

// run.json is written before any item: an --out directory with items.jsonl and no run.json holds
// records maspo did not write, and they must not be counted as resumed.
TEST(Evaluate, ItemsWithoutRunManifestAreRefusedNotResumed) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  harness::RunOptions o;
  o.out_dir = tmp.path() / "out";
  fs::create_directories(o.out_dir);
  const std::string foreign = R"({"id": "q0", "status": "correct", "correct": true})" "\n" R"({"id": "q1", "sta)";
  maspo::write_file_atomic(o.out_dir / "items.jsonl", foreign);
  llm::Client client(env.options());
  try {
    harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(2), eval::Grader(), o);
    ADD_FAILURE() << "a directory with items.jsonl but no run.json was resumed";
  } catch (const maspo::InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(o.out_dir.string() + ": holds an items.jsonl but no run.json"), std::string::npos) << message;
  }
  EXPECT_EQ(env.log->size(), 0u);
  EXPECT_FALSE(fs::exists(o.out_dir / "run.json"));
  EXPECT_EQ(maspo::read_file(o.out_dir / "items.jsonl"), foreign);  // not ours: left untouched
}

TEST(Evaluate, ResumeWithDifferentPromptsIsRefused) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  harness::RunOptions o;
  o.out_dir = tmp.path() / "out";
  llm::Client client(env.options());
  harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(3), eval::Grader(), o);
  mas::PromptMap other = env.system->seed_prompts();
  other.begin()->second += " Be brief.";
  EXPECT_THROW(harness::evaluate(client, env.system, other, make_dataset(3), eval::Grader(), o), maspo::InputError);
  o.limit = 2;
  EXPECT_THROW(harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(3), eval::Grader(), o),
               maspo::InputError);
}

TEST(Evaluate, AFailingModelCallFailsItsItemNotTheRun) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  data::Dataset d = make_dataset(5);
  d.examples[1].question += " FAIL";
  harness::RunOptions o;
  o.out_dir = tmp.path() / "out";
  llm::ClientOptions options = env.options();
  options.roles["agents"].retry.max_attempts = 1;
  llm::Client client(options);
  auto s = harness::evaluate(client, env.system, env.system->seed_prompts(), d, eval::Grader(), o);
  EXPECT_EQ(s.total, 5);
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.correct, 3);   // q0, q3, q4 (q2 says the wrong number, q1 failed)
  bool seen = false;
  for (const auto& it : read_items(o.out_dir)) {
    if (it.at("id") == "q1") {
      seen = true;
      EXPECT_EQ(it.at("status"), "error");
      EXPECT_NE(it.at("error").get<std::string>().find("exploded"), std::string::npos) << it.dump();
      EXPECT_FALSE(it.at("correct").get<bool>());
    }
  }
  EXPECT_TRUE(seen);

  // Resumed once the server is back: only the failed item runs again, and it now counts.
  g_fail_marked = false;
  const std::size_t calls_before = env.log->size();
  auto again = harness::evaluate(client, env.system, env.system->seed_prompts(), d, eval::Grader(), o);
  g_fail_marked = true;
  EXPECT_EQ(again.errors, 0);
  EXPECT_EQ(again.resumed, 4);
  EXPECT_EQ(again.correct, 4);   // q1 says 1: right now
  EXPECT_EQ(env.log->size() - calls_before, 2u);
}

TEST(Evaluate, LimitPicksTheSameSeededSubsetEveryTime) {
  maspo::testing::TempDir tmp("maspo-harness");
  Env env;
  auto ids_of = [&](const fs::path& dir, std::uint64_t seed) {
    harness::RunOptions o;
    o.out_dir = dir;
    o.limit = 4;
    o.seed = seed;
    llm::Client client(env.options());
    auto s = harness::evaluate(client, env.system, env.system->seed_prompts(), make_dataset(20), eval::Grader(), o);
    EXPECT_EQ(s.selected, 4);
    std::set<std::string> ids;
    for (const auto& it : read_items(dir)) ids.insert(it.at("id").get<std::string>());
    return ids;
  };
  auto a = ids_of(tmp.path() / "a", 5);
  auto b = ids_of(tmp.path() / "b", 5);
  auto c = ids_of(tmp.path() / "c", 6);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
