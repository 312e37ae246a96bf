package database

import (
	"log/slog"
	"time"

	"github.com/ossea-migrate/failoverkit/credentials"
)

// SourceOption configures New.
type SourceOption interface{ applySource(*config) }

// WriterOption configures NewWriter.
type WriterOption interface{ applyWriter(*config) }

// Option configures New and NewWriter alike: the key, the logger, the clock.
type Option interface {
	SourceOption
	WriterOption
}

type sourceOption func(*config)

func (f sourceOption) applySource(c *config) { f(c) }

type writerOption func(*config)

func (f writerOption) applyWriter(c *config) { f(c) }

type sharedOption func(*config)

func (f sharedOption) applySource(c *config) { f(c) }
func (f sharedOption) applyWriter(c *config) { f(c) }

type config struct {
	key             []byte
	keySet          bool
	logger          *slog.Logger
	acceptPlaintext bool
	usage           bool
	usageQueue      int
	usageTimeout    time.Duration
	now             func() time.Time
	insecure        map[credentials.Kind]map[string]bool
	skipValidation  bool
	strictDefault   bool
}

// WithKey sets the 32-byte key that decrypts (Source) and encrypts (Writer)
// vmware_credentials.password_encrypted and ossea_configs.api_key and secret_key. Without it
// a Source still reads plaintext CloudStack keys, and answers ErrDecrypt (cause
// ErrKeyMissing) for encrypted values; a Writer stores CloudStack keys in plaintext and
// refuses vCenter passwords. Get the key from KeyFromEnv or ParseKey.
func WithKey(key []byte) Option {
	return sharedOption(func(c *config) {
		c.key = append([]byte(nil), key...)
		c.keySet = true
	})
}

// WithLogger sets the logger for warnings (plaintext passwords, default fall-backs,
// bookkeeping failures). The default is slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return sharedOption(func(c *config) { c.logger = logger })
}

// AcceptPlaintextPasswords opts in to reading vCenter passwords stored unencrypted, which are
// refused by default (ErrDecrypt, cause ErrPlaintext): values starting with TEMP_ (the
// appliance drops their first 15 characters, the TEMP_PLAINTEXT_ marker) and bare passwords
// (what the appliance stores when it runs without a key). Every read of such a row logs a
// warning naming the row (never the password) and carries it in Meta.Warnings. Re-encrypt
// the rows with Writer.ReencryptPlaintext and drop this option.
func AcceptPlaintextPasswords() SourceOption {
	return sourceOption(func(c *config) { c.acceptPlaintext = true })
}

// WithUsageTracking turns on the bookkeeping of vmware_credentials.last_used and usage_count.
// Updates run on one background goroutine fed by a bounded queue of queueSize entries
// (<= 0 means 64); when the queue is full an update is dropped rather than delaying the
// fetch, and an update that fails is logged and forgotten. A fetch never waits for, and
// never fails because of, the bookkeeping. Call Close on the source to stop the goroutine.
func WithUsageTracking(queueSize int) SourceOption {
	return sourceOption(func(c *config) {
		c.usage = true
		c.usageQueue = queueSize
	})
}

// WithClock sets the clock used for FetchedAt, last_used and the writer's timestamps. The
// default is time.Now.
func WithClock(now func() time.Time) Option {
	return sharedOption(func(c *config) { c.now = now })
}

// WithInsecureSkipVerify marks sets of kind read from this source as skipping TLS
// certificate verification: the sets of the named accounts (credential_name or name), or
// every set of kind when no account is named. The appliance's tables have no column for this
// choice, so it is made here, explicitly, per set. Clients log it when they honour it.
func WithInsecureSkipVerify(kind credentials.Kind, accounts ...string) SourceOption {
	return sourceOption(func(c *config) {
		if c.insecure == nil {
			c.insecure = map[credentials.Kind]map[string]bool{}
		}
		if c.insecure[kind] == nil {
			c.insecure[kind] = map[string]bool{}
		}
		if len(accounts) == 0 {
			c.insecure[kind]["*"] = true
		}
		for _, a := range accounts {
			c.insecure[kind][a] = true
		}
	})
}

// StrictDefault makes a default CloudStack lookup (the zero Ref) fail with ErrAmbiguous when
// ossea_configs has several active rows, instead of using the one with the lowest id as the
// appliance does (with a warning). For integrators who would rather stop than guess.
func StrictDefault() SourceOption {
	return sourceOption(func(c *config) { c.strictDefault = true })
}

// WithoutValidation lets a Writer store sets that fail CloudStack.Check or VSphere.Check
// (empty required fields, padded values, bad URLs, values out of their bounds). Tests use it
// to store broken rows; admin screens should not.
func WithoutValidation() WriterOption {
	return writerOption(func(c *config) { c.skipValidation = true })
}

func sourceConfig(opts []SourceOption) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.applySource(&c)
		}
	}
	return c.withDefaults()
}

func writerConfig(opts []WriterOption) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.applyWriter(&c)
		}
	}
	return c.withDefaults()
}

func (c config) withDefaults() config {
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.usageQueue <= 0 {
		c.usageQueue = 64
	}
	if c.usageTimeout <= 0 {
		c.usageTimeout = 2 * time.Second
	}
	return c
}

func (c *config) insecureFor(kind credentials.Kind, account string) bool {
	m := c.insecure[kind]
	return m["*"] || m[account]
}
