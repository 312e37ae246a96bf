package credentialstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// RunConformanceTests runs the behaviour every credentials.Source must have against the
// sources that newHarness builds: fresh reads (a rotation is visible on the very next call),
// versions and fingerprints that change exactly when they should, typed errors that name the
// field and the remedy, no silent switch to the default account, prompt context
// cancellation, consistent answers under concurrent rotation, and no secret in any error,
// rendering or JSON.
func RunConformanceTests(t *testing.T, newHarness NewHarness) {
	t.Helper()
	for _, k := range kinds {
		t.Run(string(k.kind), func(t *testing.T) {
			s := suite{newHarness: newHarness, k: k}
			t.Run("DefaultSet", s.defaultSet)
			t.Run("NamedAccount", s.namedAccount)
			t.Run("RotationVisibleOnNextCall", s.rotationVisible)
			t.Run("VersionStableWithoutChange", s.versionStable)
			t.Run("VersionChangesWithNonSecretField", s.versionNonSecret)
			t.Run("NoSetIsNotFound", s.noSet)
			t.Run("NamedAccountMissingIsNotDefault", s.namedMissing)
			t.Run("DeletedSetIsNotFound", s.deleted)
			t.Run("MissingFieldIsIncomplete", s.missingField)
			t.Run("PaddedValueIsInvalid", s.paddedValue)
			t.Run("InsaneValueIsInvalid", s.insaneValue)
			t.Run("CancelledContext", s.cancelled)
			t.Run("InsecureSkipVerify", s.insecureSkipVerify)
			t.Run("AccountID", s.accountID)
			if k.kind == credentials.KindVSphere {
				t.Run("VMLink", s.vmLink)
			}
			t.Run("ConcurrentRotation", s.concurrentRotation)
			t.Run("NoSecretInOutput", s.noSecretLeak)
		})
	}
}

// values is a credential set as plain strings by logical field.
type values map[credentials.Field]string

// kind describes how the suite builds, stores and reads one kind of set.
type kind struct {
	kind     credentials.Kind
	secrets  []credentials.Field // fields whose values must never be printed
	print    credentials.Field   // the field the fingerprint is taken of
	required []credentials.Field
	padded   credentials.Field // a non-secret field used for the padding check
	insane   []insaneCase      // values out of their field's bounds
	other    credentials.Field // a non-secret field changed without touching the secret
	make     func(tag string, gen int) values
	put      func(ctx context.Context, h Harness, account string, v values, makeDefault bool) error
	fetch    func(ctx context.Context, s credentials.Source, ref credentials.Ref) (values, credentials.Meta, any, error)
}

