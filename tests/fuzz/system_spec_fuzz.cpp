// Fuzzes the system-spec parser, mas::parse_system (YAML -> a validated System). The whole input
// is the YAML file. The task passed in for a file that names none cycles with the input's length
// (none, math, choice, reasoning_choice, code, exact), so the corpus stays plain YAML. Only
// maspo::InputError may be thrown (the header's promise: every problem is named with file:line).
// A System that loads must hold up: its graph queries answer without throwing, and every agent's
// template formats.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "maspo/mas.hpp"
#include "maspo/util.hpp"

namespace mas = maspo::mas;
using maspo::data::TaskType;

namespace {

std::optional<TaskType> task_for(std::size_t size) {
  switch (size % 6) {
    case 1: return TaskType::math;
    case 2: return TaskType::choice;
    case 3: return TaskType::reasoning_choice;
    case 4: return TaskType::code;
    case 5: return TaskType::exact;
    default: return std::nullopt;
  }
}

void check_system(const mas::System& system) {
  const auto& agents = system.agents();
  FUZZ_CHECK(!agents.empty());
  FUZZ_CHECK(system.has_agent(system.sink()));
  FUZZ_CHECK(system.successors(system.sink()).empty());
  std::size_t in_levels = 0;
  for (const auto& level : system.levels()) in_levels += level.size();
  FUZZ_CHECK(in_levels == agents.size());
  // descendants() walks the whole graph: once, from the first agent (sources reach the sink).
  const std::vector<std::string> below = system.descendants(agents.front().id);
  FUZZ_CHECK(agents.size() == 1 || !below.empty());
  const mas::PromptMap seeds = system.seed_prompts();
  std::size_t llm_agents = 0;
  for (const mas::Agent& a : agents) llm_agents += a.kind == mas::AgentKind::llm;
  FUZZ_CHECK(seeds.size() == llm_agents);   // vote agents have no prompt
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const mas::Agent& a = agents[i];
    FUZZ_CHECK(system.index(a.id) == i);
    for (const std::string& p : system.predecessors(a.id)) FUZZ_CHECK(system.index(p) < i);
    for (const std::string& s : system.successors_within(a.id, 3)) FUZZ_CHECK(system.index(s) > i);
    const bool has_predecessors = !system.predecessors(a.id).empty();
    if (a.kind == mas::AgentKind::vote) {
      FUZZ_CHECK(has_predecessors);
      continue;
    }
    mas::Placeholders p;
    try {
      p = mas::check_template(a.prompt);
      (void)mas::format_template(a.prompt, "question", "context");
    } catch (const mas::TemplateError&) {
      FUZZ_CHECK(!"a loaded system has an invalid template");
    }
    FUZZ_CHECK(p.question);
    if (has_predecessors) FUZZ_CHECK(p.context);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml = maspo::fuzz::as_text(data, size);
  std::optional<mas::System> system;
  try {
    system.emplace(mas::parse_system(yaml, "fuzz.yaml", task_for(size)));
  } catch (const maspo::InputError& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
    return 0;
  }
  check_system(*system);
  return 0;
}
