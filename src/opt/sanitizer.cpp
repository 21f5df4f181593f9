// Turning the optimizer's reply into a template the system can run, or rejecting it (MASPO.md §5).
//
// A rejected proposal costs nothing but the call: the parent is kept. A proposal that slipped
// through broken would cost a whole evaluation, or crash formatting mid-run, so every accepted
// result satisfies mas::check_template, has {question} exactly once, and has {context} exactly once
// when (and only when) the parent had it. The steps:
//
//  1. The content of the last complete <prompt>…</prompt> (tags case-insensitive). A close tag
//     pairs with the nearest open tag before it, stray close tags are ignored, so a nested or
//     repeated tag inside the prompt cannot swallow half the reply. No open tag: rejected. An open
//     tag after the last pair that is never closed: rejected — the reply was most likely cut off
//     in the middle of the prompt it meant, and an earlier pair is then only an example from the
//     analysis. Content that is not valid UTF-8 or holds a NUL byte: rejected. Surrounding
//     whitespace is trimmed; empty: rejected.
//  2. Runs of braces collapse to one: "{{{question}}}" → "{question}", and a literal "{{x}}"
//     copied from the parent template becomes "{x}" before step 3 decides what it is.
//  3. Every "{…}" with no brace inside is read as Python's str.format would read it:
//       {question}, {context}       the two placeholders (also with stray inner spaces,
//                                   "{ question }", which is fixed)
//       {name}                      any other bare name: rejected, naming it — most likely a
//                                   renamed placeholder ({problem}, {input}) that would never
//                                   be filled
//       {0}, {}, {0:.2f}            positional fields: rejected. The reference let digits and
//                                   empty fields through, which str.format then fills
//                                   positionally or fails on; we reject them as well.
//       {question!r}, {context:>10} a placeholder with a conversion, spec, attribute or index:
//                                   rejected (only the bare forms are allowed)
//       anything else               literal text: {"a": 1}, {1, 2}, {x: 1}, {row[0]} — a dict,
//                                   set or expression in an example, printed as written.
//     One exception: a group that is a LaTeX argument — right after a \command, after ^ or _, or
//     right after another such group (\frac{a}{b}) — is literal, unless it is {question} or
//     {context}. Math prompts write \boxed{answer} or x^{2}; those are not placeholders, and
//     rejecting them would throw away good proposals for a typographic reason.
//  4. Every brace that is not a placeholder is escaped ({ → {{, } → }}), so it prints as itself.
//  5. {question}: appended as "\n\nQuestion: {question}" when missing, rejected when it occurs
//     twice or more. {context}: if the parent had it, appended as "\n\nContext: {context}" when
//     missing (before the question), rejected when twice or more; if the parent had none (a root
//     agent, which receives no context) a {context} in the proposal is rejected.
// `reason` says why a proposal was rejected, or lists what was fixed ("" when nothing was).
#include <optional>
#include <string>
#include <vector>

#include "maspo/mas.hpp"
#include "maspo/opt.hpp"
#include "opt/internal.hpp"
#include "util/utf8.hpp"

namespace maspo::opt {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool at_ci(std::string_view s, std::size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(s[i + k]) != word[k]) return false;
  }
  return true;
}

struct Extracted {
  std::optional<std::string_view> content;
  std::string error;
};

Extracted extract_last_prompt(std::string_view reply) {
  constexpr std::string_view kOpen = "<prompt>";
  constexpr std::string_view kClose = "</prompt>";
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t open = kNone;  // just after the pending open tag
  std::optional<std::string_view> last;
  bool any_open = false;
  for (std::size_t i = reply.find('<'); i != std::string_view::npos; i = reply.find('<', i + 1)) {
    if (at_ci(reply, i, kOpen)) {
      open = i + kOpen.size();
      any_open = true;
    } else if (at_ci(reply, i, kClose) && open != kNone) {
      last = reply.substr(open, i - open);
      open = kNone;
    }
  }
  if (!any_open) return {std::nullopt, "no <prompt> tag in the reply"};
  if (open != kNone) return {std::nullopt, "the last <prompt> tag is never closed (reply cut off?)"};
  return {last, ""};
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

std::string collapse_brace_runs(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if ((c == '{' || c == '}') && !out.empty() && out.back() == c) continue;
    out += c;
  }
  return out;
}

bool ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }
bool ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Whether a brace group's text is a replacement field we must refuse rather than print: a bare
// name other than question/context (most likely a renamed placeholder: {problem}, {input}), an
// integer or nothing ({0}, {}, {0:.2f}: positional fields), or question/context with a
// conversion, format spec, attribute or index ({question!r}, {context:>10}). Any other name
// followed by such a suffix ({x: 1}, {row[0]}) is far more often a literal dict, set or
// expression in an example than a field, and is printed as written.
bool refused_field(std::string_view f) {
  std::size_t i = 0;
  if (f.empty()) return true;
  if (ident_start(f[0])) {
    while (i < f.size() && ident_char(f[i])) ++i;
    if (i == f.size()) return true;
    std::string_view base = f.substr(0, i);
    bool suffix = f[i] == '!' || f[i] == ':' || f[i] == '.' || f[i] == '[';
    return suffix && (base == "question" || base == "context");
  }
  while (i < f.size() && f[i] >= '0' && f[i] <= '9') ++i;
  if (i == 0) return false;
  return i == f.size() || f[i] == '!' || f[i] == ':' || f[i] == '.' || f[i] == '[';
}