var kinds = []kind{
	{
		kind:     credentials.KindCloudStack,
		secrets:  []credentials.Field{credentials.FieldAPIKey, credentials.FieldSecretKey},
		print:    credentials.FieldSecretKey,
		required: []credentials.Field{credentials.FieldAPIURL, credentials.FieldAPIKey, credentials.FieldSecretKey},
		padded:   credentials.FieldZone,
		other:    credentials.FieldZone,
		insane: []insaneCase{
			// Not base64, which a store of plaintext keys would take for an encrypted value.
			{"1MiB api_key", credentials.FieldAPIKey, strings.Repeat("k-", 1<<19)},
			{"control character in secret_key", credentials.FieldSecretKey, "fake-secret\x1b[2Jkey"},
			{"space in api_key", credentials.FieldAPIKey, "fake api key"},
			{"terminal escape in zone", credentials.FieldZone, "zone\x1b[31m-red"},
			{"newline in domain", credentials.FieldDomain, "ROOT\nfix: forged line"},
			{"long template_id", credentials.FieldTemplateID, strings.Repeat("t", 1000)},
		},
		make: func(tag string, gen int) values {
			g := strconv.Itoa(gen)
			return values{
				credentials.FieldAPIURL:            "https://g" + g + "-" + tag + ".cloud.example.invalid/client/api",
				credentials.FieldAPIKey:            "fake-apikey-" + tag + "-g" + g,
				credentials.FieldSecretKey:         "fake-secretkey-" + tag + "-g" + g,
				credentials.FieldDomain:            "ROOT",
				credentials.FieldZone:              "zone-g" + g,
				credentials.FieldApplianceVMID:     "appliance-" + tag + "-g" + g,
				credentials.FieldTemplateID:        "template-g" + g,
				credentials.FieldNetworkID:         "network-g" + g,
				credentials.FieldServiceOfferingID: "offering-g" + g,
				credentials.FieldDiskOfferingID:    "disk-offering-g" + g,
			}
		},
		put: func(ctx context.Context, h Harness, account string, v values, makeDefault bool) error {
			return h.PutCloudStack(ctx, account, cloudStackOf(v), makeDefault)
		},
		fetch: func(ctx context.Context, s credentials.Source, ref credentials.Ref) (values, credentials.Meta, any, error) {
			c, err := s.CloudStack(ctx, ref)
			return valuesOfCloudStack(c), c.Meta, c, err
		},
	},
	{
		kind:     credentials.KindVSphere,
		secrets:  []credentials.Field{credentials.FieldPassword},
		print:    credentials.FieldPassword,
		required: []credentials.Field{credentials.FieldHost, credentials.FieldUsername, credentials.FieldPassword},
		padded:   credentials.FieldDatacenter,
		other:    credentials.FieldDatacenter,
		insane: []insaneCase{
			{"4KiB password", credentials.FieldPassword, strings.Repeat("p", 4096)},
			{"control character in password", credentials.FieldPassword, "fake-pass\x07word"},
			{"terminal escape in username", credentials.FieldUsername, "user\x1b[2J"},
			{"bidi override in datacenter", credentials.FieldDatacenter, "dc\u202egnp.exe"},
			{"host label of 64 bytes", credentials.FieldHost, strings.Repeat("h", 64) + ".example.invalid"},
		},
		make: func(tag string, gen int) values {
			g := strconv.Itoa(gen)
			return values{
				credentials.FieldHost:       "vc-g" + g + "-" + tag + ".example.invalid",
				credentials.FieldUsername:   "fake-user-" + tag + "-g" + g,
				credentials.FieldPassword:   "fake-password-" + tag + "-g" + g,
				credentials.FieldDatacenter: "dc-g" + g,
			}
		},
		put: func(ctx context.Context, h Harness, account string, v values, makeDefault bool) error {
			return h.PutVSphere(ctx, account, vSphereOf(v), makeDefault)
		},
		fetch: func(ctx context.Context, s credentials.Source, ref credentials.Ref) (values, credentials.Meta, any, error) {
			v, err := s.VSphere(ctx, ref)
			return valuesOfVSphere(v), v.Meta, v, err
		},
	},
}

func cloudStackOf(v values) credentials.CloudStack {
	c := credentials.CloudStackFrom(v.value)
	c.InsecureSkipVerify = v[credentials.FieldInsecureSkipVerify] == "true"
	return c
}

func (v values) value(f credentials.Field) string { return v[f] }

// CloudStackFields returns c's values by field, for a harness that stores a set field by
// field: a field c leaves empty is not in the map, and FieldInsecureSkipVerify is "true" when
// the switch is on.
func CloudStackFields(c credentials.CloudStack) map[credentials.Field]string {
	return valuesOfCloudStack(c).withoutEmpty()
}

func valuesOfCloudStack(c credentials.CloudStack) values {
	v := values{
		credentials.FieldAPIURL:            c.APIURL,
		credentials.FieldAPIKey:            c.APIKey.Reveal(),
		credentials.FieldSecretKey:         c.SecretKey.Reveal(),
		credentials.FieldDomain:            c.Domain,
		credentials.FieldZone:              c.Zone,
		credentials.FieldApplianceVMID:     c.ApplianceVMID,
		credentials.FieldTemplateID:        c.TemplateID,
		credentials.FieldNetworkID:         c.NetworkID,
		credentials.FieldServiceOfferingID: c.ServiceOfferingID,
		credentials.FieldDiskOfferingID:    c.DiskOfferingID,
	}
	setInsecure(v, c.InsecureSkipVerify)
	return v
}

