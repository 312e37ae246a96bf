package appliancedb

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// Schema is the definition of every appliance table on one database, as canonical lines per
// table name: columns with their types, nullability and defaults, then indexes, constraints,
// foreign keys and triggers. AUTO_INCREMENT counters and sequence positions are left out, so
// rows written and deleted do not change it. A table that does not exist has the single
// line Absent.
type Schema map[string][]string

// Absent is the definition Capture records for an appliance table the database lacks.
const Absent = "(no such table)"

// Snapshot captures the schema of every appliance table on db (see Capture), failing t if
// the database cannot be read.
func Snapshot(t testing.TB, db *gorm.DB) Schema {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Capture(ctx, db)
	if err != nil {
		t.Fatalf("appliancedb: snapshot of the appliance's schema: %v", err)
	}
	return s
}

// Capture reads the full definition of every appliance table (AllTables) on db: on MariaDB
// SHOW CREATE TABLE without its AUTO_INCREMENT=N option, plus triggers; on PostgreSQL the
// columns, constraints, indexes and triggers from pg_catalog; on SQLite the statements in
// sqlite_master, a table's one line per column or constraint.
func Capture(ctx context.Context, db *gorm.DB) (Schema, error) {
	db = db.WithContext(ctx)
	var capture func(*gorm.DB, string) ([]string, error)
	var exists func(*gorm.DB, string) (bool, error)
	switch name := db.Dialector.Name(); name {
	case "mysql":
		capture, exists = captureMariaDB, func(db *gorm.DB, table string) (bool, error) {
			return count(db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", table)
		}
	case "postgres":
		capture, exists = capturePostgres, func(db *gorm.DB, table string) (bool, error) {
			return count(db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?", table)
		}
	case "sqlite":
		capture, exists = captureSQLite, func(db *gorm.DB, table string) (bool, error) {
			return count(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table)
		}
	default:
		return nil, fmt.Errorf("no schema snapshot for the gorm dialect %q", name)
	}
	s := Schema{}
	for _, table := range allTables {
		ok, err := exists(db, table)
		if err != nil {
			return nil, fmt.Errorf("look for table %s: %w", table, err)
		}
		if !ok {
			s[table] = []string{Absent}
			continue
		}
		lines, err := capture(db, table)
		if err != nil {
			return nil, fmt.Errorf("read the definition of %s: %w", table, err)
		}
		s[table] = lines
	}
	return s, nil
}

func count(db *gorm.DB, q string, args ...any) (bool, error) {
	var n int64
	err := db.Raw(q, args...).Scan(&n).Error
	return n > 0, err
}

// autoIncrement is the table option that moves with every insert.
var autoIncrement = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

func captureMariaDB(db *gorm.DB, table string) ([]string, error) {
	var name, ddl string
	if err := db.Raw("SHOW CREATE TABLE `"+table+"`").Row().Scan(&name, &ddl); err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(autoIncrement.ReplaceAllString(ddl, ""), "\n") {
		lines = append(lines, strings.TrimSuffix(strings.TrimSpace(l), ","))
	}
	triggers, err := rowsOf(db, "SELECT CONCAT('TRIGGER ', trigger_name, ' ', action_timing, ' ', event_manipulation, ' ', action_statement) "+
		"FROM information_schema.triggers WHERE event_object_schema = DATABASE() AND event_object_table = ? ORDER BY trigger_name", table)
	return append(lines, triggers...), err
}

func capturePostgres(db *gorm.DB, table string) ([]string, error) {
	var schema string
	if err := db.Raw("SELECT current_schema()").Row().Scan(&schema); err != nil {
		return nil, err
	}
	// The table name comes from allTables, never from input.
	rel := "'" + table + "'::regclass"
	queries := []string{
		`SELECT 'COLUMN ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
			|| COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
			|| CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
			|| CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || a.attgenerated::text ELSE '' END
			|| CASE WHEN co.collname IS NOT NULL AND co.collname <> 'default' THEN ' COLLATE ' || co.collname ELSE '' END
		FROM pg_attribute a
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		LEFT JOIN pg_collation co ON co.oid = a.attcollation
		WHERE a.attrelid = ` + rel + ` AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
		`SELECT 'CONSTRAINT ' || conname || ' ' || pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = ` + rel + ` ORDER BY conname`,
		`SELECT 'INDEX ' || c.relname || ' ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = ` + rel + ` ORDER BY c.relname`,
		`SELECT 'TRIGGER ' || tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = ` + rel + ` AND NOT tgisinternal ORDER BY tgname`,
		`SELECT 'TABLE ' || relpersistence::text || ' ' || COALESCE(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = ` + rel,
	}
	var lines []string
	for _, q := range queries {
		got, err := rowsOf(db, q)
		if err != nil {
			return nil, err
		}
		lines = append(lines, got...)
	}
	// Definitions qualify names with the schema only when it is not on the search path;
	// drop it so that databases in different schemas compare equal.
	for i, l := range lines {
		lines[i] = strings.TrimSpace(strings.ReplaceAll(l, schema+".", ""))
	}
	return lines, nil
}

func captureSQLite(db *gorm.DB, table string) ([]string, error) {
	rows, err := db.Raw(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL
		ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`, table).Rows()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var lines []string
	for rows.Next() {
		var typ, name, ddl string
		if err := rows.Scan(&typ, &name, &ddl); err != nil {
			return nil, err
		}
		if typ == "table" {
			lines = append(lines, splitColumns(ddl)...)
			continue
		}
		lines = append(lines, strings.ToUpper(typ)+" "+name+" "+collapse(ddl))
	}
	return lines, rows.Err()
}

// splitColumns renders a CREATE TABLE statement as its head, one line per column or table
// constraint, and its tail, so that a diff shows which one changed.
func splitColumns(ddl string) []string {
	open, end := strings.Index(ddl, "("), strings.LastIndex(ddl, ")")
	if open < 0 || end < open {
		return []string{collapse(ddl)}
	}
	lines := []string{collapse(ddl[:open+1])}
	depth, quote, start := 0, rune(0), open+1
	body := ddl[:end]
	for i, r := range body {
		if i <= open {
			continue
		}
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			lines = append(lines, collapse(body[start:i]))
			start = i + 1
		}
	}
	lines = append(lines, collapse(body[start:]))
	return append(lines, collapse(ddl[end:]))
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func rowsOf(db *gorm.DB, q string, args ...any) ([]string, error) {
	rows, err := db.Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Diff describes how after differs from s, table by table, with "-" for lines only s has and
// "+" for lines only after has; "" when they are identical.
func (s Schema) Diff(after Schema) string {
	var b strings.Builder
	tables := append([]string(nil), allTables...)
	for _, m := range []Schema{s, after} {
		for t := range m {
			if !slices.Contains(tables, t) {
				tables = append(tables, t)
			}
		}
	}
	for _, t := range tables {
		d := lineDiff(s[t], after[t])
		if d == "" {
			continue
		}
		fmt.Fprintf(&b, "table %s:\n%s", t, d)
	}
	return b.String()
}

// lineDiff is a longest-common-subsequence diff of two short line lists, showing only the
// lines that differ.
func lineDiff(a, b []string) string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("  - " + a[i] + "\n")
			i++
		default:
			out.WriteString("  + " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}

// RequireSame fails t, showing the difference, unless after is exactly before: the check
// that something left the appliance's tables as it found them.
func RequireSame(t testing.TB, before, after Schema, what string) {
	t.Helper()
	if d := before.Diff(after); d != "" {
		t.Fatalf("%s changed the appliance's schema (- before, + after):\n%s", what, d)
	}
}
