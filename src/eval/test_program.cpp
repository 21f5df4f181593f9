// build_test_program: the whole Python file run in the sandbox for one code example.
#include <stdexcept>
#include <string>
#include <string_view>

#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

using detail::is_space;
using detail::trim;

bool defines_at_top_level(std::string_view code, std::string_view name) {
  for (std::string_view line : detail::split_lines(code)) {
    for (std::string_view head : {"def ", "async def "}) {
      if (!line.starts_with(head)) continue;
      std::string_view rest = line.substr(head.size());
      if (!rest.starts_with(name)) continue;
      rest = trim(rest.substr(name.size()));
      if (rest.starts_with("(")) return true;
    }
  }
  return false;
}

// Top-level definitions or imports: the code is a module of its own, not a body to indent.
bool has_top_level_definition(std::string_view code) {
  for (std::string_view line : detail::split_lines(code)) {
    for (std::string_view head : {"def ", "async def ", "class ", "import ", "from ", "@"}) {
      if (line.starts_with(head)) return true;
    }
  }
  return false;
}

// What the prompt defines before the entry point: its imports ("from typing import List") and
// helper functions some HumanEval tasks rely on (encode_cyclic for decode_cyclic, poly for
// find_zero). A full solution that redefines them is harmless; one that omits them needs them.
std::string prompt_preamble(std::string_view prompt, std::string_view entry_point) {
  std::string preamble;
  for (std::string_view line : detail::split_lines(prompt)) {
    if ((line.starts_with("def ") || line.starts_with("async def ")) && defines_at_top_level(line, entry_point)) {
      return preamble;
    }
    preamble += line;
    preamble += '\n';
  }
  // No entry-point def in the prompt: keep only its imports.
  std::string imports;
  for (std::string_view line : detail::split_lines(prompt)) {
    if (line.starts_with("import ") || line.starts_with("from ")) {
      imports += line;
      imports += '\n';
    }
  }
  return imports;
}

std::string_view trim_trailing_blank(std::string_view code) {
  while (!code.empty() && is_space(code.back())) code.remove_suffix(1);
  return code;
}

// A body the model dedented ("return sorted(l)") goes back under the prompt's signature.
std::string as_body(std::string_view code) {
  std::string out;
  bool indent = false;
  for (std::string_view line : detail::split_lines(code)) {
    if (trim(line).empty()) continue;
    indent = !is_space(line[0]);
    break;
  }
  for (std::string_view line : detail::split_lines(trim_trailing_blank(code))) {
    if (indent && !trim(line).empty()) out += "    ";
    out += line;
    out += '\n';
  }
  return out;
}

void append_line_block(std::string& program, std::string_view block) {
  if (block.empty()) return;
  program += block;
  if (program.back() != '\n') program += '\n';
}

}  // namespace

std::string build_test_program(const data::Example& example, std::string_view code) {
  if (!example.code) {
    throw std::invalid_argument("example " + example.id + " is not a code example (it has no tests)");
  }
  const data::CodeTests& tests = *example.code;
  std::string program;
  if (tests.prompt.empty()) {
    // MBPP: the dataset's test_imports, then the solution as written. We do not add imports the
    // model forgot: a solution that uses math without importing it is wrong.
    for (const std::string& line : tests.test_imports) append_line_block(program, line);
    append_line_block(program, code);
  } else if (defines_at_top_level(code, tests.entry_point) || has_top_level_definition(code)) {
    // A complete solution, or a module without the entry point (its tests then fail with a
    // NameError, which is the truth): the prompt's preamble, then the code.
    append_line_block(program, prompt_preamble(tests.prompt, tests.entry_point));
    program += '\n';
    append_line_block(program, code);
  } else {
    // Only a body: it completes the prompt's signature and docstring.
    append_line_block(program, tests.prompt);
    append_line_block(program, as_body(code));
  }
  program += "\n\n";
  append_line_block(program, tests.test_code);
  // HumanEval's test defines check(candidate); the call is part of test_code by contract, but a
  // test without it would pass vacuously, so add it when missing.
  if (!tests.entry_point.empty() && tests.test_code.find("def check(") != std::string::npos) {
    bool called = false;
    for (std::string_view line : detail::split_lines(tests.test_code)) {
      if (line.starts_with("check(")) called = true;
    }
    if (!called) program += "check(" + tests.entry_point + ")\n";
  }
  return program;
}

}  // namespace maspo::eval
