package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// fileHarness lets the conformance suite write the credentials file the source reads.
type fileHarness struct {
	mu   sync.Mutex
	path string
	src  *credentials.Provider
}

func newFileHarness(t *testing.T) credentialstest.Harness {
	path := filepath.Join(t.TempDir(), "credentials.json")
	return &fileHarness{path: path, src: newFileSource(path, credentials.WithLogger(slog.New(slog.DiscardHandler)))}
}

func (h *fileHarness) Source() credentials.Source { return h.src }

// Atomic is true: every write replaces the whole file with a rename.
func (h *fileHarness) Atomic() bool { return true }

// update reads the file (an absent one is empty), lets change edit it and writes it back.
func (h *fileHarness) update(change func(*fileDoc)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var doc fileDoc
	data, err := os.ReadFile(h.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(data, &doc); err != nil {
			return err
		}
	}
	change(&doc)
	return writeFile(h.path, &doc)
}

func (h *fileHarness) PutCloudStack(_ context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	return h.update(func(doc *fileDoc) {
		if doc.CloudStack.Accounts == nil {
			doc.CloudStack.Accounts = map[string]cloudStackEntry{}
		}
		doc.CloudStack.Accounts[account] = cloudStackEntry{
			APIURL: c.APIURL, APIKey: c.APIKey.Reveal(), SecretKey: c.SecretKey.Reveal(), Domain: c.Domain,
			Zone: c.Zone, ApplianceVMID: c.ApplianceVMID, TemplateID: c.TemplateID, NetworkID: c.NetworkID,
			ServiceOfferingID: c.ServiceOfferingID, DiskOfferingID: c.DiskOfferingID,
			InsecureSkipVerify: c.InsecureSkipVerify,
		}
		if makeDefault {
			doc.CloudStack.Default = account
		}
	})
}

func (h *fileHarness) PutVSphere(_ context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	return h.update(func(doc *fileDoc) {
		if doc.VSphere.Accounts == nil {
			doc.VSphere.Accounts = map[string]vSphereEntry{}
		}
		doc.VSphere.Accounts[account] = vSphereEntry{
			Host: v.Host, Username: v.Username, Password: v.Password.Reveal(), Datacenter: v.Datacenter,
			InsecureSkipVerify: v.InsecureSkipVerify,
		}
		if makeDefault {
			doc.VSphere.Default = account
		}
	})
}

func (h *fileHarness) Delete(_ context.Context, kind credentials.Kind, account string) error {
	return h.update(func(doc *fileDoc) {
		switch kind {
		case credentials.KindCloudStack:
			delete(doc.CloudStack.Accounts, account)
		case credentials.KindVSphere:
			delete(doc.VSphere.Accounts, account)
		}
	})
}

func TestFileSourceConformance(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, newFileHarness)
}

// The file's own failure modes, which the conformance suite cannot set up.
func TestFileSourceFileErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		content  *string // nil: no file at all
		category error
		remedy   string
	}{
		"missing file":       {nil, fkerrors.NotFound, "create "},
		"not JSON":           {ptr(`{"vsphere": {"accounts": {"a": {"password": "fake-pw-` + "\x01" + `"}}}`), fkerrors.Invalid, "fix the JSON"},
		"wrong type":         {ptr(`{"vsphere": {"accounts": {"a": {"password": 12345}}}}`), fkerrors.Invalid, "fix the JSON"},
		"no default":         {ptr(`{"vsphere": {"accounts": {}}}`), fkerrors.NotFound, `set "vsphere.default"`},
		"default is missing": {ptr(`{"vsphere": {"default": "gone"}}`), fkerrors.NotFound, `add "vsphere.accounts.gone"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "credentials.json")
			if tc.content != nil {
				require.NoError(t, os.WriteFile(path, []byte(*tc.content), 0o600))
			}
			_, err := newFileSource(path).VSphere(context.Background(), credentials.Ref{})
			require.ErrorIs(t, err, tc.category)
			var e *credentials.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "file", e.Source)
			assert.Contains(t, e.Fix, tc.remedy)
			assert.Contains(t, err.Error(), path, "the error names the file")
			assert.NotContains(t, err.Error(), "fake-pw", "no value of the file in the error")
			assert.NotContains(t, err.Error(), "12345", "no value of the file in the error")
		})
	}
}

func TestFileSourceUnreadableFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	path := filepath.Join(t.TempDir(), "credentials.json")
	require.NoError(t, os.WriteFile(path, []byte(`{}`), 0o000))
	_, err := newFileSource(path).CloudStack(context.Background(), credentials.Ref{})
	require.ErrorIs(t, err, fkerrors.Permission)
	assert.Contains(t, fkerrors.Remedy(err), path)
}

func TestDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, demo(context.Background(), &out))
	for _, want := range []string{
		"cloudstack: file account primary",
		"version changed: true, fingerprint changed: true",
		"not found: true",
		`fix: add "cloudstack.accounts.dr-site"`,
		"incomplete: true",
		`fix: fill in "vsphere.accounts.lab-vc.password"`,
	} {
		assert.Contains(t, out.String(), want)
	}
	// Every secret the demo makes up starts with "fake-".
	assert.NotContains(t, out.String(), "fake-", "the demo prints no secret")
}

func ptr(s string) *string { return &s }
