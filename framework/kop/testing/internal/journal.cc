#include "kop/testing/internal/journal.h"

#include <sqlite3.h>

#include <filesystem>

#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

constexpr char kSchema[] = R"sql(
  CREATE TABLE IF NOT EXISTS objects (
    storage_key TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    rv          INTEGER NOT NULL,
    json        TEXT NOT NULL,
    PRIMARY KEY (storage_key, object_key));
  CREATE TABLE IF NOT EXISTS changes (
    rv          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    json        TEXT NOT NULL,
    prev_json   TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO meta (key, value) VALUES ('rv', 0);
)sql";

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteJournal : public Journal {
 public:
  explicit SqliteJournal(std::string path) : path_(std::move(path)) {}
  ~SqliteJournal() override {
    for (Statement* s : {&upsert_, &remove_, &append_, &set_rv_, &begin_, &commit_, &rollback_, &compact_}) {
      sqlite3_finalize(s->get());
      *s->out() = nullptr;
    }
    sqlite3_close(db_);
  }

  absl::Status Open() {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      return Error("cannot open");
    }
    sqlite3_busy_timeout(db_, 5000);
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
      if (sqlite3_exec(db_, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(pragma);
    }
    if (sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) return Error("cannot create the tables");
    const std::pair<Statement*, const char*> statements[] = {
        {&upsert_,
         "INSERT INTO objects (storage_key, object_key, rv, json) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT (storage_key, object_key) DO UPDATE SET rv = excluded.rv, json = excluded.json"},
        {&remove_, "DELETE FROM objects WHERE storage_key = ?1 AND object_key = ?2"},
        {&append_,
         "INSERT INTO changes (rv, type, storage_key, object_key, json, prev_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        {&set_rv_, "UPDATE meta SET value = ?1 WHERE key = 'rv'"},
        {&begin_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
        {&compact_, "DELETE FROM changes WHERE rv <= ?1"},
    };
    for (const auto& [stmt, sql] : statements) {
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt->out(), nullptr) != SQLITE_OK) {
        return Error("cannot prepare a statement");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Commit(const Write& w) override {
    if (!Step(begin_)) return Error("cannot begin a transaction");
    const bool deleted = w.type == "DELETED";
    bool ok;
    if (deleted) {
      ok = Bind(remove_, {w.storage_key, w.object_key}) && Step(remove_);
    } else {
      ok = Bind(upsert_, {w.storage_key, w.object_key}) && sqlite3_bind_int64(upsert_.get(), 3, Signed(w.rv)) == SQLITE_OK &&
           sqlite3_bind_text(upsert_.get(), 4, w.json.data(), static_cast<int>(w.json.size()), SQLITE_STATIC) == SQLITE_OK &&
           Step(upsert_);
    }
    ok = ok && sqlite3_bind_int64(append_.get(), 1, Signed(w.rv)) == SQLITE_OK &&
         BindFrom(append_, 2, {w.type, w.storage_key, w.object_key, w.json, w.prev_json}) && Step(append_);
    ok = ok && sqlite3_bind_int64(set_rv_.get(), 1, Signed(w.rv)) == SQLITE_OK && Step(set_rv_);
    if (!ok) {
      const absl::Status error = Error("cannot write a change");
      Step(rollback_);
      return error;
    }
    if (!Step(commit_)) {
      const absl::Status error = Error("cannot commit a change");
      Step(rollback_);
      return error;
    }
    return absl::OkStatus();
  }

  absl::Status Compact(uint64_t rv) override {
    if (sqlite3_bind_int64(compact_.get(), 1, Signed(rv)) != SQLITE_OK || !Step(compact_)) {
      return Error("cannot compact the history");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Loaded> Load(const std::function<void(const std::string&, const std::string&)>& object,
                              const std::function<void(const Write&)>& change) override {
    Loaded out;
    {
      Statement s;
      if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = 'rv'", -1, s.out(), nullptr) != SQLITE_OK) {
        return Error("cannot read the resource version");
      }
      if (sqlite3_step(s.get()) == SQLITE_ROW) out.rv = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
    }
    {
      // Namespaces and CRDs first: the objects of custom resources need their definitions.
      Statement s;
      if (sqlite3_prepare_v2(db_,
                             "SELECT storage_key, json FROM objects ORDER BY "
                             "CASE storage_key WHEN '/namespaces' THEN 0 "
                             "WHEN 'apiextensions.k8s.io/customresourcedefinitions' THEN 1 ELSE 2 END, rv",
                             -1, s.out(), nullptr) != SQLITE_OK) {
        return Error("cannot read the objects");
      }
      int rc;
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) object(Text(s, 0), Text(s, 1));
      if (rc != SQLITE_DONE) return Error("cannot read the objects");
    }
    {
      Statement s;
      if (sqlite3_prepare_v2(db_,
                             "SELECT rv, type, storage_key, object_key, json, prev_json FROM changes ORDER BY rv",
                             -1, s.out(), nullptr) != SQLITE_OK) {
        return Error("cannot read the history");
      }
      int rc;
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        change({static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0)), Text(s, 1), Text(s, 2), Text(s, 3),
                Text(s, 4), Text(s, 5)});
      }
      if (rc != SQLITE_DONE) return Error("cannot read the history");
    }
    return out;
  }

 private:
  static sqlite3_int64 Signed(uint64_t v) { return static_cast<sqlite3_int64>(v); }

  static std::string Text(const Statement& s, int column) {
    const unsigned char* text = sqlite3_column_text(s.get(), column);
    const int n = sqlite3_column_bytes(s.get(), column);
    return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
  }

  static bool BindFrom(Statement& s, int first, std::initializer_list<std::reference_wrapper<const std::string>> values) {
    int i = first;
    for (const std::string& v : values) {
      if (sqlite3_bind_text(s.get(), i++, v.data(), static_cast<int>(v.size()), SQLITE_STATIC) != SQLITE_OK) return false;
    }
    return true;
  }
  static bool Bind(Statement& s, std::initializer_list<std::reference_wrapper<const std::string>> values) {
    return BindFrom(s, 1, values);
  }

  // Runs a prepared statement to completion and resets it for the next use.
  static bool Step(Statement& s) {
    const int rc = sqlite3_step(s.get());
    sqlite3_reset(s.get());
    sqlite3_clear_bindings(s.get());
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }

  absl::Status Error(std::string_view what) const {
    return absl::InternalError(
        kop::StrCat("data dir database ", path_, ": ", what, ": ", db_ != nullptr ? sqlite3_errmsg(db_) : "no handle"));
  }

  const std::string path_;
  sqlite3* db_ = nullptr;
  Statement upsert_, remove_, append_, set_rv_, begin_, commit_, rollback_, compact_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> OpenSqliteJournal(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InvalidArgumentError(kop::StrCat("--data-dir ", dir, ": ", ec.message()));
  auto journal = std::make_unique<SqliteJournal>((std::filesystem::path(dir) / "kop-apiserver.db").string());
  if (absl::Status s = journal->Open(); !s.ok()) return s;
  return std::unique_ptr<Journal>(std::move(journal));
}

}  // namespace kop::testing::internal
