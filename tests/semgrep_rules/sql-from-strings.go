// Test target for sql-from-strings-go (semgrep --test annotations).
package store

import (
	"context"
	"database/sql"
	"fmt"
)

const table = "users"

func Find(ctx context.Context, db *sql.DB, name string, id int) error {
	// ruleid: sql-from-strings-go
	rows, err := db.Query("SELECT * FROM users WHERE name = '" + name + "'")
	if err != nil {
		return err
	}
	defer rows.Close()
	query := fmt.Sprintf("DELETE FROM users WHERE id = %d", id)
	// ruleid: sql-from-strings-go
	db.ExecContext(ctx, query)
	// ok: sql-from-strings-go
	db.QueryRow("SELECT * FROM users WHERE name = $1", name)
	// ok: sql-from-strings-go
	db.Exec("DELETE FROM " + table + " WHERE id = $1", id)
	// ok: sql-from-strings-go
	db.ExecContext(ctx, "DELETE FROM users WHERE name = $1", fmt.Sprintf("%s%%", name))
	return nil
}
