// maspo/data.hpp — benchmark datasets as plain values.
//
// A loader turns one benchmark file (the formats of shared/datasets: MATH-500, AGIEval-MATH,
// AQuA, GPQA-style, MBPP, HumanEval, HumanEval-ET, GSM8K, BBH) into `Example`s: an id, the
// question text an agent sees, the gold answer, the task type that says how to grade it, and the
// per-dataset extras a grader needs (tests for code, whether an answer list is unordered, ...).
//
// A malformed line is never silently dropped: it is either fatal (InputError naming file, line
// and what was expected) or skipped and listed in `Dataset::skipped`, as the caller chooses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace maspo::data {

using json = nlohmann::json;

// How an example is graded and which seed templates fit it (MASPO.md §2.2, §9).
enum class TaskType {
  math,              // free-form math answer (MATH-500, AGIEval-MATH, GSM8K)
  choice,            // multiple choice, math flavour (AQuA, A–E)
  reasoning_choice,  // multiple choice, science reasoning (GPQA, A–D)
  code,              // a Python function graded by running tests (MBPP, HumanEval, HumanEval-ET)
  exact,             // exact match after normalization (BBH)
};
std::string_view to_string(TaskType type);
std::optional<TaskType> parse_task_type(std::string_view text);  // "math", "choice", ...

// What a code example needs to be graded.
struct CodeTests {
  std::string entry_point;                // function name the tests call
  std::string prompt;                     // HumanEval: signature + docstring given to the model
  std::vector<std::string> test_imports;  // MBPP `test_imports` (run before the tests)
  std::string test_code;                  // full test program text run after the solution
                                          // (asserts; HumanEval `check(entry_point)` included)
  std::string canonical_solution;         // reference solution as a complete program, for tests
};

struct Example {
  std::string id;          // stable across runs: the dataset's own id, else "<name>-<line>"
  std::string question;    // what {question} becomes (options folded in for choice tasks)
  std::string gold;        // gold answer: math text, a letter, a BBH target; empty for code
  TaskType task = TaskType::math;
  std::optional<CodeTests> code;   // set for code tasks
  bool unordered_answer = false;   // gold is a list whose order does not matter
  std::vector<std::string> choices;  // choice tasks: option texts in letter order (may be empty)
  std::string solution;    // reference worked solution when the file has one (MATH: `solution`)
  int line = 0;            // 1-based line (JSONL) or record index (JSON) in the source file
};

struct SkippedLine {
  int line = 0;
  std::string message;     // what was wrong and what was expected
};

enum class OnBadLine { fail, skip };

struct LoadOptions {
  // Format name; empty = guessed from the dataset name and file name (see `formats()`).
  std::string format;
  OnBadLine on_bad_line = OnBadLine::fail;
  // BBH files hold one task each; the task name (file stem) picks the normalization.
};

struct Dataset {
  std::string name;        // as the user named it (`--data NAME=PATH`)
  std::string format;      // the loader used: "math500", "aqua", ...
  std::filesystem::path path;
  TaskType task = TaskType::math;
  std::vector<Example> examples;
  std::vector<SkippedLine> skipped;
};

// The known formats, each with a one-line description, for --help and errors.
struct FormatInfo {
  std::string name;
  TaskType task;
  std::string description;
};
const std::vector<FormatInfo>& formats();

// Loads a dataset file (JSONL, JSON, or .jsonl.gz for HumanEval). Throws util::InputError naming
// the file (and line) on any problem it cannot skip: missing file, unknown format, bad line with
// OnBadLine::fail, duplicate ids, an empty dataset.
Dataset load_dataset(std::string_view name, const std::filesystem::path& path,
                     const LoadOptions& options = {});

// `--data NAME=PATH` (NAME may carry a format: `NAME:FORMAT=PATH`). Throws InputError.
struct DataSpec {
  std::string name;
  std::string format;   // empty = guess
  std::filesystem::path path;
};
DataSpec parse_data_spec(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Optimization pools. MASPO draws |D| questions to optimize on. Where the benchmark has a separate
// split (AQuA dev, GSM8K train) the pool comes from it and the test set is untouched; otherwise the
// pool is held out of the test set and the reported test score excludes it. Seeded: the same
// (dataset, size, seed) always gives the same pool.
// ---------------------------------------------------------------------------------------------
struct Split {
  std::vector<Example> pool;   // what the optimizer sees
  std::vector<Example> test;   // what is scored
  std::string pool_source;     // "separate split <path>" | "held out of <path>"
  int overlap = 0;             // questions in both (0 when a separate split is used; checked by text)
  std::string note;            // one sentence for the run summary: where the pool came from, what is scored
};
// score_limit > 0: the final evaluation scores only the first score_limit test questions, and the
// note says so (the split itself keeps every test question).
Split make_split(const Dataset& test, const Dataset* separate_pool, int pool_size, std::uint64_t seed,
                 int score_limit = 0);

// Deterministic, seeded sample of `n` items (all if n <= 0 or n >= size), order preserved.
std::vector<Example> sample(const std::vector<Example>& items, int n, std::uint64_t seed);

json to_json(const Example& example);

}  // namespace maspo::data
