// System files: the YAML format of docs/systems.md, errors with file:line:key, topology overrides,
// and the example files shipped in examples/systems/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "maspo/mas.hpp"
#include "maspo/util.hpp"
#include "support/temp_dir.hpp"

namespace maspo::mas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of(const std::string& yaml, std::optional<TaskType> task = std::nullopt) {
  try {
    parse_system(yaml, "sys.yaml", task);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << yaml;
  return "";
}

std::vector<std::string> ids(const System& s) {
  std::vector<std::string> out;
  for (const auto& a : s.agents()) out.push_back(a.id);
  return out;
}

const char* kCustom = R"(name: two-step
task: choice
context: raw
agents:
  - id: solver
    type: Predictor
    role: Solves it.
    template: "Solve: {question}"
    temperature: 0.5
    max_tokens: 512
  - id: checker
    type: Reflector
    role: Checks it.
    prompt: |
      Check this: {context}
      Question: {question}
    model_role: judge
edges:
  - solver -> checker
)";

TEST(SystemYaml, ParsesACustomSystem) {
  System s = parse_system(kCustom, "sys.yaml");
  EXPECT_EQ(s.name(), "two-step");
  EXPECT_EQ(s.task(), TaskType::choice);
  EXPECT_EQ(s.context_mode(), ContextMode::raw);
  EXPECT_THAT(ids(s), ElementsAre("solver", "checker"));
  const Agent& solver = s.agent("solver");
  EXPECT_EQ(solver.type, "Predictor");
  EXPECT_EQ(solver.role, "Solves it.");
  EXPECT_EQ(solver.prompt, "Solve: {question}");
  EXPECT_EQ(solver.temperature, 0.5);
  EXPECT_EQ(solver.max_tokens, 512);
  EXPECT_EQ(solver.model_role, "agents");
  EXPECT_EQ(solver.line, 5);
  const Agent& checker = s.agent("checker");
  EXPECT_EQ(checker.prompt, "Check this: {context}\nQuestion: {question}\n");
  EXPECT_EQ(checker.model_role, "judge");
  EXPECT_EQ(checker.max_tokens, 4096);
  EXPECT_EQ(checker.line, 11);
  EXPECT_EQ(s.sink(), "checker");
  EXPECT_EQ(s.source(), "sys.yaml");
}

TEST(SystemYaml, Defaults) {
  System s = parse_system("agents:\n  - {id: p, type: Predictor}\n", "dir/my-system.yaml", TaskType::math);
  EXPECT_EQ(s.name(), "my-system");                 // the file stem
  EXPECT_EQ(s.context_mode(), ContextMode::summary);
  EXPECT_EQ(s.task(), TaskType::math);              // from the caller
  EXPECT_EQ(s.agent("p").prompt, seed_template("Predictor", TaskType::math));   // seed by type
  EXPECT_EQ(s.agent("p").temperature, 0.0);
}

TEST(SystemYaml, FileTaskWinsOverTheCallersDefault) {
  System s = parse_system("task: code\nagents:\n  - {id: p, type: Predictor}\n", "s.yaml", TaskType::math);
  EXPECT_EQ(s.task(), TaskType::code);
  EXPECT_EQ(s.agent("p").prompt, seed_template("Predictor", TaskType::code));
}

TEST(SystemYaml, EdgeForms) {
  System s = parse_system(R"(task: math
agents:
  - {id: a, template: "{question}"}
  - {id: b, template: "{question} {context}"}
  - {id: c, template: "{question} {context}"}
  - {id: d, template: "{question} {context}"}
edges:
  - a -> b -> d
  - [a, c]
  - "c->d"
)",
                          "s.yaml");
  EXPECT_EQ(s.edges().size(), 4u);
  EXPECT_THAT(s.predecessors("d"), ElementsAre("b", "c"));
  EXPECT_THAT(s.successors("a"), ElementsAre("b", "c"));
}

TEST(SystemYaml, UnknownTopLevelKey) {
  auto msg = error_of("task: math\nagnets: []\n");
  EXPECT_THAT(msg, HasSubstr("sys.yaml:2: key `agnets`: unknown key (expected one of: name, description, task"));
}

TEST(SystemYaml, UnknownAgentKeyNamesAgentAndLine) {
  auto msg = error_of(R"(task: math
agents:
  - id: p
    type: Predictor
    temprature: 0.3
)");
  EXPECT_THAT(msg, HasSubstr("sys.yaml:5: key `agents[0].temprature`: agent `p`: unknown key (expected one of: id"));
}