// setInsecure records the TLS switch in v only when it is on, so that sets the suite makes
// (which leave it off) compare equal to what is read back.
func setInsecure(v values, on bool) {
	if on {
		v[credentials.FieldInsecureSkipVerify] = "true"
	}
}

func vSphereOf(v values) credentials.VSphere {
	s := credentials.VSphereFrom(v.value)
	s.InsecureSkipVerify = v[credentials.FieldInsecureSkipVerify] == "true"
	return s
}

// VSphereFields returns v's values by field, as CloudStackFields does.
func VSphereFields(v credentials.VSphere) map[credentials.Field]string {
	return valuesOfVSphere(v).withoutEmpty()
}

func valuesOfVSphere(v credentials.VSphere) values {
	out := values{
		credentials.FieldHost:       v.Host,
		credentials.FieldUsername:   v.Username,
		credentials.FieldPassword:   v.Password.Reveal(),
		credentials.FieldDatacenter: v.Datacenter,
	}
	setInsecure(out, v.InsecureSkipVerify)
	return out
}

// withoutEmpty deletes v's empty values and returns v.
func (v values) withoutEmpty() values {
	for f, s := range v {
		if s == "" {
			delete(v, f)
		}
	}
	return v
}

type suite struct {
	newHarness NewHarness
	k          kind
}

// start returns a fresh harness, a random tag for fake values, and a context bounded so that
// a hanging source fails the test instead of the whole run.
func (s suite) start(t *testing.T) (Harness, string, context.Context) {
	t.Helper()
	h := s.newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return h, testkit.RandomHex(4), ctx
}

func (s suite) mustPut(ctx context.Context, t *testing.T, h Harness, account string, v values, makeDefault bool) {
	t.Helper()
	require.NoError(t, s.k.put(ctx, h, account, v, makeDefault), "harness could not store the %s set of %s", s.k.kind, account)
}

func (s suite) mustFetch(ctx context.Context, t *testing.T, h Harness, ref credentials.Ref) (values, credentials.Meta) {
	t.Helper()
	v, meta, _, err := s.k.fetch(ctx, h.Source(), ref)
	require.NoError(t, err)
	return v, meta
}

// requireCategory checks err's category and that it carries an *Error with a remedy that the
// message includes.
func requireCategory(t *testing.T, err error, category error) *credentials.Error {
	t.Helper()
	e := testkit.RequireErrorAs[*credentials.Error](t, err, category)
	assert.NotEmpty(t, e.Fix, "error has no remedy: %v", err)
	assert.Contains(t, err.Error(), e.Fix, "the message must include the remedy")
	return e
}

func (s suite) defaultSet(t *testing.T) {
	h, tag, ctx := s.start(t)
	want := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", want, true)
	s.mustPut(ctx, t, h, "beta", s.k.make(tag, 2), false)

	before := time.Now()
	got, meta := s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Equal(t, want, got)
	assert.NotEmpty(t, meta.Origin.Source, "origin names the source")
	assert.NotEmpty(t, meta.Version)
	assert.Equal(t, credentials.NewSecret(want[s.k.print]).Fingerprint(), meta.Fingerprint)
	assert.False(t, meta.FetchedAt.Before(before.Add(-time.Second)), "fetch time is the time of this fetch")
}

func (s suite) namedAccount(t *testing.T) {
	h, tag, ctx := s.start(t)
	s.mustPut(ctx, t, h, "alpha", s.k.make(tag, 1), true)
	want := s.k.make(tag, 2)
	s.mustPut(ctx, t, h, "beta", want, false)

	got, meta := s.mustFetch(ctx, t, h, credentials.Account("beta"))
	assert.Equal(t, want, got)
	assert.Contains(t, meta.Origin.String(), "beta", "origin names the account")
}

