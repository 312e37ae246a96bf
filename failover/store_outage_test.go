package failover

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// cutProxy relays TCP connections to a server until it is cut: then it drops every
// connection and refuses new ones, as a failed network or database does, until restored.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
		go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	}
}

func (p *cutProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			_ = c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// openThroughProxy opens a fresh MariaDB test database, and a second handle on it through a
// proxy that can be cut.
func openThroughProxy(t *testing.T) (*gorm.DB, *cutProxy) {
	t.Helper()
	direct := testdb.Open(t, testdb.MariaDB)
	var name string
	require.NoError(t, direct.Raw("SELECT DATABASE()").Scan(&name).Error)
	cfg, err := gomysql.ParseDSN(os.Getenv(testdb.MySQLDSNEnv))
	require.NoError(t, err)
	proxy := newCutProxy(t, cfg.Addr)
	cfg.Addr, cfg.DBName, cfg.ParseTime = proxy.ln.Addr().String(), name, true
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = time.Second, 2*time.Second, 2*time.Second
	db, err := gorm.Open(mysql.Open(cfg.FormatDSN()), &gorm.Config{Logger: gormlogger.Discard})
	require.NoError(t, err)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db, proxy
}

// The job store (MariaDB) goes away in the middle of a test failover: the operation stops at
// once with one error naming the store, the last durable record and the fix; the job reads
// interrupted - what the operation answered - once the store is back; and a rollback from
// another engine succeeds at once, leaving nothing behind.
func TestStoreOutageMidFlow(t *testing.T) {
	t.Parallel()
	if os.Getenv(testdb.MySQLDSNEnv) == "" {
		testdb.Backends(t) // fails when the servers are required, skips otherwise
		t.Skip(testdb.MySQLDSNEnv + " is unset")
	}
	db, proxy := openThroughProxy(t)
	store, err := NewGormStore(context.Background(), db)
	require.NoError(t, err)
	f := newFixture(t, failovertest.Options{VolumesPerVM: 3}, WithStore(store))
	f.store = store
	f.engine.saveTimeout = 3 * time.Second
	f.engine.checkpoint = func(p string) error {
		if p == "before "+string(StepAttachVolumes) {
			proxy.setCut(true)
		}
		return nil
	}
	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.ErrorIs(t, err, ErrStore)
	msg := err.Error()
	assert.Equal(t, 1, strings.Count(msg, "could not be recorded"), "one error, once: %s", msg)
	assert.Contains(t, msg, "fix: bring the job store back, then run Rollback (or Resume) on job "+job.ID)
	assert.Contains(t, msg, "step remove_root_volume done", "the message says what the store last holds")
	assert.Equal(t, StatusInterrupted, job.Status)
	assert.Nil(t, job.Cleanup, "nothing is undone that could not be recorded")

	proxy.setCut(false)
	other := f.newEngine()
	require.Eventually(t, func() bool {
		j, err := other.Job(context.Background(), job.ID)
		return err == nil && j.Status == StatusInterrupted
	}, 10*time.Second, 20*time.Millisecond, "the record and the operation's answer agree once the store is back")

	back, err := other.Rollback(context.Background(), job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	f.requireClean(t, 0, vsphere.PoweredOn)
}
