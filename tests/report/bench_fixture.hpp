// A bench directory as `maspo bench` writes it (src/harness/bench_table.cpp): results.json with done, pending and failed cells,
// and the run directory of one cell holding a report.
#pragma once

#include <filesystem>
#include <string>

#include "maspo/util.hpp"

namespace maspo::report::testing {

inline constexpr const char* kBenchResults = R"json({
 "bench": "smoke", "file": "examples/bench/smoke.yaml",
 "methods": ["seed", "maspo", "spo"], "systems": ["sequential:1"], "datasets": ["gsm8k", "aqua"], "seeds": [0],
 "cells": [
  {"method": "maspo", "system": "sequential:1", "dataset": "gsm8k", "seed": 0, "status": "done", "error": "",
   "accuracy": 0.6, "ci95": [0.31, 0.83], "correct": 6, "total": 10, "errors": 0,
   "optimization": {"calls": {"agents": 10, "optimizer": 3, "judge": 20}, "tokens": 1234, "dollars": 0.0,
                    "wall_s": 12.5, "stopped_by_budget": false},
   "evaluation": {"calls": {"agents": 40}, "tokens": 5678, "dollars": 0.0, "wall_s": 3.2},
   "dir": "cells/sequential_1/gsm8k/maspo/seed-0"},
  {"method": "spo", "system": "sequential:1", "dataset": "gsm8k", "seed": 0, "status": "done", "error": "",
   "accuracy": 0.5, "ci95": [0.24, 0.76], "correct": 5, "total": 10, "errors": 1,
   "optimization": {"calls": {"agents": 10, "optimizer": 3, "judge": 20}, "tokens": 1234, "dollars": 0.0,
                    "wall_s": 12.5, "stopped_by_budget": true},
   "evaluation": {"calls": {"agents": 40}, "tokens": 5678, "dollars": 0.0, "wall_s": 3.2},
   "dir": "cells/sequential_1/gsm8k/spo/seed-0"},
  {"method": "seed", "system": "sequential:1", "dataset": "gsm8k", "seed": 0, "status": "done", "error": "",
   "accuracy": 0.4, "ci95": [0.17, 0.69], "correct": 4, "total": 10, "errors": 0,
   "optimization": null, "evaluation": {"calls": {"agents": 40}, "tokens": 5000, "dollars": 0.0, "wall_s": 3.0},
   "dir": "cells/sequential_1/gsm8k/seed/seed-0"},
  {"method": "maspo", "system": "sequential:1", "dataset": "aqua", "seed": 0, "status": "pending", "error": "",
   "accuracy": null, "ci95": null, "correct": null, "total": null, "errors": null,
   "optimization": null, "evaluation": null, "dir": "cells/sequential_1/aqua/maspo/seed-0"},
  {"method": "spo", "system": "sequential:1", "dataset": "aqua", "seed": 0, "status": "failed",
   "error": "the judge's endpoint refused the request (HTTP 401)",
   "optimization": null, "evaluation": null, "dir": "cells/sequential_1/aqua/spo/seed-0"}
 ],
 "table": [
  {"system": "sequential:1", "method": "seed",
   "datasets": {"gsm8k": {"accuracy": 0.4, "ci95": [0.17, 0.69], "n": 10, "seeds": 1}, "aqua": null},
   "average": null,
   "vs_maspo": {"gsm8k": {"diff": -0.2, "p_value": 0.21, "n": 10, "test": "exact McNemar"},
                "all": {"diff": -0.2, "p_value": 0.21, "n": 10, "test": "exact McNemar"}},
   "cost": {"calls": 40.0, "tokens": 5000.0, "dollars": 0.0, "wall_s": 3.0,
            "optimization": {"calls": 0.0, "tokens": 0.0, "dollars": 0.0, "wall_s": 0.0}}},
  {"system": "sequential:1", "method": "maspo",
   "datasets": {"gsm8k": {"accuracy": 0.6, "ci95": [0.31, 0.83], "n": 10, "seeds": 1}, "aqua": null},
   "average": null, "vs_maspo": {},
   "cost": {"calls": 73.0, "tokens": 6912.0, "dollars": 0.0, "wall_s": 15.7,
            "optimization": {"calls": 33.0, "tokens": 1234.0, "dollars": 0.0, "wall_s": 12.5}}},
  {"system": "sequential:1", "method": "spo",
   "datasets": {"gsm8k": {"accuracy": 0.5, "ci95": [0.24, 0.76], "n": 10, "seeds": 1}},
   "average": null,
   "vs_maspo": {"gsm8k": {"diff": -0.1, "p_value": 0.42, "n": 10, "test": "exact McNemar"}, "all": null},
   "cost": {"calls": 73.0, "tokens": 6912.0, "dollars": 0.0, "wall_s": 15.7,
            "optimization": {"calls": 33.0, "tokens": 1234.0, "dollars": 0.0, "wall_s": 12.5}}}
 ]
})json";

// BENCH_DIR with results.json; the maspo gsm8k cell has a report, the spo one only its directory.
inline void make_bench_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "cells/sequential_1/gsm8k/maspo/seed-0");
  std::filesystem::create_directories(dir / "cells/sequential_1/gsm8k/spo/seed-0");
  write_file_atomic(dir / "cells/sequential_1/gsm8k/maspo/seed-0/report.html", "<!DOCTYPE html><title>cell</title>");
  write_file_atomic(dir / "results.json", kBenchResults);
}

}  // namespace maspo::report::testing