func (s suite) rotationVisible(t *testing.T) {
	h, tag, ctx := s.start(t)
	s.mustPut(ctx, t, h, "alpha", s.k.make(tag, 1), true)
	_, first := s.mustFetch(ctx, t, h, credentials.Ref{})

	rotated := s.k.make(tag, 2)
	s.mustPut(ctx, t, h, "alpha", rotated, true)
	got, second := s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Equal(t, rotated, got, "a rotation is visible on the very next call")
	assert.NotEqual(t, first.Version, second.Version, "version changes on rotation")
	assert.NotEqual(t, first.Fingerprint, second.Fingerprint, "fingerprint changes with the secret")

	named, _ := s.mustFetch(ctx, t, h, credentials.Account("alpha"))
	assert.Equal(t, rotated, named)
}

func (s suite) versionStable(t *testing.T) {
	h, tag, ctx := s.start(t)
	v := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", v, true)
	_, first := s.mustFetch(ctx, t, h, credentials.Ref{})
	_, second := s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Equal(t, first.Version, second.Version, "version must not change without a change")
	assert.Equal(t, first.Fingerprint, second.Fingerprint)
}

func (s suite) versionNonSecret(t *testing.T) {
	h, tag, ctx := s.start(t)
	v := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", v, true)
	_, first := s.mustFetch(ctx, t, h, credentials.Ref{})

	changed := s.k.make(tag, 1)
	changed[s.k.other] = v[s.k.other] + "-changed"
	s.mustPut(ctx, t, h, "alpha", changed, true)
	got, second := s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Equal(t, changed, got)
	assert.NotEqual(t, first.Version, second.Version, "version changes whenever the stored set changes")
	assert.Equal(t, first.Fingerprint, second.Fingerprint, "fingerprint follows the secret only")
}

func (s suite) noSet(t *testing.T) {
	h, _, ctx := s.start(t)
	_, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Ref{})
	requireCategory(t, err, fkerrors.NotFound)
}

func (s suite) namedMissing(t *testing.T) {
	h, tag, ctx := s.start(t)
	def := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", def, true)

	got, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Account("missing"))
	e := requireCategory(t, err, fkerrors.NotFound)
	assert.Contains(t, err.Error(), "missing", "the error names the account asked for")
	assert.NotEqual(t, def, got, "a missing named account never yields the default set")
	_ = e

	fallback, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Account("missing").OrDefault())
	require.NoError(t, err, "with AllowDefault a missing account falls back to the default")
	assert.Equal(t, def, fallback)
}

func (s suite) deleted(t *testing.T) {
	h, tag, ctx := s.start(t)
	s.mustPut(ctx, t, h, "alpha", s.k.make(tag, 1), true)
	s.mustPut(ctx, t, h, "beta", s.k.make(tag, 2), false)
	s.mustFetch(ctx, t, h, credentials.Account("beta"))

	require.NoError(t, h.Delete(ctx, s.k.kind, "beta"))
	_, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Account("beta"))
	requireCategory(t, err, fkerrors.NotFound)
}

func (s suite) missingField(t *testing.T) {
	for _, field := range s.k.required {
		t.Run(string(field), func(t *testing.T) {
			h, tag, ctx := s.start(t)
			v := s.k.make(tag, 1)
			v[field] = ""
			s.mustPut(ctx, t, h, "alpha", v, true)

			_, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Ref{})
			e := requireCategory(t, err, fkerrors.Incomplete)
			assert.Equal(t, field, e.Field, "the error names the missing field")
			assertNoSecret(t, err.Error(), v, s.k.secrets)
		})
	}
}

func (s suite) paddedValue(t *testing.T) {
	h, tag, ctx := s.start(t)
	v := s.k.make(tag, 1)
	v[s.k.padded] = " " + v[s.k.padded] + " "
	s.mustPut(ctx, t, h, "alpha", v, true)

	_, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Ref{})
	e := requireCategory(t, err, fkerrors.Invalid)
	assert.Equal(t, s.k.padded, e.Field)
}

// insaneCase is a value out of its field's bounds: too long, or holding a character the
// field never holds.
type insaneCase struct {
	name  string
	field credentials.Field
	value string
}

