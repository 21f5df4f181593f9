// The run store's schema, version 1. See schema.hpp for why it is data rather than DDL text.
#include "store/schema.hpp"

#include <algorithm>

namespace maspo::store {

namespace {

using T = ColumnType;

// Columns shared by most records, in the order the structs declare them.
std::vector<Column> with_position(std::vector<Column> head, std::vector<Column> tail) {
  head.push_back({"round", T::integer});
  head.push_back({"layer", T::integer});
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

std::vector<RecordTable> make_tables() {
  return {
      {"proposals",
       with_position({{"id", T::text}, {"agent", T::text}},
                     {{"parent_prompt", T::text}, {"reply", T::text}, {"prompt", T::text}, {"status", T::text}})},
      {"judgements",
       with_position({{"proposal_id", T::text}, {"agent", T::text}},
                     {{"question_id", T::text},
                      {"kind", T::text},
                      {"order", T::text},
                      {"replies", T::json_text},
                      {"verdict", T::real},
                      {"parsed", T::boolean},
                      {"context", T::text}})},
      {"scores",
       with_position({{"proposal_id", T::text}, {"agent", T::text}},
                     {{"reward", T::real},
                      {"cumulative", T::real},
                      {"local", T::real},
                      {"lookahead", T::real},
                      {"global", T::real},
                      {"batch_size", T::integer},
                      {"context", T::text}})},
      {"beams", with_position({{"agent", T::text}}, {{"nodes", T::json_text}})},
      {"metrics", {{"name", T::text}, {"agent", T::text}, {"round", T::integer}, {"layer", T::integer},
                   {"value", T::real}, {"detail", T::json_text}}},
      {"prompts", with_position({{"agent", T::text}}, {{"prompt", T::text}, {"score", T::real}})},
      // A cumulative snapshot of llm::Client::usage(), one row per (role, model), per step.
      {"usage", {{"role", T::text},
                 {"model", T::text},
                 {"calls", T::integer},
                 {"cached_calls", T::integer},
                 {"failed_calls", T::integer},
                 {"prompt_tokens", T::integer},
                 {"completion_tokens", T::integer},
                 {"cached_prompt_tokens", T::integer},
                 {"cached_completion_tokens", T::integer},
                 {"dollars", T::real}}},
  };
}

std::string_view sql_type(ColumnType type) {
  switch (type) {
    case T::integer:
    case T::boolean: return "INTEGER NOT NULL";
    case T::real: return "REAL";
    case T::text:
    case T::json_text: return "TEXT NOT NULL";
  }
  return "";
}

// Tables that are not records: run facts, one checkpoint per committed step, final results.
constexpr std::string_view kFixedTables = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
CREATE TABLE checkpoints (step INTEGER PRIMARY KEY NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE results (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL, step INTEGER);
)sql";

// For the report's joins; a few hundred rows per step make the index cost nothing.
constexpr std::string_view kIndexes = R"sql(
CREATE INDEX proposals_id ON proposals (id);
CREATE INDEX judgements_proposal ON judgements (proposal_id);
CREATE INDEX scores_proposal ON scores (proposal_id);
)sql";

}  // namespace

const std::vector<RecordTable>& record_tables() {
  static const std::vector<RecordTable> tables = make_tables();
  return tables;
}

const RecordTable* find_record_table(std::string_view name) {
  const auto& tables = record_tables();
  auto it = std::find_if(tables.begin(), tables.end(), [&](const RecordTable& t) { return t.name == name; });
  return it != tables.end() ? &*it : nullptr;
}

std::string quoted(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string schema_sql() {
  std::string sql(kFixedTables);
  for (const auto& table : record_tables()) {
    sql += "CREATE TABLE " + quoted(table.name) + " (\n  seq INTEGER PRIMARY KEY,\n  step INTEGER NOT NULL";
    for (const auto& column : table.columns) {
      sql += ",\n  " + quoted(column.name) + " " + std::string(sql_type(column.type));
    }
    sql += "\n);\n";
  }
  return sql + std::string(kIndexes);
}

std::string insert_sql(const RecordTable& table) {
  std::string names = "step", params = "?1";
  int i = 2;
  for (const auto& column : table.columns) {
    names += ", " + quoted(column.name);
    params += ", ?" + std::to_string(i++);
  }
  return "INSERT INTO " + quoted(table.name) + " (" + names + ") VALUES (" + params + ")";
}

}  // namespace maspo::store
