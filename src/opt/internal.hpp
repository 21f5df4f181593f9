// Helpers shared by the files of src/opt; not part of the public API.
#pragma once

#include <string_view>

namespace maspo::opt::detail {

// Whether a template uses {context}. A template that fails mas::check_template (one we did not
// write) is read leniently: does the text `{context}` occur at all.
bool has_context_placeholder(std::string_view tmpl);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace maspo::opt::detail