// insaneValue stores values out of their field's bounds and checks that a fetch reports
// them as fkerrors.Invalid naming the field - not as a set that a server later rejects -
// without the value (secret or not) or any control character in the message.
func (s suite) insaneValue(t *testing.T) {
	for _, tc := range s.k.insane {
		t.Run(tc.name, func(t *testing.T) {
			h, tag, ctx := s.start(t)
			v := s.k.make(tag, 1)
			v[tc.field] = tc.value
			err := s.k.put(ctx, h, "alpha", v, true)
			if errors.Is(err, ErrCannotStore) {
				t.Skipf("the store cannot hold this value: %v", err)
			}
			require.NoError(t, err, "harness could not store the %s set", s.k.kind)

			got, _, _, err := s.k.fetch(ctx, h.Source(), credentials.Ref{})
			e := requireCategory(t, err, fkerrors.Invalid)
			assert.Equal(t, tc.field, e.Field, "the error names the field at fault")
			assert.Empty(t, got[s.k.print], "no set comes with the error")
			msg := err.Error()
			assert.Less(t, len(msg), 4096, "the message does not carry the value")
			assert.NotContains(t, msg, tc.value, "the message does not echo the value")
			assertNoSecret(t, msg, v, s.k.secrets)
			testkit.AssertNoForging(t, msg, "the message")
		})
	}
}

// cancelled enforces the context rule of credentials.Source: a fetch with an ended context
// fails at once with an *credentials.Error matching fkerrors.Canceled and the context's own
// error (context.Canceled or context.DeadlineExceeded) - not a bare ctx.Err(), and not a
// set. The Provider applies the rule for every driver; a Source written without it must
// apply it itself.
func (s suite) cancelled(t *testing.T) {
	h, tag, ctx := s.start(t)
	s.mustPut(ctx, t, h, "alpha", s.k.make(tag, 1), true)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancelExpired := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancelExpired()
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		cause error
	}{
		{"canceled", canceled, context.Canceled},
		{"deadline", expired, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, ref := range []credentials.Ref{{}, credentials.Account("alpha"), credentials.Account("missing").OrDefault()} {
				got, _, _, err := s.k.fetch(tc.ctx, h.Source(), ref)
				require.Error(t, err, "a fetch with an ended context (%s) must fail", ref)
				assert.ErrorIs(t, err, tc.cause, "the error wraps the context's error")
				requireCategory(t, err, fkerrors.Canceled)
				assert.Empty(t, got[s.k.print], "no set comes with the error")
			}
		})
	}
}

// insecureSkipVerify checks the TLS verification switch: off unless the set says otherwise,
// read fresh like any other field, and part of the version. A store that cannot hold it
// must leave verification on.
func (s suite) insecureSkipVerify(t *testing.T) {
	h, tag, ctx := s.start(t)
	holds := true
	if th, ok := h.(TLSHarness); ok {
		holds = th.HoldsInsecureSkipVerify()
	}
	v := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", v, true)
	got, verified := s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Empty(t, got[credentials.FieldInsecureSkipVerify], "verification is on unless the set turns it off")

	v[credentials.FieldInsecureSkipVerify] = "true"
	s.mustPut(ctx, t, h, "alpha", v, true)
	got, unverified := s.mustFetch(ctx, t, h, credentials.Ref{})
	if !holds {
		assert.Empty(t, got[credentials.FieldInsecureSkipVerify], "a store that cannot hold the switch never turns verification off")
		return
	}
	assert.Equal(t, "true", got[credentials.FieldInsecureSkipVerify], "the switch is read on the next call")
	assert.NotEqual(t, verified.Version, unverified.Version, "turning verification off changes the version")

	delete(v, credentials.FieldInsecureSkipVerify)
	s.mustPut(ctx, t, h, "alpha", v, true)
	got, _ = s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Empty(t, got[credentials.FieldInsecureSkipVerify], "turning verification back on is read on the next call")
}

