// Helpers shared by the files of the mas module; not part of the public API.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "maspo/mas.hpp"

namespace maspo::mas::detail {

// "agent `ID`: MESSAGE" at FILE:LINE, the one shape every agent-level InputError has.
[[noreturn]] void fail_agent(std::string_view source, int line, std::string_view agent, std::string_view message);

// Checks one agent's template: valid syntax, {question} present, {context} present when the agent
// has predecessors. Throws InputError via fail_agent. `what` names where the template came from
// ("template", "prompt in the prompt map").
void check_agent_template(std::string_view source, int line, std::string_view agent, std::string_view tmpl,
                          bool has_predecessors, std::string_view what = "template");

// The agent types seed_template() knows, in a stable order, for messages.
const std::vector<std::string_view>& seed_types();

// Joins `items` with ", " (for lists of ids in messages).
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

// Agent ids for a message: "a, b, c", or the first ten and ", ... and N more", so a system of
// thousands of agents still gets a one-line message.
std::string join_ids(const std::vector<std::string>& ids);

// The majority-vote winner among `outputs` (predecessor raw outputs in topological order): the
// index of the first output whose eval::vote_key is among the most frequent keys. Outputs with
// an empty key (no answer found) only win when every key is empty; then index 0.
std::size_t vote_winner(const std::vector<std::string>& outputs, TaskType task);

}  // namespace maspo::mas::detail