// Whether the `{` at `open` starts a LaTeX argument: right after `\name`, `^` or `_`.
bool after_latex_command(std::string_view s, std::size_t open) {
  if (open == 0) return false;
  char p = s[open - 1];
  if (p == '^' || p == '_') return true;
  std::size_t i = open;
  while (i > 0 && ascii_letter(s[i - 1])) --i;
  return i < open && i > 0 && s[i - 1] == '\\';
}

std::string shown(std::string_view field) {
  constexpr std::size_t kMax = 40;
  if (field.size() <= kMax) return "{" + std::string(field) + "}";
  std::size_t cut = kMax;  // back off to a character boundary: the reason must stay valid UTF-8
  while (cut > 0 && (static_cast<unsigned char>(field[cut]) & 0xC0) == 0x80) --cut;
  return "{" + std::string(field.substr(0, cut)) + "...}";
}

struct Rewritten {
  std::string text;
  int question = 0;
  int context = 0;
  int escaped = 0;
  bool respaced = false;  // "{ question }" normalized
  std::string error;
};

// Steps 3 and 4 over the collapsed text: one left-to-right pass, linear in its length.
Rewritten rewrite_braces(std::string_view s) {
  Rewritten r;
  r.text.reserve(s.size() + s.size() / 8);
  std::size_t latex_close = std::string_view::npos;  // the `}` that closed the last LaTeX group
  auto literal = [&](char c) {
    r.text += c;
    r.text += c;
    ++r.escaped;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '}') {
      literal(c);
      ++i;
      continue;
    }
    if (c != '{') {
      r.text += c;
      ++i;
      continue;
    }
    std::size_t next = s.find_first_of("{}", i + 1);
    if (next == std::string_view::npos || s[next] == '{') {  // an unmatched `{`
      literal(c);
      ++i;
      continue;
    }
    std::string_view field = s.substr(i + 1, next - i - 1);
    std::string_view bare = trim(field);
    if (bare == "question" || bare == "context") {
      (bare == "question" ? r.question : r.context) += 1;
      if (bare != field) r.respaced = true;
      r.text += "{";
      r.text += bare;
      r.text += "}";
      i = next + 1;
      continue;
    }
    bool latex = after_latex_command(s, i) || (latex_close != std::string_view::npos && latex_close + 1 == i);
    if (!latex && refused_field(field)) {
      r.error = "placeholder " + shown(field) + " is not allowed (only {question} and {context})";
      return r;
    }
    if (latex) latex_close = next;
    // Literal group: both braces escaped, the text between copied as is.
    literal('{');
    r.text += field;
    literal('}');
    i = next + 1;
  }
  return r;
}

Sanitized reject(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

Sanitized sanitize_proposal(std::string_view optimizer_reply, std::string_view parent_prompt) {
  Extracted ex = extract_last_prompt(optimizer_reply);
  if (!ex.content) return reject(ex.error);
  std::string_view content = *ex.content;
  if (!utf8::is_valid(content)) return reject("the prompt is not valid UTF-8");
  if (content.find('\0') != std::string_view::npos) return reject("the prompt contains a NUL byte");
  content = trim(content);
  if (content.empty()) return reject("the <prompt> tag is empty");

  std::vector<std::string> fixes;
  std::string collapsed = collapse_brace_runs(content);
  if (collapsed.size() != content.size()) fixes.push_back("collapsed runs of braces");

  Rewritten rw = rewrite_braces(collapsed);
  if (!rw.error.empty()) return reject(rw.error);
  if (rw.respaced) fixes.push_back("removed spaces inside a placeholder");
  if (rw.escaped > 0) fixes.push_back("escaped " + std::to_string(rw.escaped) + " literal brace(s)");

  if (rw.question > 1) return reject("{question} appears " + std::to_string(rw.question) + " times (once at most)");
  const bool parent_context = detail::has_context_placeholder(parent_prompt);
  if (!parent_context && rw.context > 0) {
    return reject("{context} in a prompt for an agent that receives no context (the parent has none)");
  }
  if (rw.context > 1) return reject("{context} appears " + std::to_string(rw.context) + " times (once at most)");

  std::string out = std::move(rw.text);
  if (parent_context && rw.context == 0) {
    out += "\n\nContext: {context}";
    fixes.push_back("appended \"Context: {context}\"");
  }
  if (rw.question == 0) {
    out += "\n\nQuestion: {question}";
    fixes.push_back("appended \"Question: {question}\"");
  }

  // The construction above guarantees this; checking costs one linear pass and turns a bug here
  // into a rejected proposal instead of a template error in the middle of a run.
  try {
    mas::Placeholders p = mas::check_template(out);
    if (!p.question || p.context != parent_context) return reject("internal error: placeholders do not match the parent");
  } catch (const mas::TemplateError& e) {
    return reject(std::string("internal error: the sanitized prompt is not a valid template: ") + e.what());
  }

  std::string reason;
  for (const auto& f : fixes) reason += (reason.empty() ? "" : "; ") + f;
  return {std::move(out), std::move(reason)};
}

}  // namespace maspo::opt
