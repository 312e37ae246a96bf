// Package tableshape reads a table's columns from the database's catalog and compares them
// with the columns one of failoverkit's own tables must have. The job store and the
// appliance journal share a database with the appliance and never alter a table: one of
// their names that exists with other columns is refused, with what differs.
package tableshape

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Column type families: what a check compares, so that each database's names for a type
// (VARCHAR, TEXT, LONGTEXT; BIGINT, INTEGER; DATETIME, TIMESTAMPTZ) count as one.
const (
	Text = "text"
	Int  = "integer"
	Time = "time"
)

// Family returns the family of a column type as a catalog names it; a type of no known
// family is returned upper-cased, which matches no family.
func Family(typeName string) string {
	t := strings.ToUpper(typeName)
	switch {
	case strings.Contains(t, "INT"):
		return Int
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return Text
	case strings.Contains(t, "DATE"), strings.Contains(t, "TIME"):
		return Time
	}
	return t
}

// Columns lists the columns of table, lower-cased, with their family; a missing table has
// none. The catalog is queried directly rather than through gorm's Migrator, whose dialects
// cache what they learn without a lock.
func Columns(ctx context.Context, db *gorm.DB, table string) (map[string]string, error) {
	var q string
	switch db.Name() {
	case "mysql":
		q = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?"
	case "postgres":
		q = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
	case "sqlite":
		q = "SELECT name, type FROM pragma_table_info(?)"
	default:
		return nil, fmt.Errorf("no catalog query for the gorm dialect %q", db.Name())
	}
	rows, err := db.WithContext(ctx).Raw(q, table).Rows()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	cols := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		cols[strings.ToLower(name)] = Family(typ)
	}
	return cols, rows.Err()
}

// Differences lists, sorted, how the columns a table has differ from those it must have
// (both by name to family): a missing column, one of another family, and one that owner -
// "the store", "the journal" - does not have. None means the table is owner's.
func Differences(want, have map[string]string, owner string) []string {
	var problems []string
	for col, fam := range want {
		switch got, ok := have[col]; {
		case !ok:
			problems = append(problems, "no column "+col)
		case got != fam:
			problems = append(problems, "column "+col+" is not of "+fam+" type")
		}
	}
	for col := range have {
		if _, ok := want[col]; !ok {
			problems = append(problems, "a column "+owner+" does not have: "+col)
		}
	}
	slices.Sort(problems)
	return problems
}
