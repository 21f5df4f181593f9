#include "maspo/data.hpp"

namespace maspo::data {

std::string_view to_string(TaskType type) {
  switch (type) {
    case TaskType::math: return "math";
    case TaskType::choice: return "choice";
    case TaskType::reasoning_choice: return "reasoning_choice";
    case TaskType::code: return "code";
    case TaskType::exact: return "exact";
  }
  return "math";
}

std::optional<TaskType> parse_task_type(std::string_view text) {
  for (TaskType t : {TaskType::math, TaskType::choice, TaskType::reasoning_choice, TaskType::code,
                     TaskType::exact}) {
    if (to_string(t) == text) return t;
  }
  return std::nullopt;
}

}  // namespace maspo::data
