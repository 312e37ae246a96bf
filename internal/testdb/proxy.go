package testdb

import (
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// Proxy relays TCP connections to a database server until it is cut: then it drops every
// connection and refuses new ones, as a failed network or database does, until restored.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

// NewProxy starts a proxy to target (host:port) on a free loopback port; t's cleanup stops
// it and drops its connections.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testdb: listen for a proxy: %v", err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.SetCut(true) })
	go p.serve()
	return p
}

// Addr is the host:port clients dial instead of the server's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) serve() {
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

// SetCut cuts the proxy (dropping every open connection and refusing new ones) or restores it.
func (p *Proxy) SetCut(cut bool) {
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

// MariaDBThroughProxy creates a fresh MariaDB test database, as Open does, and returns a DSN
// that reaches it through a Proxy, with short timeouts so that a cut shows at once. It skips
// t, or fails it when the servers are required, when FAILOVERKIT_TEST_MYSQL_DSN is unset.
func MariaDBThroughProxy(t testing.TB) (*gomysql.Config, *Proxy) {
	t.Helper()
	if os.Getenv(MySQLDSNEnv) == "" {
		Backends(t) // fails when the servers are required, logs otherwise
		t.Skip(MySQLDSNEnv + " is unset")
	}
	db := Open(t, MariaDB)
	cfg, err := gomysql.ParseDSN(os.Getenv(MySQLDSNEnv))
	if err != nil {
		t.Fatalf("testdb: %s: %v", MySQLDSNEnv, err)
	}
	if err := db.Raw("SELECT DATABASE()").Scan(&cfg.DBName).Error; err != nil {
		t.Fatalf("testdb: name of the test database: %v", err)
	}
	proxy := NewProxy(t, cfg.Addr)
	cfg.Addr, cfg.ParseTime = proxy.Addr(), true
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = time.Second, 2*time.Second, 2*time.Second
	return cfg, proxy
}
