// See rows.hpp. The order of the values in each values_of() is the order of the columns in
// schema.cpp; bind_row() checks the count, and the round-trip tests check the names.
#include "store/rows.hpp"

#include <stdexcept>

#include "store/db.hpp"

namespace maspo::store {

namespace {

// Borrowed text: a std::string would pick the variant's owning alternative and be copied.
std::string_view sv(const std::string& s) { return s; }
std::int64_t i64(int v) { return v; }
std::int64_t i64(bool v) { return v ? 1 : 0; }

}  // namespace

std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

Values values_of(const ProposalRecord& r) {
  return {sv(r.id), sv(r.agent), i64(r.round), i64(r.layer), sv(r.parent_prompt), sv(r.reply), sv(r.prompt), sv(r.status)};
}

Values values_of(const JudgementRecord& r) {
  return {sv(r.proposal_id), sv(r.agent), i64(r.round),        i64(r.layer), sv(r.question_id), sv(r.kind),
          sv(r.order),       dump_json(r.replies), r.verdict, i64(r.parsed), sv(r.context)};
}

Values values_of(const ScoreRecord& r) {
  return {sv(r.proposal_id), sv(r.agent), i64(r.round), i64(r.layer),      r.reward, r.cumulative,
          r.local,           r.lookahead, r.global,     i64(r.batch_size), sv(r.context)};
}

Values values_of(const BeamRecord& r) { return {sv(r.agent), i64(r.round), i64(r.layer), dump_json(r.nodes)}; }

Values values_of(const MetricRecord& r) {
  return {sv(r.name), sv(r.agent), i64(r.round), i64(r.layer), r.value, dump_json(r.detail)};
}

Values prompt_values(const std::string& agent, int round, int layer, const std::string& prompt, double score) {
  return {sv(agent), i64(round), i64(layer), sv(prompt), score};
}

Values usage_values(const llm::UsageLine& line) {
  return {sv(line.role),
          sv(line.model),
          line.calls,
          line.cached_calls,
          line.failed_calls,
          line.usage.prompt_tokens,
          line.usage.completion_tokens,
          line.cached_usage.prompt_tokens,
          line.cached_usage.completion_tokens,
          line.dollars};
}

void bind_row(sqlite3_stmt* insert, const RecordTable& table, std::int64_t step, const Values& values) {
  if (values.size() != table.columns.size()) {
    throw std::logic_error("run store: " + std::to_string(values.size()) + " values for the " +
                           std::to_string(table.columns.size()) + " columns of `" + std::string(table.name) + "`");
  }
  sqlite3_bind_int64(insert, 1, step);
  int i = 2;
  for (const auto& value : values) {
    // SQLITE_STATIC: the values outlive the statement's step; ResetOnExit clears the bindings.
    if (const auto* n = std::get_if<std::int64_t>(&value)) {
      sqlite3_bind_int64(insert, i, *n);
    } else if (const auto* d = std::get_if<double>(&value)) {
      sqlite3_bind_double(insert, i, *d);  // a NaN is stored as NULL
    } else if (const auto* t = std::get_if<std::string_view>(&value)) {
      sqlite3_bind_text(insert, i, t->data(), static_cast<int>(t->size()), SQLITE_STATIC);
    } else {
      const auto& s = std::get<std::string>(value);
      sqlite3_bind_text(insert, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    }
    ++i;
  }
}

json read_row(sqlite3_stmt* select, const RecordTable& table) {
  json row = json::object();
  row["seq"] = sqlite3_column_int64(select, 0);
  row["step"] = sqlite3_column_int64(select, 1);
  int i = 2;
  for (const auto& column : table.columns) {
    std::string name(column.name);
    switch (column.type) {
      case ColumnType::integer: row[name] = sqlite3_column_int64(select, i); break;
      case ColumnType::boolean: row[name] = sqlite3_column_int64(select, i) != 0; break;
      case ColumnType::real:
        row[name] = sqlite3_column_type(select, i) == SQLITE_NULL ? json() : json(sqlite3_column_double(select, i));
        break;
      case ColumnType::text: row[name] = column_text(select, i); break;
      case ColumnType::json_text: {
        // Written by dump_json, so it parses; a hand-edited cell comes back as its text.
        auto text = column_text(select, i);
        auto parsed = json::parse(text, nullptr, false);
        row[name] = parsed.is_discarded() ? json(text) : std::move(parsed);
        break;
      }
    }
    ++i;
  }
  return row;
}

}  // namespace maspo::store
