package credentialstest_test

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// The suite must fail sources that break the rules; each broken source below is run in a
// child process (a failing subtest would otherwise fail this test) and must fail exactly the
// checks named.
func TestSuiteFailsBrokenSources(t *testing.T) {
	if mode := os.Getenv("CREDENTIALSTEST_BROKEN"); mode != "" {
		credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
			return &brokenHarness{m: credentials.NewMemory(nil), mode: mode}
		})
		return
	}
	t.Parallel()
	tests := []struct {
		mode    string
		failing []string
	}{
		{"caching", []string{"RotationVisibleOnNextCall", "ConcurrentRotation"}},
		{"silent-default", []string{"NamedAccountMissingIsNotDefault"}},
		{"leaky-errors", []string{"NoSecretInOutput"}},
		{"bare-context-error", []string{"CancelledContext"}},
		{"drops-tls-switch", []string{"InsecureSkipVerify"}},
		{"unknown-id-is-default", []string{"AccountID"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteFailsBrokenSources$", "-test.v")
			cmd.Env = append(os.Environ(), "CREDENTIALSTEST_BROKEN="+tt.mode)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the suite passed a %s source:\n%s", tt.mode, out)
			for _, name := range tt.failing {
				assert.Contains(t, string(out), "--- FAIL: TestSuiteFailsBrokenSources/cloudstack/"+name)
			}
			assert.NotContains(t, string(out), "--- FAIL: TestSuiteFailsBrokenSources/cloudstack/DefaultSet")
		})
	}
}

// brokenHarness wraps Memory in a source that breaks one rule.
type brokenHarness struct {
	m    *credentials.Memory
	mode string
	mu   sync.Mutex
	seen map[credentials.Ref]credentials.CloudStack
}

func (h *brokenHarness) Source() credentials.Source {
	return credentials.Funcs{
		CloudStackFunc: func(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
			switch h.mode {
			case "caching":
				h.mu.Lock()
				defer h.mu.Unlock()
				if c, ok := h.seen[ref]; ok {
					return c, nil
				}
				c, err := h.m.CloudStack(ctx, ref)
				if err == nil {
					if h.seen == nil {
						h.seen = map[credentials.Ref]credentials.CloudStack{}
					}
					h.seen[ref] = c
				}
				return c, err
			case "silent-default":
				c, err := h.m.CloudStack(ctx, ref)
				if err != nil && !ref.IsDefault() {
					return h.m.CloudStack(ctx, credentials.Ref{})
				}
				return c, err
			case "bare-context-error":
				if err := ctx.Err(); err != nil {
					return credentials.CloudStack{}, err
				}
				return h.m.CloudStack(context.Background(), ref)
			case "drops-tls-switch":
				c, err := h.m.CloudStack(ctx, ref)
				c.InsecureSkipVerify = false
				return c, err
			case "unknown-id-is-default":
				if ref.ID != "" {
					ref = credentials.Ref{}
				}
				return h.m.CloudStack(ctx, ref)
			default: // leaky-errors
				c, err := h.m.CloudStack(ctx, ref)
				if err != nil {
					if def, derr := h.m.CloudStack(ctx, credentials.Ref{}); derr == nil {
						return c, &credentials.Error{Code: fkerrors.NotFound, Source: "broken",
							Fix: "the stored key is " + def.SecretKey.Reveal()}
					}
				}
				return c, err
			}
		},
		VSphereFunc: h.m.VSphere,
	}
}

func (h *brokenHarness) PutCloudStack(_ context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	h.m.PutCloudStack(account, c)
	if makeDefault {
		h.m.SetDefault(credentials.KindCloudStack, account)
	}
	return nil
}

func (h *brokenHarness) PutVSphere(_ context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	h.m.PutVSphere(account, v)
	if makeDefault {
		h.m.SetDefault(credentials.KindVSphere, account)
	}
	return nil
}

func (h *brokenHarness) Delete(_ context.Context, kind credentials.Kind, account string) error {
	h.m.Remove(kind, account)
	return nil
}

func (h *brokenHarness) Atomic() bool { return true }
