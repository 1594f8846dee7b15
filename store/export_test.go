package store

import "database/sql"

// SQL returns the database handle under db, for the tests that look past
// the store's methods: what the schema itself refuses (the audit trail's
// triggers) or keeps where no method reads it (stray callbacks).
func (db *DB) SQL() *sql.DB { return db.db }
