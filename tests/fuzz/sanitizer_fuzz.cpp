// Fuzzes opt::sanitize_proposal, which turns an optimizer model's reply into a template (or
// rejects it). Input: the first line is the parent prompt, the rest is the optimizer's reply.
// Checks the contract src/opt/sanitizer.cpp documents: an accepted prompt is a valid template
// with {question} exactly once, and {context} exactly once when (and only when) the parent has
// it; it is valid UTF-8 with no NUL byte; the reason is valid UTF-8 and never an "internal error"
// (the sanitizer's own self-check failing).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "maspo/mas.hpp"
#include "maspo/opt.hpp"
#include "opt/internal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [parent, reply] = maspo::fuzz::split_first_line(maspo::fuzz::as_text(data, size));

  const maspo::opt::Sanitized s = maspo::opt::sanitize_proposal(reply, parent);
  FUZZ_CHECK(maspo::fuzz::valid_utf8(s.reason));
  FUZZ_CHECK(s.reason.rfind("internal error", 0) != 0);
  if (!s.prompt) {
    FUZZ_CHECK(!s.reason.empty());
    return 0;
  }

  const std::string& prompt = *s.prompt;
  FUZZ_CHECK(maspo::fuzz::valid_utf8(prompt));
  FUZZ_CHECK(prompt.find('\0') == std::string::npos);
  maspo::mas::Placeholders p;
  try {
    p = maspo::mas::check_template(prompt);
  } catch (const maspo::mas::TemplateError&) {
    FUZZ_CHECK(!"an accepted proposal is not a valid template");
  }
  // How many times each placeholder occurs: each one adds one byte to the formatted text.
  const std::size_t bare = maspo::mas::format_template(prompt, "", "").size();
  const std::size_t questions = maspo::mas::format_template(prompt, "Q", "").size() - bare;
  const std::size_t contexts = maspo::mas::format_template(prompt, "", "C").size() - bare;
  const bool parent_context = maspo::opt::detail::has_context_placeholder(parent);
  FUZZ_CHECK(p.question && questions == 1);
  FUZZ_CHECK(p.context == parent_context);
  FUZZ_CHECK(contexts == (parent_context ? 1u : 0u));
  return 0;
}