TEST(SystemYaml, WrongTypes) {
  EXPECT_THAT(error_of("task: math\nagents:\n  - id: p\n    type: Predictor\n    temperature: hot\n"),
              HasSubstr("sys.yaml:5: key `agents[0].temperature`: agent `p`: expected a number >= 0 (got `hot`)"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - id: p\n    type: Predictor\n    max_tokens: 1.5\n"),
              HasSubstr("sys.yaml:5: key `agents[0].max_tokens`: agent `p`: expected a whole number from 1"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - id: p\n    template: [a, b]\n"),
              HasSubstr("sys.yaml:4: key `agents[0].template`: agent `p`: expected text, got a list"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - id: p\n    type: Predictor\n    kind: magic\n"),
              HasSubstr("sys.yaml:5: key `agents[0].kind`: agent `p`: expected one of: llm, vote (got `magic`)"));
  EXPECT_THAT(error_of("task: algebra\nagents: []\n"),
              HasSubstr("sys.yaml:1: key `task`: expected one of: math, choice, reasoning_choice, code, exact"));
  EXPECT_THAT(error_of("task: math\ncontext: full\nagents: []\n"),
              HasSubstr("sys.yaml:2: key `context`: expected one of: raw, summary (got `full`)"));
  EXPECT_THAT(error_of("task: math\nagents: {p: 1}\n"), HasSubstr("sys.yaml:2: key `agents`: expected a non-empty list"));
  EXPECT_THAT(error_of("task: math\nagents: []\n"), HasSubstr("sys.yaml:2: key `agents`: expected a non-empty list"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - just-a-string\n"), HasSubstr("sys.yaml:3: key `agents[0]`: expected a map"));
  EXPECT_THAT(error_of("- a\n- b\n"), HasSubstr("sys.yaml:1: expected a map"));
  EXPECT_THAT(error_of("task: math\nname: [x]\nagents: []\n"), HasSubstr("sys.yaml:2: key `name`: expected text"));
}

TEST(SystemYaml, DuplicateKeys) {
  EXPECT_THAT(error_of("task: math\ntask: code\nagents: []\n"), HasSubstr("sys.yaml:2: key `task`: duplicate key"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - id: p\n    template: \"{question}\"\n    prompt: \"{question}\"\n"),
              HasSubstr("sys.yaml:5: key `agents[0].prompt`: agent `p`: give either `template` or `prompt`"));
}

TEST(SystemYaml, MissingPieces) {
  EXPECT_THAT(error_of("agents:\n  - {id: p, type: Predictor}\n"), HasSubstr("sys.yaml: key `task`: missing"));
  EXPECT_THAT(error_of("task: math\n"), HasSubstr("key `agents`: missing"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - type: Predictor\n"), HasSubstr("sys.yaml:3: key `agents[0].id`: missing"));
  EXPECT_THAT(error_of("task: math\nagents:\n  - id: p\n    type: Wizard\n"),
              HasSubstr("sys.yaml:3: key `agents[0]`: agent `p`: missing `template` (type `Wizard` has no seed template"));
  EXPECT_THAT(error_of(""), HasSubstr("sys.yaml: the file is empty"));
}

TEST(SystemYaml, BadEdges) {
  const std::string head = "task: math\nagents:\n  - {id: a, template: \"{question}\"}\n  - {id: b, template: \"{question} {context}\"}\nedges:\n";
  EXPECT_THAT(error_of(head + "  - a -> c\n"), HasSubstr("sys.yaml:6: key `edges[0]`: unknown agent `c` (agents: a, b)"));
  EXPECT_THAT(error_of(head + "  - a -> b\n  - b -> b\n"), HasSubstr("sys.yaml:7: key `edges[1]`: agent `b`: edge to itself"));
  EXPECT_THAT(error_of(head + "  - a b\n"), HasSubstr("sys.yaml:6: key `edges[0]`: expected an edge `from -> to`"));
  EXPECT_THAT(error_of(head + "  - a ->\n"), HasSubstr("sys.yaml:6: key `edges[0]`: expected an edge"));
  EXPECT_THAT(error_of(head + "  - [a, b, c]\n"), HasSubstr("sys.yaml:6: key `edges[0]`: expected an edge"));
  EXPECT_THAT(error_of(head + "  a: b\n"), HasSubstr("sys.yaml:5: key `edges`: expected a list"));
  // Graph errors detected by the System constructor still carry the agent's line.
  EXPECT_THAT(error_of(head + "  - a -> b\n  - b -> a\n"), HasSubstr("sys.yaml:3: the graph has a cycle: a -> b -> a"));
}

TEST(SystemYaml, TemplateErrorsCarryTheAgentsLine) {
  auto msg = error_of(R"(task: math
agents:
  - id: first
    template: "{question}"
  - id: second
    template: "Use {contxt} for {question}"
edges: [first -> second]
)");
  EXPECT_THAT(msg, HasSubstr("sys.yaml:5: agent `second`: template: unknown placeholder `{contxt}` at column 5"));
}

TEST(SystemYaml, InvalidYaml) {
  EXPECT_THAT(error_of("task: math\nagents: [\n"), HasSubstr("sys.yaml:3: invalid YAML"));
}

TEST(SystemYaml, NonUtf8) {
  std::string text = "task: math\nname: caf\xe9\nagents: []\n";
  EXPECT_THAT(error_of(text), HasSubstr("sys.yaml:2: the file is not valid UTF-8"));
}

// yaml-cpp reads a NUL byte as the start of an escape ("unknown escape character: y"): control
// bytes are refused before it sees them, naming the line and the byte.
TEST(SystemYaml, ControlCharacter) {
  std::string text = "task: math\nagents:\n  - id: a\n    template: \"{question}\"\nname: x";
  text += '\0';
  text += "y\n";
  EXPECT_THAT(error_of(text), HasSubstr("sys.yaml:5: contains a control character (byte 0x00, NUL) at column 8"));
  EXPECT_THAT(error_of("task: math\x07\n"), HasSubstr("sys.yaml:1: contains a control character (byte 0x07, BEL)"));
  // Tabs inside a quoted value and CRLF line ends are text.
  EXPECT_NO_THROW(parse_system("task: math\r\nagents:\r\n  - id: a\r\n    template: \"\t{question}\"\r\n", "sys.yaml"));
}

// Past yaml-cpp's recursion limit it throws DeepRecursion with the text "bad file".
TEST(SystemYaml, NestedTooDeeply) {
  const std::string text = "task: math\nagents:\n  - id: a\n    template: \"{question}\"\n    role: " +
                           std::string(2000, '[') + std::string(2000, ']') + "\n";
  const std::string msg = error_of(text);
  EXPECT_THAT(msg, HasSubstr("sys.yaml:5: lists or maps nested too deeply"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("bad file")));
}

TEST(SystemYaml, TooLarge) {
  std::string text = "task: math\n# " + std::string(1 << 20, 'x') + "\n";
  EXPECT_THAT(error_of(text), HasSubstr("a system file is at most 1 MB"));
  maspo::testing::TempDir dir("maspo-mas-yaml");
  auto path = dir.write("big.yaml", text);
  try {
    load_system(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(path + ": the file is"));
  }
}

TEST(SystemYaml, VoteAgentInAFile) {
  System s = parse_system(R"(task: choice
agents:
  - {id: p1, type: Predictor}
  - {id: p2, type: Predictor}
  - {id: v, kind: vote}
edges: [p1 -> v, p2 -> v]
)",
                          "s.yaml");
  EXPECT_EQ(s.agent("v").kind, AgentKind::vote);
  EXPECT_EQ(s.agent("v").type, "Vote");
  EXPECT_EQ(s.agent("v").prompt, "");
}

// ---- topology + overrides -------------------------------------------------------------------

TEST(SystemYaml, TopologyWithN) {
  System s = parse_system("task: math\ntopology: sequential\nn: 3\n", "s.yaml");
  EXPECT_EQ(s.agents().size(), 6u);
  EXPECT_EQ(s.name(), "sequential:3");
  EXPECT_EQ(s.sink(), "reflector_3");
  EXPECT_EQ(s.agent("predictor_2").line, 2);   // built-in agents point at `topology:`
  System t = parse_system("task: math\ntopology: vote:5\n", "s.yaml");
  EXPECT_EQ(t.agents().size(), 6u);
}

TEST(SystemYaml, TopologyOverrides) {
  System s = parse_system(R"(name: tuned
task: math
context: raw
topology: sequential
agents:
  - id: reflector_2
    temperature: 0.2
    role: The last word.
    template: "Final check of {context} for {question}"
  - id: predictor_1
    model_role: optimizer
)",
                          "s.yaml");
  EXPECT_EQ(s.name(), "tuned");
  EXPECT_EQ(s.context_mode(), ContextMode::raw);
  EXPECT_THAT(ids(s), ElementsAre("predictor_1", "reflector_1", "predictor_2", "reflector_2"));
  const Agent& r2 = s.agent("reflector_2");
  EXPECT_EQ(r2.temperature, 0.2);
  EXPECT_EQ(r2.role, "The last word.");
  EXPECT_EQ(r2.prompt, "Final check of {context} for {question}");
  EXPECT_EQ(r2.type, "Reflector");   // untouched fields keep the built-in's values
  EXPECT_EQ(r2.line, 6);
  EXPECT_EQ(s.agent("predictor_1").model_role, "optimizer");
  EXPECT_EQ(s.agent("predictor_1").prompt, seed_template("Predictor", TaskType::math));
  EXPECT_EQ(s.agent("reflector_1").prompt, seed_template("Reflector", TaskType::math));
}

TEST(SystemYaml, TopologyErrors) {
  EXPECT_THAT(error_of("task: math\ntopology: sequential\nagents:\n  - id: judge\n    temperature: 1\n"),
              HasSubstr("sys.yaml:4: key `agents[0].id`: agent `judge` is not in topology sequential:2 (its agents: "
                        "predictor_1, reflector_1, predictor_2, reflector_2)"));
  EXPECT_THAT(error_of("task: math\ntopology: sequential\nagents:\n  - temperature: 1\n"),
              HasSubstr("sys.yaml:4: key `agents[0]`: with `topology`, each entry of `agents` overrides"));
  EXPECT_THAT(error_of("task: math\ntopology: sequential\nagents:\n  - id: predictor_1\n  - id: predictor_1\n"),
              HasSubstr("sys.yaml:5: key `agents[1].id`: agent `predictor_1` is overridden twice"));
  EXPECT_THAT(error_of("task: math\ntopology: sequential\nedges: [a -> b]\n"),
              HasSubstr("sys.yaml:3: key `edges`: not allowed with `topology`"));
  EXPECT_THAT(error_of("task: math\ntopology: sequential\nn: 17\n"),
              HasSubstr("sys.yaml:3: key `n`: expected a whole number from 1 to 16 (got `17`)"));
  EXPECT_THAT(error_of("task: math\ntopology: sequential:2\nn: 3\n"), HasSubstr("sys.yaml:3: key `n`: given twice"));
  EXPECT_THAT(error_of("task: math\ntopology: hierarchical\nn: 3\n"),
              HasSubstr("sys.yaml:2: key `topology`: built-in system `hierarchical:3`: hierarchical has a fixed shape"));
  EXPECT_THAT(error_of("task: math\ntopology: star\n"),
              HasSubstr("sys.yaml:2: key `topology`: built-in system `star`: unknown (built-ins: sequential[:n]"));
  EXPECT_THAT(error_of("task: math\nn: 3\nagents:\n  - {id: p, type: Predictor}\n"),
              HasSubstr("sys.yaml:2: key `n`: only meaningful with `topology`"));
  // An override that breaks a template is reported at the override's line.
  EXPECT_THAT(error_of("task: math\ntopology: sequential\nagents:\n  - id: reflector_1\n    template: \"{question}\"\n"),
              HasSubstr("sys.yaml:4: agent `reflector_1`: template has no {context} placeholder"));
}

// ---- files ----------------------------------------------------------------------------------

TEST(SystemYaml, LoadSystemFromAFile) {
  maspo::testing::TempDir dir("maspo-mas-yaml");
  auto path = dir.write("custom.yaml", kCustom);
  System s = load_system(path);
  EXPECT_EQ(s.source(), path);
  EXPECT_EQ(s.agents().size(), 2u);
  try {
    load_system(dir.file("missing.yaml"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("missing.yaml"));
  }
}

TEST(SystemYaml, LoadSystemOrBuiltin) {
  maspo::testing::TempDir dir("maspo-mas-yaml");
  auto path = dir.write("custom.yaml", kCustom);
  EXPECT_EQ(load_system_or_builtin(path, std::nullopt).name(), "two-step");
  EXPECT_EQ(load_system_or_builtin("hierarchical", TaskType::code).agents().size(), 4u);
  EXPECT_THAT([] {
    try {
      load_system_or_builtin("sequential", std::nullopt);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  }(),
              HasSubstr("a task type is needed"));
  try {
    load_system_or_builtin(dir.file("nope.yaml"), TaskType::math);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("is neither a system file nor a built-in system"));
  }
}

TEST(SystemYaml, ExamplesLoad) {
  const std::filesystem::path dir = std::filesystem::path(MASPO_SOURCE_DIR) / "examples" / "systems";
  System seq = load_system(dir / "sequential.yaml");
  EXPECT_THAT(ids(seq), ElementsAre("predictor_1", "reflector_1", "predictor_2", "reflector_2"));
  EXPECT_EQ(seq.task(), TaskType::math);
  EXPECT_EQ(seq.sink(), "reflector_2");
  System hier = load_system(dir / "hierarchical.yaml");
  EXPECT_EQ(hier.sink(), "summarizer");
  EXPECT_EQ(hier.levels().size(), 2u);
  System custom = load_system(dir / "custom-dag.yaml");
  EXPECT_GE(custom.agents().size(), 3u);
}

}  // namespace
}  // namespace maspo::mas
