// extract_code: the program text a model output proposes. Fenced blocks first (python-tagged, then
// any), then <code> blocks, then a def in bare text; the last qualifying block wins because models
// revise their code as they go.
#include <string>
#include <string_view>
#include <vector>

#include "eval/grading_internal.hpp"
#include "eval/text_util.hpp"
#include "maspo/eval.hpp"

namespace maspo::eval {
namespace {

using detail::is_space;
using detail::trim;

struct Block {
  std::string info;   // the fence's info string, lower-cased ("python", "py", "")
  std::string code;
};

bool has_def(std::string_view code) {
  for (std::string_view line : detail::split_lines(code)) {
    const std::string_view t = trim(line);
    if (t.starts_with("def ") || t.starts_with("async def ")) return true;
  }
  return false;
}

// ``` fences, with any info string; an unclosed last fence (output cut off) runs to the end.
std::vector<Block> fenced_blocks(std::string_view text) {
  std::vector<Block> blocks;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t open = text.find("```", pos);
    if (open == std::string_view::npos) break;
    std::size_t eol = text.find('\n', open);
    if (eol == std::string_view::npos) break;
    Block block;
    block.info = detail::lower(trim(text.substr(open + 3, eol - open - 3)));
    const std::size_t close = text.find("```", eol + 1);
    const std::size_t end = close == std::string_view::npos ? text.size() : close;
    block.code = std::string(text.substr(eol + 1, end - eol - 1));
    blocks.push_back(std::move(block));
    if (close == std::string_view::npos) break;
    pos = close + 3;
  }
  return blocks;
}

std::vector<std::string> code_tags(std::string_view text) {
  std::vector<std::string> blocks;
  for (std::size_t open = detail::find_ci(text, "<code>"); open != std::string_view::npos;
       open = detail::find_ci(text, "<code>", open + 1)) {
    const std::size_t begin = open + 6;
    std::size_t close = detail::find_ci(text, "</code>", begin);
    if (close == std::string_view::npos) close = text.size();
    blocks.push_back(detail::html_unescape(text.substr(begin, close - begin)));
  }
  return blocks;
}

bool is_python_info(std::string_view info) {
  return info == "python" || info == "py" || info == "python3" || info.starts_with("python ");
}

// A top-level line that is still code after a def: another def/class, imports, decorators,
// comments, control flow, an assignment or a call. Prose ("This function ...") ends the code.
bool looks_like_code(std::string_view line) {
  const std::string_view t = trim(line);
  for (std::string_view head : {"def ", "async def ", "class ", "import ", "from ", "@", "#", "if ", "for ",
                                "while ", "try:", "with ", "print(", "assert ", "return ", "else:", "elif "}) {
    if (t.starts_with(head)) return true;
  }
  // name = value / name(args) at top level
  std::size_t i = 0;
  while (i < t.size() && (detail::is_alnum(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == ',' || t[i] == ' ' ||
                          t[i] == '[' || t[i] == ']')) {
    ++i;
  }
  if (i == 0 || i >= t.size()) return false;
  if (t[i] == '=' && (i + 1 >= t.size() || t[i + 1] != '=')) return true;
  return t[i] == '(' && t.find(' ') > i && t.back() == ')';
}

// A def in bare text: from the first top-level def (with the imports right above it) to the first
// top-level line that is not code.
std::string bare_def(std::string_view text) {
  const auto lines = detail::split_lines(text);
  std::size_t start = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with("def ") || lines[i].starts_with("async def ")) {
      start = i;
      break;
    }
  }
  if (start == lines.size()) return {};
  while (start > 0 && (lines[start - 1].starts_with("import ") || lines[start - 1].starts_with("from ") ||
                       lines[start - 1].starts_with("@") || trim(lines[start - 1]).empty())) {
    --start;
  }
  std::string code;
  for (std::size_t i = start; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const bool indented = !line.empty() && is_space(line[0]);
    if (!trim(line).empty() && !indented && !looks_like_code(line)) break;
    code += line;
    code += '\n';
  }
  return std::string(trim(code)) + "\n";
}

// A completion that is only an indented body ("    return sorted(l)") with no fence and no def.
std::string bare_body(std::string_view text) {
  const auto lines = detail::split_lines(text);
  std::size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size() || lines[first].empty() || !is_space(lines[first][0])) return {};
  std::string code;
  for (std::size_t i = first; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (!trim(line).empty() && !is_space(line[0])) break;
    code += line;
    code += '\n';
  }
  return code;
}

std::string finish(std::string_view code) {
  // Keep leading indentation (a body-only block needs it); drop blank lines around the code.
  std::size_t begin = 0;
  while (begin < code.size()) {
    const std::size_t eol = code.find('\n', begin);
    const std::string_view line = code.substr(begin, eol == std::string_view::npos ? std::string_view::npos : eol - begin);
    if (!trim(line).empty()) break;
    if (eol == std::string_view::npos) return {};
    begin = eol + 1;
  }
  std::string out(code.substr(begin));
  while (!out.empty() && is_space(out.back())) out.pop_back();
  if (!out.empty()) out += '\n';
  return out;
}

}  // namespace

std::string extract_code(std::string_view output) {
  const std::vector<Block> blocks = fenced_blocks(output);
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    if (is_python_info(it->info) && has_def(it->code)) return finish(it->code);
  }
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    if (has_def(it->code)) return finish(it->code);
  }
  const std::vector<std::string> tags = code_tags(output);
  for (auto it = tags.rbegin(); it != tags.rend(); ++it) {
    if (has_def(*it)) return finish(*it);
  }
  if (std::string code = bare_def(output); !trim(code).empty()) return finish(code);
  // No def anywhere: a HumanEval completion may be only the function body, fenced or bare.
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    if (!trim(it->code).empty() && (is_python_info(it->info) || it->info.empty())) return finish(it->code);
  }
  if (blocks.empty() && tags.empty()) return finish(bare_body(output));
  return {};
}

namespace detail {

std::string strip_python_comments(std::string_view code) {
  std::string out;
  char quote = 0;       // inside a string opened by this quote character
  bool triple = false;  // ... and it is a triple-quoted one
  std::string line;
  auto flush = [&]() {
    while (!line.empty() && is_space(line.back())) line.pop_back();
    if (!trim(line).empty()) {
      out += line;
      out += '\n';
    } else if (quote != 0 && triple) {
      out += '\n';  // a blank line inside a docstring is part of the string
    }
    line.clear();
  };
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (quote != 0) {
      line += c;
      if (c == '\\' && i + 1 < code.size()) {
        line += code[++i];
      } else if (c == quote) {
        if (!triple) {
          quote = 0;
        } else if (code.substr(i, 3) == std::string(3, quote)) {
          line += code.substr(i + 1, 2);
          i += 2;
          quote = 0;
          triple = false;
        }
      } else if (c == '\n') {
        line.pop_back();
        flush();
        if (!triple) quote = 0;  // an unterminated one-line string ends with its line
      }
      continue;
    }
    if (c == '#') {
      while (i + 1 < code.size() && code[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      triple = code.substr(i, 3) == std::string(3, c);
      line += c;
      if (triple) {
        line += code.substr(i + 1, 2);
        i += 2;
      }
      continue;
    }
    if (c == '\n') {
      flush();
      continue;
    }
    line += c;
  }
  flush();
  return out;
}

}  // namespace detail
}  // namespace maspo::eval
