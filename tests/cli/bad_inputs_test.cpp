// The bad-input corpus (tests/bad_inputs/cases.yaml): every malformed input of the manifest goes
// through the real `maspo` binary, one test per case (BadInputs/Corpus.Case/<name>), and must get
// what DESIGN.md's rules of the house promise: one clear message naming the file, line or key and
// what was expected, with exit code 2; or, for a model reply that cannot be parsed, a recorded
// failure (an item, a rejected proposal, an unparsed verdict) in a run that finishes. Never a
// crash or a sanitizer report. The model replies come from the scripted TEST DOUBLE backend, so
// no model is loaded.
//
// A case marked `bug:` in the manifest states the correct behaviour of a known maspo bug: while
// the bug is there, the case is reported as skipped (with what it saw) rather than failed.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "maspo/store.hpp"
#include "support/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSourceDir = MASPO_SOURCE_DIR;
const fs::path kCorpusDir = kSourceDir / "tests" / "bad_inputs";
const std::vector<std::string> kKinds = {"system", "config", "dataset", "prompts", "cli", "replies"};

// ------------------------------------------------------------------------------------ manifest

struct Part {
  std::string bytes;  // the text (placeholders substituted at run time) or the decoded hex
  bool hex = false;
  long repeat = -1;  // -1: once, without {i} substitution
};

struct Generated {
  std::string file;  // relative to {tmp}
  std::string generator;
  std::vector<Part> parts;
};

struct Items {
  std::string file;
  std::size_t count = 0;
  std::vector<std::string> statuses;
};

struct Case {
  std::string name;
  std::string kind;
  std::string file;  // relative to tests/bad_inputs, or empty
  std::string bug;
  std::vector<Generated> generate;
  std::vector<std::string> args;
  std::vector<std::string> env_unset;
  int exit = -1;
  std::vector<std::string> stderr_has;
  std::vector<std::string> forbid;
  std::optional<Items> items;
  std::optional<std::string> proposals;
  std::optional<bool> judgements_parsed;
  std::optional<std::pair<std::string, json>> best_prompts;
  bool stdout_json = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node) {
    for (const auto& item : node) out.push_back(item.as<std::string>());
  }
  return out;
}

std::string unhex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::runtime_error("odd number of hex digits: " + hex.substr(0, 16));
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

json to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    json out = json::object();
    for (const auto& kv : node) out[kv.first.as<std::string>()] = to_json(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    json out = json::array();
    for (const auto& item : node) out.push_back(to_json(item));
    return out;
  }
  return node.as<std::string>();
}

Case parse_case(const YAML::Node& n) {
  Case c;
  c.name = n["name"].as<std::string>();
  try {
    c.kind = n["kind"].as<std::string>();
    if (n["file"]) c.file = n["file"].as<std::string>();
    if (n["bug"]) c.bug = n["bug"].as<std::string>();
    for (const auto& g : n["generate"]) {
      Generated gen;
      gen.file = g["file"].as<std::string>();
      gen.generator = g["generator"].as<std::string>();
      for (const auto& p : g["parts"]) {
        Part part;
        part.hex = static_cast<bool>(p["hex"]);
        part.bytes = part.hex ? unhex(p["hex"].as<std::string>()) : p["text"].as<std::string>();
        if (p["repeat"]) part.repeat = p["repeat"].as<long>();
        gen.parts.push_back(std::move(part));
      }
      c.generate.push_back(std::move(gen));
    }
    c.args = strings(n["args"]);
    c.env_unset = strings(n["env_unset"]);
    c.exit = n["exit"].as<int>();
    c.stderr_has = strings(n["stderr"]);
    c.forbid = strings(n["forbid"]);
    if (const auto& it = n["items"]) {
      c.items = Items{it["file"].as<std::string>(), it["count"].as<std::size_t>(), strings(it["status"])};
    }
    if (n["proposals"]) c.proposals = n["proposals"].as<std::string>();
    if (n["judgements"]) c.judgements_parsed = n["judgements"]["parsed"].as<bool>();
    if (const auto& b = n["best_prompts"]) c.best_prompts = std::make_pair(b["file"].as<std::string>(), to_json(b["equals"]));
    if (n["stdout_json"]) c.stdout_json = n["stdout_json"].as<bool>();
  } catch (const std::exception& e) {
    throw std::runtime_error("case " + c.name + ": " + e.what());
  }
  return c;
}

struct Manifest {
  std::vector<Case> cases;
  std::string error;  // why it could not be read; the cases are then empty
};

const Manifest& manifest() {
  static const Manifest m = [] {
    Manifest out;
    try {
      YAML::Node root = YAML::LoadFile((kCorpusDir / "cases.yaml").string());
      for (const auto& n : root["cases"]) out.cases.push_back(parse_case(n));
    } catch (const std::exception& e) {
      out.cases.clear();
      out.error = e.what();
    }
    return out;
  }();
  return m;
}

