// MBPP, HumanEval and HumanEval-ET: a Python function graded by running tests.
#include "data/fields.hpp"
#include "data/loaders.hpp"
#include "data/python_calls.hpp"
#include "data/text.hpp"

namespace maspo::data::detail {

namespace {

bool is_identifier(std::string_view name) {
  auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !start(name.front())) return false;
  for (char c : name) {
    if (!start(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string asserts_program(const std::vector<std::string>& asserts) { return join(asserts, "\n") + "\n"; }

std::string mbpp_id(const json& record, const RecordContext& context) {
  auto it = record.find("task_id");
  if (it == record.end() || it->is_null()) return fallback_id(context);
  if (it->is_number_integer()) return "Mbpp/" + std::to_string(it->get<long long>());
  if (it->is_string() && !is_blank(it->get<std::string>())) return "Mbpp/" + std::string(trim(it->get<std::string>()));
  throw FieldError("task_id", "expected an integer or a non-empty string (the task id), got " + describe_value(*it));
}

Example humaneval_common(const json& record, const RecordContext& context, CodeTests& code) {
  require_object(record);
  Example example;
  example.id = need_text(record, "task_id", "the task id, e.g. \"HumanEval/0\"");
  code.prompt = need_text(record, "prompt", "the signature and docstring");
  code.entry_point = std::string(trim(need_text(record, "entry_point", "the name of the function under test")));
  if (!is_identifier(code.entry_point)) {
    throw FieldError("entry_point", "expected a Python function name, got \"" + excerpt(code.entry_point) + "\"");
  }
  // The reference body continues the prompt; together they are a complete program.
  code.canonical_solution = code.prompt + need_string(record, "canonical_solution", "the reference function body");
  example.question = code.prompt;
  example.task = TaskType::code;
  example.line = context.line;
  return example;
}

}  // namespace

Example convert_mbpp(const json& record, const RecordContext& context) {
  require_object(record);
  Example example;
  CodeTests code;
  example.id = mbpp_id(record, context);
  // The sanitized set names the description `prompt`; the full MBPP release names it `text`.
  const std::string key = record.contains("prompt") || !record.contains("text") ? "prompt" : "text";
  const std::string description(trim(need_text(record, key, "the task description")));
  code.canonical_solution = need_text(record, "code", "the reference solution");
  code.test_imports = optional_string_list(record, "test_imports", "import lines the tests need");
  const auto asserts = need_string_list(record, "test_list", "assert statements", true);
  code.test_code = asserts_program(asserts);
  code.entry_point = tested_function(code.canonical_solution, code.test_code);
  if (code.entry_point.empty()) {
    throw FieldError("test_list", "expected asserts that call the function defined in `code`, found no call");
  }
  // MBPP's one-line description does not name the function; the example call does.
  example.question = description + "\nYour code should pass this test:\n" + asserts.front();
  example.task = TaskType::code;
  example.line = context.line;
  example.code = std::move(code);
  return example;
}

Example convert_humaneval(const json& record, const RecordContext& context) {
  CodeTests code;
  Example example = humaneval_common(record, context, code);
  code.test_code = need_text(record, "test", "the test code defining check(candidate)") + "\ncheck(" +
                   code.entry_point + ")\n";
  example.code = std::move(code);
  return example;
}

Example convert_humaneval_et(const json& record, const RecordContext& context) {
  CodeTests code;
  Example example = humaneval_common(record, context, code);
  // MASPO's copy names the extended asserts `test_list`; the upstream CodeScore file `test_case_list`.
  const std::string key = record.contains("test_list") || !record.contains("test_case_list") ? "test_list"
                                                                                             : "test_case_list";
  code.test_code = asserts_program(need_string_list(record, key, "the extended assert statements", true));
  example.code = std::move(code);
  return example;
}

}  // namespace maspo::data::detail
