// vote_key: what a majority vote over agent outputs counts as "the same answer".
#include <string>
#include <string_view>

#include "eval/grading_internal.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {

std::string vote_key(std::string_view output, data::TaskType task) {
  switch (task) {
    case data::TaskType::math:
      return normalize_math(extract_answer(output).answer);
    case data::TaskType::exact:
      return detail::bbh_key(extract_answer(output).answer);
    case data::TaskType::choice:
    case data::TaskType::reasoning_choice: {
      const auto letter = extract_choice(extract_answer(output).answer,
                                         task == data::TaskType::choice ? 'E' : 'D');
      return letter ? std::string(1, *letter) : std::string();
    }
    case data::TaskType::code:
      return detail::strip_python_comments(extract_code(output));
  }
  return {};
}

}  // namespace maspo::eval
