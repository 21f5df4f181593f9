#include "maspo/data.hpp"

namespace maspo::data {

json to_json(const Example& example) {
  json out = {{"id", example.id},
              {"question", example.question},
              {"gold", example.gold},
              {"task", std::string(to_string(example.task))},
              {"line", example.line},
              {"unordered_answer", example.unordered_answer}};
  if (!example.choices.empty()) out["choices"] = example.choices;
  if (!example.solution.empty()) out["solution"] = example.solution;
  if (example.code) {
    const CodeTests& code = *example.code;
    out["code"] = {{"entry_point", code.entry_point},
                   {"prompt", code.prompt},
                   {"test_imports", code.test_imports},
                   {"test_code", code.test_code},
                   {"canonical_solution", code.canonical_solution}};
  }
  return out;
}

}  // namespace maspo::data
