// Helpers shared by the files of src/opt; not part of the public API.
#pragma once

#include <string>
#include <string_view>

#include "maspo/data.hpp"

namespace maspo::opt::detail {

// Whether a template uses {context}. A template that fails mas::check_template (one we did not
// write) is read leniently: does the text `{context}` occur at all.
bool has_context_placeholder(std::string_view tmpl);

// Appends "[NAME]\nBODY\n[End of NAME]\n" (BODY's own final newline kept, never doubled), then
// `blank_lines` empty lines. Judge and optimizer prompts frame every variable text this way, so
// a model can tell where an output ends even when the output imitates the prompt.
void append_block(std::string& out, std::string_view name, std::string_view body, int blank_lines = 0);

// Shared wording of the optimizer prompts (proposal_prompts.cpp): the task's domain ("math
// problem-solving"), what its answers must look like, and how template placeholders work.
std::string_view domain(data::TaskType task);
std::string_view task_requirement(data::TaskType task);
std::string placeholder_rules(bool has_context);

}  // namespace maspo::opt::detail
