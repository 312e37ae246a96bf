package database_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

func TestVSphereForVM(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, src, w := newStore(t, backend)
			passwords := map[string]string{}
			for _, name := range []string{"default-vc", "lab-vc", "retired-vc", "doomed-vc"} {
				passwords[name] = fakeSecret(t, "password")
				_, err := w.PutVSphere(ctx, name, credentials.VSphere{Host: name + ".example.invalid", Username: "svc",
					Password: credentials.NewSecret(passwords[name]), Datacenter: "DC"})
				require.NoError(t, err)
			}
			require.NoError(t, w.SetDefaultVSphere(ctx, "default-vc"))
			require.NoError(t, w.DeactivateVSphere(ctx, "retired-vc"))
			require.NoError(t, w.LinkVM(ctx, "ctx-web-1", "web", "lab-vc"))
			require.NoError(t, w.LinkVM(ctx, "ctx-db-1", "db", ""))
			require.NoError(t, w.LinkVM(ctx, "ctx-old-1", "old", "retired-vc"))
			require.NoError(t, w.LinkVM(ctx, "ctx-gone-1", "gone", "doomed-vc"))
			require.NoError(t, w.DeleteVSphere(ctx, "doomed-vc")) // leaves a dangling link (no foreign key here)
			require.NoError(t, w.LinkVM(ctx, "ctx-twin-1", "twin", "lab-vc"))
			require.NoError(t, w.LinkVM(ctx, "ctx-twin-2", "twin", "default-vc"))
			require.NoError(t, w.LinkVM(ctx, "ctx-pair-1", "pair", "lab-vc"))
			require.NoError(t, w.LinkVM(ctx, "ctx-pair-2", "pair", "lab-vc"))

			cases := []struct {
				vm       string
				want     string // account; "" means an error
				category error
				contains []string
			}{
				{vm: "ctx-web-1", want: "lab-vc"},
				{vm: "web", want: "lab-vc"},
				{vm: "db", want: "default-vc", contains: []string{"default set"}},
				{vm: "pair", want: "lab-vc"},
				{vm: "ctx-twin-2", want: "default-vc"},
				{vm: "twin", category: credentials.ErrAmbiguous, contains: []string{"ctx-twin-1", "ctx-twin-2", "context_id"}},
				{vm: "old", category: credentials.ErrNotFound, contains: []string{"inactive", "activate it", "LinkVM"}},
				{vm: "gone", category: credentials.ErrNotFound, contains: []string{"linked to vmware_credentials id=", "LinkVM"}},
				{vm: "nobody", category: credentials.ErrNotFound, contains: []string{"nobody"}},
				{vm: " ", category: credentials.ErrNotFound},
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
				var secrets []string
				for _, p := range passwords {
					secrets = append(secrets, p)
				}
				requireErr(t, err, tc.category, "", secrets, tc.contains...)
				assert.Empty(t, v.Password.Reveal())
			}

			// Clearing a link moves the VM to the default set on the next call.
			require.NoError(t, w.LinkVM(ctx, "ctx-web-1", "web", ""))
			v, err := src.VSphereForVM(ctx, "web")
			require.NoError(t, err)
			assert.Equal(t, "default-vc", v.Origin.Account)

			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err = src.VSphereForVM(cctx, "web")
			assert.ErrorIs(t, err, context.Canceled)
		})
	}
}
