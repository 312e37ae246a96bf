package database_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// TestVSphereForVM runs the per-VM selection on the appliance's tables, with the link column
// spelled either way.
func TestVSphereForVM(t *testing.T) {
	t.Parallel()
	links := []string{appliancedb.LinkCredentialID, appliancedb.LinkVMwareCredentialID}
	appliancedb.EachLink(t, links, func(t *testing.T, backend testdb.Backend, db *gorm.DB, link string) {
		ctx := context.Background()
		src, w := newSourceAndWriter(t, db)
		passwords := map[string]string{}
		for _, name := range []string{"default-vc", "lab-vc", "retired-vc"} {
			passwords[name] = fakeSecret(t, "password")
			_, err := w.PutVSphere(ctx, name, credentials.VSphere{Host: name + ".example.invalid", Username: "svc",
				Password: credentials.NewSecret(passwords[name]), Datacenter: "DC"})
			require.NoError(t, err)
		}
		require.NoError(t, w.SetDefaultVSphere(ctx, "default-vc"))
		require.NoError(t, w.DeactivateVSphere(ctx, "retired-vc"))
		for _, c := range []struct{ id, name, host, set string }{
			{"ctx-web-1", "web", "vc1", "lab-vc"}, {"ctx-db-1", "db", "vc1", ""}, {"ctx-old-1", "old", "vc1", "retired-vc"},
			{"ctx-twin-1", "twin", "vc1", "lab-vc"}, {"ctx-twin-2", "twin", "vc2", "default-vc"},
			{"ctx-pair-1", "pair", "vc1", "lab-vc"}, {"ctx-pair-2", "pair", "vc2", "lab-vc"},
		} {
			appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: c.id, VMName: c.name, VCenterHost: c.host + ".example.invalid"})
			require.NoError(t, w.LinkVM(ctx, c.id, c.set))
		}

		cases := []struct {
			vm       string
			want     string // account; "" means an error
			category error
			contains []string
		}{
			{vm: "ctx-web-1", want: "lab-vc", contains: []string{"via vm_replication_contexts context_id=ctx-web-1"}},
			{vm: "web", want: "lab-vc"},
			{vm: "db", want: "default-vc", contains: []string{"default set", "has no " + link}},
			{vm: "pair", want: "lab-vc"},
			{vm: "ctx-twin-2", want: "default-vc"},
			{vm: "twin", category: fkerrors.Ambiguous, contains: []string{"ctx-twin-1", "ctx-twin-2", "context_id"}},
			{vm: "old", category: fkerrors.NotFound, contains: []string{"inactive", "activate it", "LinkVM", link}},
			{vm: "nobody", category: fkerrors.NotFound, contains: []string{"nobody", "OMA GUI"}},
			{vm: " ", category: fkerrors.NotFound},
		}
		var secrets []string
		for _, p := range passwords {
			secrets = append(secrets, p)
		}
		for _, tc := range cases {
			v, err := src.VSphereForVM(ctx, tc.vm)
			if tc.category == nil {
				require.NoError(t, err, tc.vm)
				assert.Equal(t, tc.want, v.Origin.Account, tc.vm)
				assert.Equal(t, passwords[tc.want], v.Password.Reveal(), tc.vm)
				for _, c := range tc.contains {
					assert.Contains(t, v.Origin.Location, c)
				}
				continue
			}
			requireErr(t, err, tc.category, "", secrets, tc.contains...)
			assert.Empty(t, v.Password.Reveal())
		}

		// Clearing a link moves the VM to the default set on the next call.
		require.NoError(t, w.LinkVM(ctx, "ctx-web-1", ""))
		v, err := src.VSphereForVM(ctx, "web")
		require.NoError(t, err)
		assert.Equal(t, "default-vc", v.Origin.Account)

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = src.VSphereForVM(cctx, "web")
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// TestLinkColumnReadOnEveryCall renames the link column under a live Source and Writer: both
// follow the table as it is, so nothing about it was remembered.
func TestLinkColumnReadOnEveryCall(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend, appliancedb.WithLinkColumn(appliancedb.LinkVMwareCredentialID))
		src, w := newSourceAndWriter(t, db)
		linkToLab(t, db, w)
		v, err := src.VSphereForVM(ctx, "ctx-1")
		require.NoError(t, err)
		assert.Equal(t, "lab-vc", v.Origin.Account)

		rename := "ALTER TABLE vm_replication_contexts RENAME COLUMN vmware_credential_id TO credential_id"
		require.NoError(t, db.Exec(rename).Error)
		v, err = src.VSphereForVM(ctx, "ctx-1")
		require.NoError(t, err, "the same source reads the renamed column")
		assert.Equal(t, "lab-vc", v.Origin.Account)
		require.NoError(t, w.LinkVM(ctx, "ctx-1", ""))
		v, err = src.VSphereForVM(ctx, "ctx-1")
		require.NoError(t, err)
		assert.Equal(t, "default-vc", v.Origin.Account, "the same writer wrote the renamed column")
		assert.Contains(t, v.Origin.Location, "has no credential_id")
	})
}

