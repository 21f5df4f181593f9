// Between records and table rows: each record as the values of its table's columns (in the order
// schema.cpp lists them), bound to an INSERT; and a row read back as a JSON object.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "maspo/store.hpp"
#include "store/schema.hpp"

namespace maspo::store {

// A column's value. Text is borrowed from the record (bound without a copy); JSON is dumped into
// an owned string. Booleans are integers.
using Value = std::variant<std::int64_t, double, std::string_view, std::string>;
using Values = std::vector<Value>;

Values values_of(const ProposalRecord& r);
Values values_of(const JudgementRecord& r);
Values values_of(const ScoreRecord& r);
Values values_of(const BeamRecord& r);
Values values_of(const MetricRecord& r);
Values prompt_values(const std::string& agent, int round, int layer, const std::string& prompt, double score);
Values usage_values(const llm::UsageLine& line);

// JSON as stored: compact, and an invalid UTF-8 byte (a model reply cut mid-character) replaced
// rather than thrown, so recording a bad reply never fails the step.
std::string dump_json(const json& value);

// Binds `step` to ?1 and `values` to ?2..; throws std::logic_error when the count does not match
// the table (a record struct and schema.cpp out of step).
void bind_row(sqlite3_stmt* insert, const RecordTable& table, std::int64_t step, const Values& values);

// The current row of `select` (SELECT seq, step, <columns> ...) as {"seq", "step", <columns>}.
json read_row(sqlite3_stmt* select, const RecordTable& table);

}  // namespace maspo::store
