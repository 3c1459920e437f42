package sqlite

import (
	"context"
	"database/sql"
)

// collectRows reads every row of rows through scan and closes rows. An error
// from scan or from iterating goes through fail with op, so a *bulwark.Error
// that scan returns (a malformed stored row) passes through unchanged.
func collectRows[T any](ctx context.Context, db *DB, rows *sql.Rows, op string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, db.fail(ctx, err, op)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return out, nil
}