func TestNoLinkColumn(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend, appliancedb.WithLinkColumn(appliancedb.NoLink))
		src, w := newSourceAndWriter(t, db)
		_, err := w.PutVSphere(ctx, "vc", validVSphere(t, "vc.example.invalid"))
		require.NoError(t, err)
		appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1"})

		_, err = src.VSphereForVM(ctx, "ctx-1")
		requireErr(t, err, fkerrors.Invalid, "", nil, "vm_replication_contexts", "credential_id", "vmware_credential_id", "appliance's database")
		err = w.LinkVM(ctx, "ctx-1", "vc")
		requireErr(t, err, fkerrors.Invalid, "", nil, "neither credential_id")
		require.NoError(t, w.DeleteVSphere(ctx, "vc"), "with no link column nothing can be linked to the set")
	})
}

// TestBothLinkColumns: a table with both columns is read when they agree and refused, naming
// both, when they do not.
func TestBothLinkColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := appliancedb.Open(t, testdb.SQLite)
	require.NoError(t, db.Exec("ALTER TABLE vm_replication_contexts ADD COLUMN vmware_credential_id int(11) DEFAULT NULL").Error)
	src, w := newSourceAndWriter(t, db)
	linkToLab(t, db, w)
	v, err := src.VSphereForVM(ctx, "ctx-1")
	require.NoError(t, err, "LinkVM keeps both columns in step")
	assert.Equal(t, "lab-vc", v.Origin.Account)

	require.NoError(t, db.Exec("UPDATE vm_replication_contexts SET vmware_credential_id = NULL").Error)
	_, err = src.VSphereForVM(ctx, "ctx-1")
	requireErr(t, err, fkerrors.Ambiguous, "", nil, "credential_id (2)", "vmware_credential_id (NULL)")
}

// TestLinkVMNeverCreatesAContext: only the appliance inserts replication contexts.
func TestLinkVMNeverCreatesAContext(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		for name, db := range map[string]*gorm.DB{"appliance": appliancedb.Open(t, backend), "migrated": migrated(t, backend)} {
			_, w := newSourceAndWriter(t, db)
			_, err := w.PutVSphere(ctx, "vc", validVSphere(t, "vc.example.invalid"))
			require.NoError(t, err)
			err = w.LinkVM(ctx, "ctx-missing", "vc")
			requireErr(t, err, fkerrors.NotFound, "", nil, "ctx-missing", "the appliance creates replication contexts", "never inserts")
			assert.ErrorIs(t, err, database.ErrNoContext, name)
			var n int64
			require.NoError(t, db.Raw("SELECT COUNT(*) FROM vm_replication_contexts").Scan(&n).Error)
			assert.Zero(t, n, name)
		}
	})
}

// TestDeleteLinkedVSphereSet: deleting a set VMs are linked to would, through the
// appliance's foreign key, move them to the default set silently; the Writer refuses.
func TestDeleteLinkedVSphereSet(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		src, w := newSourceAndWriter(t, db)
		linkToLab(t, db, w)

		err := w.DeleteVSphere(ctx, "lab-vc")
		requireErr(t, err, fkerrors.Invalid, "", nil, "ctx-1", "LinkVM")
		assert.ErrorIs(t, err, database.ErrInUse)
		v, err := src.VSphereForVM(ctx, "ctx-1")
		require.NoError(t, err)
		assert.Equal(t, "lab-vc", v.Origin.Account, "the set and the link are still there")

		require.NoError(t, w.LinkVM(ctx, "ctx-1", "default-vc"))
		require.NoError(t, w.DeleteVSphere(ctx, "lab-vc"))
		_, err = src.VSphere(ctx, credentials.Account("lab-vc"))
		require.ErrorIs(t, err, fkerrors.NotFound)
	})
}

// TestDanglingLink: where foreign keys are not enforced (SQLite by default) a link can point
// at a set that is gone; that is an error, never the default set.
func TestDanglingLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := appliancedb.Open(t, testdb.SQLite)
	src, w := newSourceAndWriter(t, db)
	_, err := w.PutVSphere(ctx, "default-vc", validVSphere(t, "vc.example.invalid"))
	require.NoError(t, err)
	require.NoError(t, w.SetDefaultVSphere(ctx, "default-vc"))
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-gone"})
	require.NoError(t, db.Exec("UPDATE vm_replication_contexts SET credential_id = 99").Error)
	_, err = src.VSphereForVM(ctx, "ctx-gone")
	requireErr(t, err, fkerrors.NotFound, "", nil, "linked to vmware_credentials id=99", "LinkVM")
}

// linkToLab stores the vCenter sets "default-vc", the default, and "lab-vc", and links the
// replication context "ctx-1", which it inserts, to "lab-vc".
func linkToLab(t *testing.T, db *gorm.DB, w *database.Writer) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"default-vc", "lab-vc"} {
		_, err := w.PutVSphere(ctx, name, validVSphere(t, name+".example.invalid"))
		require.NoError(t, err)
	}
	require.NoError(t, w.SetDefaultVSphere(ctx, "default-vc"))
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1"})
	require.NoError(t, w.LinkVM(ctx, "ctx-1", "lab-vc"))
}

// migrated opens a fresh database on backend and runs Migrate on it.
func migrated(t testing.TB, backend testdb.Backend) *gorm.DB {
	t.Helper()
	db := testdb.Open(t, backend)
	require.NoError(t, database.Migrate(context.Background(), db))
	return db
}
