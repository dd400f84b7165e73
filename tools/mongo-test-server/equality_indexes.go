package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// FerretDB 1.24 on PostgreSQL pushes a filter's equality on a top-level field down as `_jsonb->'field' @> value`
// (jsonb containment, which also finds an array holding the value), while the indexes it makes for the
// collection's indexes are btree indexes on `_jsonb->'field'`, which cannot answer containment: every filter is
// a sequential scan (15 ms for one post by _id among 10,000, growing with the collection). A GIN index on the
// same expression answers it (0.09 ms). keepEqualityIndexes gives every field that FerretDB indexes such an
// index as well; FerretDB neither knows of them nor needs to, and they go when the table goes.

// indexedField finds the top-level fields in the definition of one of FerretDB's indexes.
var indexedField = regexp.MustCompile(`\(_jsonb -> '((?:[^']|'')+)'::text\)`)

// equalityIndexName names the GIN index of one field of a table (PostgreSQL names are at most 63 bytes).
func equalityIndexName(table, field string) string {
	return fmt.Sprintf("%.40s_%08x_eq", table, crc32.ChecksumIEEE([]byte(field)))
}

// equalityIndex is the statement that gives table (in schema) a GIN index for the field.
func equalityIndex(schema, table, field string) string {
	name := equalityIndexName(table, field)
	literal := strings.ReplaceAll(field, "'", "''")
	return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q.%q USING gin ((_jsonb -> '%s'))`, name, schema, table, literal)
}

// keepEqualityIndexes checks the server's tables every interval until ctx ends, so that a new collection's
// indexes get their GIN twins within an interval.
func keepEqualityIndexes(ctx context.Context, url string, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := ensureEqualityIndexes(ctx, url); err != nil && ctx.Err() == nil {
			logger.Debug("equality indexes", "error", err) // a table dropped meanwhile: the next check sees the rest
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func ensureEqualityIndexes(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename NOT LIKE '\_ferretdb\_%'`)
	if err != nil {
		return err
	}
	type table struct{ schema, name string }
	fields := map[table]map[string]bool{}
	have := map[string]bool{}
	for rows.Next() {
		var schema, name, index, definition string
		if err := rows.Scan(&schema, &name, &index, &definition); err != nil {
			rows.Close()
			return err
		}
		have[schema+"."+index] = true
		if !strings.Contains(definition, "USING btree") {
			continue
		}
		t := table{schema, name}
		if fields[t] == nil {
			fields[t] = map[string]bool{}
		}
		for _, match := range indexedField.FindAllStringSubmatch(definition, -1) {
			fields[t][strings.ReplaceAll(match[1], "''", "'")] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for t, names := range fields {
		for field := range names {
			if have[t.schema+"."+equalityIndexName(t.name, field)] {
				continue
			}
			if _, err := conn.Exec(ctx, equalityIndex(t.schema, t.name, field)); err != nil {
				return err
			}
		}
	}
	return nil
}
