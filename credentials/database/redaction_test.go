package database_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/credentials/database"
)

// No rendering of a Source, Writer or Cipher shows the encryption key.
func TestNoRenderingShowsTheKey(t *testing.T) {
	t.Parallel()
	db, err := gorm.Open(sqlite.Open(database.SQLiteDSN(t.TempDir()+"/oma.db")), &gorm.Config{Logger: gormlogger.Discard})
	require.NoError(t, err)
	key := []byte("fake-key-fake-key-fake-key-fake!")
	src, err := database.New(db, database.WithKey(key))
	require.NoError(t, err)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	c, err := database.NewCipher(key)
	require.NoError(t, err)
	decimal := strings.Trim(fmt.Sprint(key), "[]") // 102 97 107 ...
	hexed := fmt.Sprintf("%#v", key)[len("[]byte{"):40]
	for _, v := range []any{src, w, c} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
			out := fmt.Sprintf(format, v)
			for _, leak := range []string{string(key), decimal, hexed, fmt.Sprintf("%x", key)} {
				require.NotContains(t, out, leak, "%T printed with %s", v, format)
			}
		}
	}
}
