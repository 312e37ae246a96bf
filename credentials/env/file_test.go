package env_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

// fileEnv returns a complete default and "prod" CloudStack and vSphere environment where the
// secrets come from files in a fresh directory, and the paths of those files.
func fileEnv(t *testing.T, tag string) (map[string]string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	vars := merge(cloudStackVars(t, "", tag), vSphereVars(t, "", tag), cloudStackVars(t, "prod", tag), vSphereVars(t, "prod", tag))
	paths := map[string]string{}
	for _, name := range []string{"CLOUDSTACK_SECRET_KEY", "VSPHERE_PASSWORD", "CLOUDSTACK_SECRET_KEY_PROD", "VSPHERE_PASSWORD_PROD"} {
		path := filepath.Join(dir, strings.ToLower(name))
		writeFile(t, path, vars[name]+"\n")
		delete(vars, name)
		vars[name+env.FileSuffix] = path
		paths[name] = path
	}
	return vars, paths
}

func TestFileVariantIsReadOnEveryCall(t *testing.T) {
	t.Parallel()
	for _, account := range []string{"", "prod"} {
		t.Run("account="+account, func(t *testing.T) {
			t.Parallel()
			vars, paths := fileEnv(t, "f")
			src := env.New(env.WithLookup(newMapEnv(vars).lookup))
			ref := credentials.Ref{Name: account}
			suffix, err := env.AccountSuffix(account)
			require.NoError(t, err)

			c, err := src.CloudStack(context.Background(), ref)
			require.NoError(t, err)
			assert.Equal(t, "fake-secretkey-f", c.SecretKey.Reveal(), "the trailing newline is trimmed")
			assert.Contains(t, c.Origin.Location, "CLOUDSTACK_SECRET_KEY"+suffix+"_FILE")
			v, err := src.VSphere(context.Background(), ref)
			require.NoError(t, err)
			assert.Equal(t, "fake-password-f", v.Password.Reveal())

			writeFile(t, paths["CLOUDSTACK_SECRET_KEY"+suffix], "fake-secretkey-rotated\n")
			writeFile(t, paths["VSPHERE_PASSWORD"+suffix], "fake-password-rotated")
			c2, err := src.CloudStack(context.Background(), ref)
			require.NoError(t, err)
			assert.Equal(t, "fake-secretkey-rotated", c2.SecretKey.Reveal(), "a rotated file is seen on the next call")
			assert.NotEqual(t, c.Version, c2.Version)
			assert.NotEqual(t, c.Fingerprint, c2.Fingerprint)
			v2, err := src.VSphere(context.Background(), ref)
			require.NoError(t, err)
			assert.Equal(t, "fake-password-rotated", v2.Password.Reveal())
			assert.NotEqual(t, v.Version, v2.Version)
		})
	}
}

func TestFileContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		content  string
		want     string
		category error // nil: accepted
	}{
		{"bare", "fake-s1", "fake-s1", nil},
		{"newline", "fake-s1\n", "fake-s1", nil},
		{"crlf", "fake-s1\r\n", "fake-s1", nil},
		{"several newlines", "fake-s1\n\n\n", "fake-s1", nil},
		{"inner space refused: keys hold none", "fake s1\n", "", fkerrors.Invalid},
		{"empty", "", "", fkerrors.Incomplete},
		{"newline only", "\n", "", fkerrors.Incomplete},
		{"white space only", "  \n", "", fkerrors.Incomplete},
		{"leading space", " fake-s1\n", "", fkerrors.Invalid},
		{"leading newline", "\nfake-s1", "", fkerrors.Invalid},
		{"space before newline", "fake-s1 \n", "", fkerrors.Invalid},
		{"trailing tab", "fake-s1\t", "", fkerrors.Invalid},
		{"too large", strings.Repeat("s", 64<<10+1), "", fkerrors.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "secret")
			writeFile(t, path, tc.content)
			vars := cloudStackVars(t, "", "c")
			delete(vars, "CLOUDSTACK_SECRET_KEY")
			vars["CLOUDSTACK_SECRET_KEY_FILE"] = path
			src := env.New(env.WithLookup(newMapEnv(vars).lookup))
			c, err := src.CloudStack(context.Background(), credentials.Ref{})
			if tc.category == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, c.SecretKey.Reveal())
				return
			}
			e := requireError(t, err, tc.category, strings.TrimSpace(tc.content))
			assert.Equal(t, credentials.FieldSecretKey, e.Field)
			assert.Contains(t, err.Error(), "CLOUDSTACK_SECRET_KEY_FILE")
			assert.Contains(t, err.Error(), path)
		})
	}
}

func TestBooleanFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := vSphereVars(t, "", "b")
	delete(vars, "VSPHERE_ALLOW_UNVERIFIED_SSL")
	vars["VSPHERE_ALLOW_UNVERIFIED_SSL_FILE"] = filepath.Join(dir, "insecure")
	src := env.New(env.WithLookup(newMapEnv(vars).lookup))

	writeFile(t, filepath.Join(dir, "insecure"), "TRUE\n")
	v, err := src.VSphere(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	assert.True(t, v.InsecureSkipVerify)

	writeFile(t, filepath.Join(dir, "insecure"), "maybe\n")
	_, err = src.VSphere(context.Background(), credentials.Ref{})
	e := requireError(t, err, fkerrors.Invalid)
	assert.Equal(t, env.FieldInsecureSkipVerify, e.Field)
	assert.Contains(t, err.Error(), "VSPHERE_ALLOW_UNVERIFIED_SSL_FILE")
	assert.NotContains(t, err.Error(), "maybe", "file contents stay out of errors")
}

func TestVariableAndFileBothSetIsAmbiguous(t *testing.T) {
	t.Parallel()
	for _, n := range documentedNames {
		for _, account := range []string{"", "prod"} {
			t.Run(n.name+"/"+account, func(t *testing.T) {
				t.Parallel()
				vars, _ := fileEnv(t, "a")
				name, err := env.Name(n.kind, n.field, account)
				require.NoError(t, err)
				vars[name] = "fake-value-a"
				vars[name+env.FileSuffix] = filepath.Join(t.TempDir(), "unused")
				src := env.New(env.WithLookup(newMapEnv(vars).lookup))
				_, _, err = fetch(context.Background(), src, n.kind, credentials.Ref{Name: account})
				e := requireError(t, err, fkerrors.Ambiguous, "fake-value-a")
				assert.Equal(t, n.field, e.Field)
				assert.Contains(t, e.Problem, name+" and "+name+"_FILE")
				assert.Contains(t, e.Fix, "unset one of "+name+" and "+name+"_FILE")
			})
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	denied := &fs.PathError{Op: "open", Path: "/run/secrets/denied", Err: fs.ErrPermission}
	tests := []struct {
		name     string
		path     string
		readFile func(string) ([]byte, error)
		category error
		remedy   string
	}{
		{"missing", filepath.Join(dir, "missing"), nil, fkerrors.Unavailable, "create "},
		{"directory", dir, nil, fkerrors.Unavailable, "readable regular file"},
		{"permission (injected)", "/run/secrets/denied",
			func(string) ([]byte, error) { return nil, denied }, fkerrors.Permission, "let this process read"},
		{"other (injected)", "/run/secrets/io",
			func(string) ([]byte, error) { return nil, errors.New("input/output error") }, fkerrors.Unavailable, "readable regular file"},
		{"oversized (injected)", "/run/secrets/big",
			func(string) ([]byte, error) { return make([]byte, 1<<20), nil }, fkerrors.Invalid, "holds only the value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vars := vSphereVars(t, "lab", "u")
			delete(vars, "VSPHERE_PASSWORD_LAB")
			vars["VSPHERE_PASSWORD_LAB_FILE"] = tc.path
			src := env.New(env.WithLookup(newMapEnv(vars).lookup), env.WithReadFile(tc.readFile))
			_, err := src.VSphere(context.Background(), credentials.Account("lab"))
			e := requireError(t, err, tc.category)
			assert.Equal(t, credentials.FieldPassword, e.Field)
			assert.Contains(t, e.Problem, "VSPHERE_PASSWORD_LAB_FILE")
			assert.Contains(t, e.Problem, tc.path)
			assert.Contains(t, e.Fix, tc.remedy)
		})
	}
}

func TestFileWithoutReadPermission(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode; TestUnreadableFile covers the mapping with an injected reader")
	}
	path := filepath.Join(t.TempDir(), "secret")
	writeFile(t, path, "fake-password-x\n")
	require.NoError(t, os.Chmod(path, 0))
	vars := vSphereVars(t, "", "x")
	delete(vars, "VSPHERE_PASSWORD")
	vars["VSPHERE_PASSWORD_FILE"] = path
	src := env.New(env.WithLookup(newMapEnv(vars).lookup))
	_, err := src.VSphere(context.Background(), credentials.Ref{})
	e := requireError(t, err, fkerrors.Permission)
	assert.Contains(t, e.Problem, path)
}