// accountID checks credentials.AccountID: for a store that numbers its sets (IDHarness) it
// selects the same set as the name, freshly; for any store an id nobody has is an error,
// never the default set.
func (s suite) accountID(t *testing.T) {
	h, tag, ctx := s.start(t)
	def := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", def, true)
	want := s.k.make(tag, 2)
	s.mustPut(ctx, t, h, "beta", want, false)

	got, _, _, err := s.k.fetch(ctx, h.Source(), credentials.AccountID(987654321))
	require.Error(t, err, "an id nobody has is an error")
	assert.NotEqual(t, def, got, "an unknown id never yields the default set")
	if !errors.Is(err, fkerrors.NotFound) {
		requireCategory(t, err, fkerrors.Invalid) // a store without ids may refuse ids
	}

	ih, ok := h.(IDHarness)
	if !ok {
		return
	}
	id, err := ih.ID(ctx, s.k.kind, "beta")
	require.NoError(t, err)
	got, _ = s.mustFetch(ctx, t, h, credentials.AccountID(id))
	assert.Equal(t, want, got, "AccountID selects the set with that id")

	rotated := s.k.make(tag, 3)
	s.mustPut(ctx, t, h, "beta", rotated, false)
	got, _ = s.mustFetch(ctx, t, h, credentials.AccountID(id))
	assert.Equal(t, rotated, got, "a rotation is visible by id on the very next call")

	_, _, _, err = s.k.fetch(ctx, h.Source(), credentials.Ref{Name: "alpha", ID: strconv.FormatInt(id, 10)})
	requireCategory(t, err, fkerrors.NotFound) // a name and an id that disagree select nothing
}

// vmLink checks credentials.VMLinker for stores that link replicated VMs to vCenter sets.
func (s suite) vmLink(t *testing.T) {
	h, tag, ctx := s.start(t)
	lh, ok := h.(VMLinkHarness)
	if !ok {
		t.Skip("the store does not link VMs to vCenter sets")
	}
	linker, ok := h.Source().(credentials.VMLinker)
	require.True(t, ok, "a source over a store that links VMs implements credentials.VMLinker")
	def := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", def, true)
	beta := s.k.make(tag, 2)
	s.mustPut(ctx, t, h, "beta", beta, false)
	gamma := s.k.make(tag, 3)
	s.mustPut(ctx, t, h, "gamma", gamma, false)

	vm := "vm-" + tag
	require.NoError(t, lh.LinkVM(ctx, vm, "beta"))
	v, err := linker.VSphereForVM(ctx, vm)
	require.NoError(t, err)
	assert.Equal(t, beta, valuesOfVSphere(v), "the VM's linked set")
	assert.Equal(t, credentials.NewSecret(beta[s.k.print]).Fingerprint(), v.Meta.Fingerprint)

	rotated := s.k.make(tag, 4)
	s.mustPut(ctx, t, h, "beta", rotated, false)
	v, err = linker.VSphereForVM(ctx, vm)
	require.NoError(t, err)
	assert.Equal(t, rotated, valuesOfVSphere(v), "a rotation of the linked set is visible on the next call")

	require.NoError(t, lh.LinkVM(ctx, vm, "gamma"))
	v, err = linker.VSphereForVM(ctx, vm)
	require.NoError(t, err)
	assert.Equal(t, gamma, valuesOfVSphere(v), "a re-link is followed on the next call")

	v, err = linker.VSphereForVM(ctx, "unknown-"+tag)
	require.Error(t, err, "a VM the store does not know is an error")
	assert.NotEqual(t, def, valuesOfVSphere(v), "an unknown VM never yields the default set")
	requireCategory(t, err, fkerrors.NotFound)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = linker.VSphereForVM(canceled, vm)
	assert.ErrorIs(t, err, context.Canceled)
	requireCategory(t, err, fkerrors.Canceled)
}

