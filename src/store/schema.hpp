// The run store's schema, described once as data: the DDL, the INSERT statements and the read-back
// in rows() are all generated from these tables, so a column added here cannot be forgotten in
// one of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace maspo::store {

// The schema version this build writes and the newest it reads. Kept in meta('schema_version').
inline constexpr int kSchemaVersion = 1;

enum class ColumnType {
  integer,  // INTEGER NOT NULL
  real,     // REAL, nullable: SQLite stores a NaN as NULL, and rows() gives it back as null
  text,     // TEXT NOT NULL, the bytes as given
  json_text,  // TEXT NOT NULL holding JSON; rows() parses it back
  boolean,  // INTEGER NOT NULL, 0 or 1
};

struct Column {
  std::string_view name;
  ColumnType type;
};

// A table of records. Every one starts with two columns that are not listed in `columns`:
//   seq  INTEGER PRIMARY KEY  (insertion order; rows() sorts by it)
//   step INTEGER NOT NULL     (the optimizer step the row was written in)
struct RecordTable {
  std::string_view name;
  std::vector<Column> columns;
};

// proposals, judgements, scores, beams, metrics, prompts, usage — in that order.
const std::vector<RecordTable>& record_tables();
// The record table called `name`, or nullptr.
const RecordTable* find_record_table(std::string_view name);

// Every CREATE statement of the current version (tables, indexes), run once by create().
std::string schema_sql();
// INSERT INTO <table>(step, <columns>...) VALUES (?1, ?2, ...).
std::string insert_sql(const RecordTable& table);

// A double-quoted SQL identifier: `order` and `global` are column names.
std::string quoted(std::string_view identifier);

}  // namespace maspo::store
