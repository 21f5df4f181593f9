#include "support/synthetic_testbed.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "llm/scripted_backend.hpp"
#include "maspo/util.hpp"

namespace maspo::testing {

namespace {

std::uint64_t hash_of(std::string_view text) {
  // FNV-1a: stable across platforms and runs, which std::hash is not required to be.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

const std::regex& prompt_pattern() {
  static const std::regex re(R"(ROLE=(\w+) FEATURES=\[([A-Z,]*)\])");
  return re;
}

std::set<std::string> features_of(const std::string& list) {
  std::set<std::string> out;
  std::stringstream ss(list);
  std::string f;
  while (std::getline(ss, f, ',')) {
    if (!f.empty()) out.insert(f);
  }
  return out;
}

std::string prompt_text(const std::string& role, const std::set<std::string>& features) {
  std::string list;
  for (const auto& f : features) list += (list.empty() ? "" : ",") + f;
  if (role == "predictor") return "ROLE=predictor FEATURES=[" + list + "] Solve the problem.\nQuestion: {question}";
  return "ROLE=reflector FEATURES=[" + list + "] Review the solution.\nQuestion: {question}\nContext: {context}";
}

int marker(const std::string& text, const std::string& name, std::size_t from, std::size_t* at = nullptr) {
  std::size_t p = text.find("<<" + name + "=", from);
  if (p == std::string::npos) return -1;
  if (at) *at = p;
  return std::atoi(text.c_str() + p + name.size() + 3);
}

std::string agent_reply(const std::string& text) {
  std::smatch m;
  if (!std::regex_search(text, m, prompt_pattern())) {
    // A compression call (summary mode): keep the markers so successors still see them.
    std::string kept;
    for (const char* name : {"L", "C", "V", "F"}) {
      int v = marker(text, name, 0);
      if (v >= 0) kept += "<<" + std::string(name) + "=" + std::to_string(v) + ">> ";
    }
    return "summary: " + kept;
  }
  const std::string role = m[1];
  const auto f = features_of(m[2]);
  const std::size_t q_at = text.find("Question: ");
  const std::string question = q_at == std::string::npos ? text : text.substr(q_at, text.find('\n', q_at) - q_at);
  if (role == "predictor") {
    const int verbose = f.count("VERBOSE"), terse = f.count("TERSE");
    const bool right = f.count("CHECK") > 0 || hash_of(question) % 5 == 0;
    const int l = 1 + 2 * verbose - terse;
    return "Working: <<L=" + std::to_string(l) + ">> <<C=" + std::to_string(right) + ">> <<V=" +
           std::to_string(verbose) + ">> " + (verbose ? std::string(200, '.') : "");
  }
  // Reflector: reads the predictor's markers from its context.
  const std::size_t ctx = text.find("Context: ");
  const int c = ctx == std::string::npos ? 0 : std::max(0, marker(text, "C", ctx));
  const int v = ctx == std::string::npos ? 0 : std::max(0, marker(text, "V", ctx));
  const bool right = v == 0 && c == 1;
  const int l = v ? 0 : 1 + 2 * right + static_cast<int>(f.count("CAREFUL"));
  return "Review: <<L=" + std::to_string(l) + ">> <<F=" + std::to_string(right) + ">> <answer>" +
         (right ? "1" : "0") + "</answer>";
}

std::string optimizer_reply(const std::string& text, int sample_index) {
  std::smatch m;
  if (!std::regex_search(text, m, prompt_pattern())) return "no prompt to improve";
  const std::string role = m[1];
  auto f = features_of(m[2]);
  static const std::vector<std::string> kPredictor = {"VERBOSE", "CHECK", "TERSE"};
  static const std::vector<std::string> kReflector = {"CAREFUL", "LAZY"};
  const auto& options = role == "predictor" ? kPredictor : kReflector;
  const std::string& pick = options[(hash_of(text) + static_cast<std::uint64_t>(sample_index)) % options.size()];
  if (f.count(pick)) f.erase(pick); else f.insert(pick);
  return "<analyse>toggling " + pick + "</analyse><modification>Toggle " + pick + ".</modification><prompt>" +
         prompt_text(role, f) + "</prompt>";
}

std::string judge_reply(const std::string& text, bool final_kind) {
  // The two outputs appear in order A, B; each carries its markers.
  std::size_t a_at = 0, b_at = 0, fa_at = 0;
  const int la = marker(text, "L", 0, &a_at);
  const int lb = la < 0 ? -1 : marker(text, "L", a_at + 1, &b_at);
  if (la < 0 || lb < 0) return "I cannot tell.";
  int fa = marker(text, "F", a_at, &fa_at);
  if (fa >= 0 && fa_at > b_at) fa = -1;
  const int fb = marker(text, "F", b_at);
  int sa = la, sb = lb;
  if (final_kind && fa >= 0 && fb >= 0 && fa != fb) {
    sa = fa;
    sb = fb;
  }
  if (sa == sb) return (hash_of(text) % 2 == 0) ? "A" : "B";
  return sa > sb ? "A" : "B";
}

class TestbedFactory : public llm::BackendFactory {
 public:
  std::shared_ptr<llm::Backend> make(const std::string& role, const llm::RoleConfig&) override {
    return std::make_shared<llm::ScriptedBackend>(
        [role](const llm::Request& r) {
          llm::Reply reply;
          reply.text = testbed_reply(role, r);
          return reply;
        },
        "synthetic-testbed-" + role);
  }
};

}  // namespace

bool has_feature(std::string_view prompt, std::string_view feature) {
  std::smatch m;
  std::string p(prompt);
  if (!std::regex_search(p, m, prompt_pattern())) return false;
  return features_of(m[2]).count(std::string(feature)) > 0;
}

std::string testbed_prompt(const std::string& role, const std::set<std::string>& features) {
  return prompt_text(role, features);
}

std::string role_of(std::string_view text) {
  std::smatch m;
  std::string t(text);
  return std::regex_search(t, m, prompt_pattern()) ? m[1].str() : std::string();
}

std::string testbed_reply(std::string_view role, const llm::Request& request) {
  std::string text;
  for (const auto& msg : request.messages) text += msg.content + "\n";
  if (role == "optimizer") return optimizer_reply(text, request.sample_index);
  if (role == "judge") {
    // Final and terminal comparisons ask about the final answer; intermediate ones do not see F.
    const bool final_kind = text.find("<<F=") != std::string::npos;
    return judge_reply(text, final_kind);
  }
  return agent_reply(text);
}

llm::ClientOptions Testbed::client_options(const std::string& cache_path) const {
  llm::ClientOptions o;
  for (const char* role : {"agents", "optimizer", "judge"}) {
    llm::RoleConfig rc;
    rc.backend = "scripted";
    rc.model = std::string("testbed-") + role;
    o.roles[role] = rc;
  }
  o.factory = factory;
  if (cache_path.empty()) {
    o.cache.mode = llm::CacheMode::off;
  } else {
    o.cache.path = cache_path;
  }
  return o;
}

std::string testbed_system_yaml() {
  auto block = [](const std::string& text) {
    std::string out;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) out += "      " + line + "\n";
    return out;
  };
  return "name: synthetic-testbed\ntask: math\ncontext: raw\nagents:\n"
         "  - id: predictor\n    type: Predictor\n    role: Solves the problem step by step.\n    template: |\n" +
         block(prompt_text("predictor", {})) +
         "  - id: reflector\n    type: Reflector\n    role: Reviews the proposed solution and gives the final answer.\n"
         "    template: |\n" +
         block(prompt_text("reflector", {})) + "edges:\n  - predictor -> reflector\n";
}

std::string testbed_gsm8k_jsonl(int questions) {
  std::string out;
  for (int i = 0; i < questions; ++i) {
    out += "{\"question\": \"Synthetic problem number " + std::to_string(i) + ".\", \"answer\": \"#### 1\"}\n";
  }
  return out;
}

std::string testbed_http_config(int port, int max_concurrency) {
  std::string out = "models:\n";
  for (const char* role : {"agents", "optimizer", "judge"}) {
    out += std::string("  ") + role + ":\n    backend: openai\n    base_url: http://127.0.0.1:" + std::to_string(port) +
           "/v1\n    model: testbed-" + role + "\n    max_concurrency: " + std::to_string(max_concurrency) + "\n";
  }
  return out;
}

void write_testbed_files(const std::filesystem::path& dir, int test_questions, int pool_questions) {
  write_file_atomic(dir / "testbed.yaml", testbed_system_yaml());
  write_file_atomic(dir / "test.jsonl", testbed_gsm8k_jsonl(test_questions));
  if (pool_questions > 0) write_file_atomic(dir / "pool.jsonl", testbed_gsm8k_jsonl(pool_questions));
}

Testbed make_testbed(int questions) {
  Testbed t;
  std::vector<mas::Agent> agents(2);
  agents[0].id = "predictor";
  agents[0].type = "Predictor";
  agents[0].role = "Solves the problem step by step.";
  agents[0].prompt = prompt_text("predictor", {});
  agents[1].id = "reflector";
  agents[1].type = "Reflector";
  agents[1].role = "Reviews the proposed solution and gives the final answer.";
  agents[1].prompt = prompt_text("reflector", {});
  t.system = std::make_shared<const mas::System>("synthetic-testbed", data::TaskType::math, mas::ContextMode::raw,
                                                 agents, std::vector<std::pair<std::string, std::string>>{{"predictor", "reflector"}},
                                                 "<synthetic testbed>");
  t.seed = t.system->seed_prompts();
  for (int i = 0; i < questions; ++i) {
    data::Example e;
    e.id = "q" + std::to_string(i);
    e.question = "Synthetic problem number " + std::to_string(i) + ".";
    e.gold = "1";
    e.task = data::TaskType::math;
    e.line = i + 1;
    t.pool.push_back(std::move(e));
  }
  t.factory = std::make_shared<TestbedFactory>();
  return t;
}

}  // namespace maspo::testing
