// BIG-Bench-Hard: one task per file, short targets graded by exact match.
#include "data/fields.hpp"
#include "data/loaders.hpp"

namespace maspo::data::detail {

Example convert_bbh(const json& record, const RecordContext& context) {
  require_object(record);
  Example example;
  example.question = need_text(record, "input", "the question");
  example.gold = need_text(record, "target", "the gold answer");
  example.task = TaskType::exact;
  example.line = context.line;
  // The task name keeps ids unique when several task files are loaded as one dataset, and tells
  // the grader which task's normalization applies.
  example.id = std::string(context.task_name) + "-" + std::to_string(context.index);
  return example;
}

}  // namespace maspo::data::detail
