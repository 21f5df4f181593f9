// maspo/report.hpp — one self-contained HTML report of an optimization run or of a bench.
//
// The report is a single file: inline CSS, inline SVG charts, one tiny inline script (the filter
// box of the item table), no network and no external file, so it opens offline in any browser and
// can be mailed as it is. A Content-Security-Policy in its head allows that one script (by hash)
// and nothing else, so even text that slipped through escaping could not run.
//
// A run report (RUN_DIR written by `maspo optimize`) shows, as far as the run got:
//   - the run: method, system, data, status, settings, and what is absent (an empty run, a run
//     stopped at a budget or killed before its final evaluation still renders);
//   - the final evaluation: seed vs optimized accuracy with 95% intervals;
//   - per agent: reward per layer and round (chart + table), the beam lineage (chart), the diff
//     from the seed prompt to the best prompt, and the proposals with their status;
//   - misalignment rate per depth, Beam Refresh top-1 agreement, judge position-bias statistics
//     (with the judge replies that could not be parsed);
//   - cost per role over the steps (chart) and per role in total;
//   - per-item results of the seed and optimized evaluations, errors included.
// A bench report (BENCH_DIR written by `maspo bench`, results.json) shows the results table, a
// bar chart of accuracy per method per dataset with 95% CI whiskers, the cost table, and every
// cell with its status, linked to the cell's directory where one exists.
//
// Security: every text read from the run (model replies, prompts, judge replies, answers, errors,
// ids, names) is HTML-escaped (& < > " '), invalid UTF-8 replaced, control characters dropped; no
// such text is ever placed in a script, a style, or an attribute other than escaped `title`/`href`
// values (an href only when it is a plain relative path).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace maspo::report {

enum class DirKind {
  run,     // holds run.sqlite
  bench,   // holds results.json
  none,
};

// What `dir` holds; a directory with both is a run.
DirKind classify(const std::filesystem::path& dir);

// The HTML report of a run directory. Throws maspo::InputError when it has no readable run.sqlite.
std::string render_run(const std::filesystem::path& run_dir);

// The HTML report of a bench directory. Throws maspo::InputError when results.json is missing or
// is not a JSON object.
std::string render_bench(const std::filesystem::path& bench_dir);

// Renders `dir` (a run or a bench) into `out` (default: dir/report.html), written atomically, and
// returns the path written. Throws maspo::InputError naming `dir` when it is neither.
std::filesystem::path write_report(const std::filesystem::path& dir, const std::filesystem::path& out = {});

// Text as HTML (element content and quoted attribute values alike): & < > " ' as entities,
// invalid UTF-8 as U+FFFD, control characters other than tab, newline and CR dropped.
std::string escape_html(std::string_view text);

}  // namespace maspo::report
