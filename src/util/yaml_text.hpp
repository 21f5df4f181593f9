// YAML text a user wrote, loaded with every way it can be unreadable turned into one InputError
// naming the file and the line: control characters, nesting deeper than yaml-cpp reads, and
// yaml-cpp's own syntax errors. System, config and rules files all load through it.
#pragma once

#include <string_view>

#include <yaml-cpp/yaml.h>

namespace maspo {

// Throws InputError "FILE:LINE: contains a control character (byte 0x00, NUL) ..." for a control
// byte other than tab, line feed and carriage return (YAML does not allow them, and yaml-cpp
// reads them as something else: a NUL byte ends up as an "unknown escape character").
void check_yaml_characters(std::string_view text, std::string_view file);

// check_yaml_characters, then YAML::Load; errors are "FILE:LINE: invalid YAML: ...", and lists
// or maps nested deeper than yaml-cpp's recursion limit "FILE:LINE: nested too deeply ...".
YAML::Node load_yaml_text(std::string_view text, std::string_view file);

}  // namespace maspo