// concurrentRotation runs 50 readers while the set is rotated through generations. Each
// answer must be one whole generation, or, for a non-atomic store, each field must come from
// a generation that was current at some time during that read.
func (s suite) concurrentRotation(t *testing.T) {
	h, tag, ctx := s.start(t)
	const readers, rotations = 50, 20
	s.mustPut(ctx, t, h, "alpha", s.k.make(tag, 0), true)

	var gen atomic.Int64 // the last generation whose Put has returned
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, readers)
	src := h.Source()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				low := gen.Load()
				got, meta, _, err := s.k.fetch(ctx, src, credentials.Ref{})
				high := gen.Load() + 1 // a Put may be under way
				if err != nil {
					errs <- fmt.Errorf("fetch during rotation: %w", err)
					return
				}
				if err := s.checkGenerations(tag, got, meta, low, high, h.Atomic()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for g := 1; g <= rotations; g++ {
		if err := s.k.put(ctx, h, "alpha", s.k.make(tag, g), true); err != nil {
			close(done)
			wg.Wait()
			require.NoError(t, err)
		}
		gen.Store(int64(g))
		time.Sleep(time.Millisecond)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, _ := s.mustFetch(ctx, t, h, credentials.Ref{})
	assert.Equal(t, s.k.make(tag, rotations), got, "after the last rotation every reader sees it")
}

func (s suite) checkGenerations(tag string, got values, meta credentials.Meta, low, high int64, atomicStore bool) error {
	fieldGen := map[credentials.Field]int64{}
	for field, value := range got {
		found := int64(-1)
		for g := low; g <= high; g++ {
			if s.k.make(tag, int(g))[field] == value {
				found = g
				break
			}
		}
		if found < 0 {
			return fmt.Errorf("field %s is from no generation between %d and %d", field, low, high)
		}
		fieldGen[field] = found
	}
	if !atomicStore {
		return nil
	}
	var first int64 = -1
	for field, g := range fieldGen {
		if s.k.make(tag, int(low))[field] == s.k.make(tag, int(high))[field] {
			continue // this field has the same value in both generations
		}
		if first < 0 {
			first = g
		} else if g != first {
			return fmt.Errorf("mixed set: fields from generations %d and %d", first, g)
		}
	}
	if first >= 0 && meta.Fingerprint != credentials.NewSecret(s.k.make(tag, int(first))[s.k.print]).Fingerprint() {
		return fmt.Errorf("fingerprint does not match the generation %d returned", first)
	}
	return nil
}

func (s suite) noSecretLeak(t *testing.T) {
	h, tag, ctx := s.start(t)
	v := s.k.make(tag, 1)
	s.mustPut(ctx, t, h, "alpha", v, true)

	_, _, set, err := s.k.fetch(ctx, h.Source(), credentials.Ref{})
	require.NoError(t, err)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecret(t, fmt.Sprintf(format, set), v, s.k.secrets)
	}
	js, err := json.Marshal(set)
	require.NoError(t, err)
	assertNoSecret(t, string(js), v, s.k.secrets)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("fetched", "set", set)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("fetched", "set", set)
	assertNoSecret(t, logged.String(), v, s.k.secrets)

	// Errors built while the secrets are stored: a missing account beside a good default, then
	// a broken field beside the secrets.
	_, _, _, err = s.k.fetch(ctx, h.Source(), credentials.Account("missing"))
	require.Error(t, err)
	assertNoSecret(t, fmt.Sprintf("%v %+v", err, err), v, s.k.secrets)
	broken := s.k.make(tag, 1)
	broken[s.k.padded] = " padded "
	s.mustPut(ctx, t, h, "alpha", broken, true)
	_, _, _, err = s.k.fetch(ctx, h.Source(), credentials.Ref{})
	require.Error(t, err)
	assertNoSecret(t, fmt.Sprintf("%v %+v", err, err), broken, s.k.secrets)
}

func assertNoSecret(t *testing.T, text string, v values, secrets []credentials.Field) {
	t.Helper()
	for _, f := range secrets {
		if v[f] != "" && strings.Contains(text, v[f]) {
			t.Errorf("the value of %s appears in output: %q", f, text)
		}
	}
}