// --------------------------------------------------------------------------------- running one

// A fresh directory for one case, removed afterwards.
class CaseDir {
 public:
  explicit CaseDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("maspo-bad-inputs-" + std::to_string(getpid()) + "-" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~CaseDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  CaseDir(const CaseDir&) = delete;
  CaseDir& operator=(const CaseDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

std::string substitute(std::string text, const std::map<std::string, std::string>& placeholders) {
  for (const auto& [name, value] : placeholders) text = replace_all(std::move(text), "{" + name + "}", value);
  return text;
}

void write_generated(const Generated& gen, const fs::path& dir, const std::map<std::string, std::string>& placeholders) {
  std::string data;
  for (const auto& part : gen.parts) {
    if (part.hex) {
      data += part.bytes;
      continue;
    }
    const std::string text = substitute(part.bytes, placeholders);
    if (part.repeat < 0) {
      data += text;
      continue;
    }
    for (long i = 0; i < part.repeat; ++i) {
      data += replace_all(replace_all(text, "{i+1}", std::to_string(i + 1)), "{i}", std::to_string(i));
    }
  }
  const fs::path path = dir / gen.file;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

std::string excerpt(const std::string& text, std::size_t max = 1500) {
  return text.size() <= max ? text : text.substr(0, max) + "... (" + std::to_string(text.size()) + " bytes)";
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// What the case's run did that it should not have; empty when it behaved.
std::vector<std::string> check(const Case& c, const fs::path& dir, const maspo::testing::Result& r,
                               const std::map<std::string, std::string>& placeholders) {
  std::vector<std::string> problems;
  auto problem = [&](const std::string& what) { problems.push_back(what); };

  if (r.code != c.exit) problem("exit code " + std::to_string(r.code) + ", expected " + std::to_string(c.exit));
  for (const auto& s : c.stderr_has) {
    const std::string want = substitute(s, placeholders);
    if (!contains(r.err, want)) problem("stderr lacks `" + want + "`");
  }
  for (const auto& s : c.forbid) {
    if (contains(r.err, s)) problem("stderr holds `" + excerpt(s, 60) + "`");
  }
  for (const char* crash : {"terminate called", "Segmentation", "AddressSanitizer", "LeakSanitizer", "runtime error:",
                            "core dumped", "Aborted"}) {
    if (contains(r.err, crash)) problem(std::string("stderr shows a crash: `") + crash + "`");
  }
  if (r.err.size() >= 2000) problem("stderr is " + std::to_string(r.err.size()) + " bytes (expected a short message)");
  if (c.exit != 0 && r.err.find_first_not_of(" \n\t\r") == std::string::npos) problem("stderr is empty");
  if (c.exit == 2) {
    int lines = 0;
    std::istringstream in(r.err);
    for (std::string line; std::getline(in, line);) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (line == "Run with --help for more information.") continue;  // CLI11's hint after its message
      ++lines;
    }
    if (lines != 1) problem("stderr has " + std::to_string(lines) + " lines (expected one message)");
  }

  if (c.items) {
    std::ifstream in(dir / c.items->file, std::ios::binary);
    if (!in) problem("no " + c.items->file);
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      ++count;
      try {
        json item = json::parse(line);
        const std::string status = item.at("status").get<std::string>();
        if (item.at("correct").get<bool>()) problem("item " + item.value("id", "?") + " is correct");
        if (std::find(c.items->statuses.begin(), c.items->statuses.end(), status) == c.items->statuses.end()) {
          problem("item " + item.value("id", "?") + " has status `" + status + "`");
        }
      } catch (const std::exception& e) {
        problem(c.items->file + ": line " + std::to_string(count) + " is not an item: " + e.what());
      }
    }
    if (count != c.items->count) {
      problem(c.items->file + " has " + std::to_string(count) + " items, expected " + std::to_string(c.items->count));
    }
  }

  if (c.proposals || c.judgements_parsed) {
    try {
      auto store = maspo::store::RunStore::open(dir / "out");
      if (c.proposals) {
        json rows = store->rows("proposals");
        if (rows.empty()) problem("no proposal was recorded");
        for (const auto& row : rows) {
          const std::string status = row.at("status").get<std::string>();
          if (status.rfind(*c.proposals, 0) != 0) problem("proposal status `" + status + "`, expected `" + *c.proposals + "...`");
        }
      }
      if (c.judgements_parsed) {
        json rows = store->rows("judgements");
        if (rows.empty()) problem("no judgement was recorded");
        for (const auto& row : rows) {
          if (row.at("parsed").get<bool>() != *c.judgements_parsed) problem("a judgement has parsed = " + row.at("parsed").dump());
        }
      }
    } catch (const std::exception& e) {
      problem(std::string("cannot read the run store: ") + e.what());
    }
  }

  if (c.best_prompts) {
    try {
      json best = json::parse(std::ifstream(dir / c.best_prompts->first));
      if (best != c.best_prompts->second) problem("best prompts " + excerpt(best.dump(), 200) + ", expected " + c.best_prompts->second.dump());
    } catch (const std::exception& e) {
      problem("cannot read " + c.best_prompts->first + ": " + e.what());
    }
  }

  if (c.stdout_json) {
    try {
      if (!json::parse(r.out).is_object()) problem("stdout is JSON but not an object");
    } catch (const std::exception& e) {
      problem(std::string("stdout is not JSON: ") + e.what());
    }
  }
  return problems;
}

class BadInputs : public ::testing::TestWithParam<Case> {};

TEST_P(BadInputs, Case) {
  const Case& c = GetParam();
  CaseDir tmp(c.name);
  std::map<std::string, std::string> placeholders = {
      {"tmp", tmp.path().string()},
      {"fixtures", (kSourceDir / "tests" / "fixtures").string()},
      {"examples", (kSourceDir / "examples").string()},
      {"bad_inputs", kCorpusDir.string()},
  };
  if (!c.file.empty()) {
    placeholders["case"] = (kCorpusDir / c.file).string();
  } else if (!c.generate.empty()) {
    placeholders["case"] = (tmp.path() / c.generate.front().file).string();
  }
  for (const auto& gen : c.generate) write_generated(gen, tmp.path(), placeholders);

  std::vector<std::string> args;
  for (const auto& a : c.args) args.push_back(substitute(a, placeholders));
  maspo::testing::EnvChanges env;
  for (const auto& name : c.env_unset) env[name] = std::nullopt;

  const auto r = maspo::testing::run_maspo(tmp.path(), args, env, std::chrono::seconds(300));
  const auto problems = check(c, tmp.path(), r, placeholders);
  if (problems.empty()) {
    if (!c.bug.empty()) std::cout << "[ NOTE     ] " << c.name << ": the known bug seems fixed; drop its `bug:` line\n";
    return;
  }
  std::string seen;
  for (const auto& p : problems) seen += "\n  - " + p;
  const std::string output = "exit " + std::to_string(r.code) + "\n--- stderr ---\n" + excerpt(r.err) +
                             "\n--- stdout ---\n" + excerpt(r.out, 500);
  if (!c.bug.empty()) GTEST_SKIP() << "known bug: " << c.bug << seen << "\n" << output;
  ADD_FAILURE() << "case " << c.name << " (" << c.kind << "):" << seen << "\n" << output;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputs, ::testing::ValuesIn(manifest().cases),
                         [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

// ------------------------------------------------------------------------------ the manifest

TEST(BadInputsManifest, IsWellFormedAndCoversEveryKind) {
  const Manifest& m = manifest();
  ASSERT_TRUE(m.error.empty()) << "tests/bad_inputs/cases.yaml: " << m.error;
  EXPECT_GE(m.cases.size(), 60u);

  std::set<std::string> names;
  std::map<std::string, int> per_kind;
  std::set<std::string> used_files;
  for (const auto& c : m.cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate name";
    EXPECT_FALSE(c.name.empty());
    EXPECT_TRUE(std::all_of(c.name.begin(), c.name.end(), [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; }))
        << "names are [a-z0-9_]";
    EXPECT_NE(std::find(kKinds.begin(), kKinds.end(), c.kind), kKinds.end()) << "unknown kind " << c.kind;
    ++per_kind[c.kind];
    EXPECT_FALSE(c.args.empty());
    if (!c.file.empty()) {
      EXPECT_EQ(c.file.rfind(c.kind + "/", 0), 0u) << c.file << " is not in the folder of its kind";
      EXPECT_TRUE(fs::is_regular_file(kCorpusDir / c.file)) << c.file << " is missing";
      used_files.insert(c.file);
    }
    for (const auto& gen : c.generate) {
      EXPECT_FALSE(gen.generator.empty());
      EXPECT_FALSE(gen.parts.empty());
      EXPECT_TRUE(fs::path(gen.file).is_relative() && gen.file.find("..") == std::string::npos) << gen.file;
    }
    if (c.kind == "replies") {
      EXPECT_TRUE(c.items || c.proposals || c.judgements_parsed || c.best_prompts || c.stdout_json)
          << "a reply case checks what was recorded";
    } else {
      EXPECT_EQ(c.exit, 2) << "bad input exits with code 2";
      EXPECT_FALSE(c.stderr_has.empty()) << "the message is checked";
    }
  }
  for (const auto& kind : kKinds) EXPECT_GE(per_kind[kind], 5) << "kind " << kind;

  // Every input file in the corpus is some case's input.
  for (const auto& kind : kKinds) {
    if (!fs::is_directory(kCorpusDir / kind)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(kCorpusDir / kind)) {
      if (!entry.is_regular_file()) continue;
      const std::string rel = fs::relative(entry.path(), kCorpusDir).generic_string();
      EXPECT_TRUE(used_files.count(rel)) << rel << " is not used by any case";
    }
  }
}

}  // namespace
