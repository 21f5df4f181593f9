// The top-level sections of a config file, one parse function each. To add a section (the
// optimizer's, the runtime's): give Config a field, write `parse_<name>` in its own file here, and
// add one row to kSections in config.cpp. Unknown top-level keys are rejected from that table.
#pragma once

#include "config/yaml_field.hpp"
#include "maspo/config.hpp"

namespace maspo::config {

void parse_models(const Field& section, Config& out);   // models.<role>: backend and its settings
void parse_cache(const Field& section, Config& out);    // cache: {mode, path}
void parse_budget(const Field& section, Config& out);   // budget.<role>: {calls, tokens, dollars}
void parse_optimizer(const Field& section, Config& out);  // optimizer: MASPO's settings

}  // namespace maspo::config
