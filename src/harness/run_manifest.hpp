// run.json: what an evaluation run is (system, prompts, dataset, models, selection). A resume is
// allowed only into a directory whose manifest matches, so results of different inputs never mix.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "maspo/data.hpp"
#include "maspo/llm.hpp"
#include "maspo/mas.hpp"

namespace maspo::harness {

nlohmann::json make_manifest(const llm::Client& client, const mas::System& system,
                             const mas::PromptMap& prompts, const data::Dataset& dataset, int limit,
                             std::uint64_t seed);

// Writes the manifest, or checks it against the one already there. Throws InputError naming the
// first key that differs.
void write_or_check_manifest(const std::filesystem::path& path, const nlohmann::json& manifest);

}  // namespace maspo::harness
