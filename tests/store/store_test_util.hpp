// Helpers for the run store's tests: sample records, a plain SQLite connection to look at the file
// as another program would, and a check that an error is an InputError saying what is expected.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "maspo/store.hpp"
#include "maspo/util.hpp"
#include "support/temp_dir.hpp"

namespace maspo::store::testing {

struct TempDir : maspo::testing::TempDir {
  TempDir() : maspo::testing::TempDir("maspo-store-test") {}
  std::filesystem::path run() const { return path() / "run"; }
  std::filesystem::path db() const { return run() / "run.sqlite"; }
};

inline JudgementRecord judgement(int i, const std::string& proposal = "r1-a0-l1-p0-c0") {
  JudgementRecord r;
  r.proposal_id = proposal;
  r.agent = "solver";
  r.round = 1;
  r.layer = 1;
  r.question_id = "q" + std::to_string(i);
  r.kind = "final";
  r.order = i % 2 == 0 ? "candidate=A" : "candidate=B";
  r.replies = json::array({"Answer A is better because it shows its work. [[A]]"});
  r.verdict = i % 3 == 0 ? 0.5 : 1.0;
  r.parsed = true;
  r.context = "layer";
  return r;
}

inline ProposalRecord proposal(const std::string& id) {
  ProposalRecord r;
  r.id = id;
  r.agent = "solver";
  r.round = 1;
  r.layer = 2;
  r.parent_prompt = "You solve math problems.";
  r.reply = "<prompt>You solve math problems step by step.</prompt>";
  r.prompt = "You solve math problems step by step.";
  r.status = "accepted";
  return r;
}

// A plain SQLite connection (no maspo code in between).
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path, int flags = SQLITE_OPEN_READWRITE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path.string() + ": " + sqlite3_errmsg(db_));
    }
    sqlite3_busy_timeout(db_, 10'000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + msg);
    }
  }
  // The first column of every row, as text.
  std::vector<std::string> column(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(s, 0);
      out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    return out;
  }
  std::int64_t count(const std::string& sql) { return std::stoll(column(sql).at(0)); }
  std::string integrity() { return column("PRAGMA integrity_check").at(0); }

 private:
  sqlite3* db_ = nullptr;
};

// Runs `call`, expects maspo::InputError whose message contains every one of `parts`; returns it.
inline std::string expect_input_error(const std::function<void()>& call, const std::vector<std::string>& parts) {
  try {
    call();
  } catch (const InputError& e) {
    std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InputError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected InputError, nothing was thrown";
  return {};
}

}  // namespace maspo::store::testing
