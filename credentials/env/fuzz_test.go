package env_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

var categories = []error{
	fkerrors.NotFound, fkerrors.Incomplete, fkerrors.Invalid, fkerrors.Ambiguous,
	fkerrors.Decrypt, fkerrors.Permission, fkerrors.Unavailable, fkerrors.Unauthenticated,
}

var suffixPattern = regexp.MustCompile(`^_[A-Z0-9]+(_[A-Z0-9]+)*$`)

// FuzzParse builds an environment from the fuzzer's input - an account name, a value, a file
// content and two bits per variable choosing unset, variable, file or both - and checks that
// fetching never panics, that every error is a typed *credentials.Error with a remedy, that a
// returned set passes Check, and that no secret appears in any error or rendering.
func FuzzParse(f *testing.F) {
	f.Add("prod", "value", "content\n", uint32(0x5555_5555), false)
	f.Add("", "https://cloud.example.invalid/client/api", "", uint32(0xffff_ffff), false)
	f.Add("prod-eu", " padded", "x\r\n", uint32(0xaaaa_aaaa), true)
	f.Add("file", "true", "yes", uint32(0x1234_5678), false)
	f.Add("--", "", "\n", uint32(0), true)
	f.Add("zürich", "vc.example.invalid:443", "1", uint32(0x0f0f_0f0f), false)
	f.Fuzz(func(t *testing.T, account, value, content string, modes uint32, fileErr bool) {
		sum := sha256.Sum256(fmt.Appendf(nil, "%q %q %q %d %t", account, value, content, modes, fileErr))
		token := "tok" + hex.EncodeToString(sum[:8]) // the fuzzer cannot place this elsewhere
		secret := map[credentials.Field]bool{
			credentials.FieldAPIKey: true, credentials.FieldSecretKey: true, credentials.FieldPassword: true,
		}

		vars := map[string]string{}
		files := map[string]string{}
		for i, n := range documentedNames {
			suffix, err := env.AccountSuffix(account)
			if err != nil {
				suffix = "_X"
			}
			name := n.name + suffix
			v, c := value, content
			if secret[n.field] {
				v, c = value+token, content+token
			}
			mode := modes >> (2 * uint(i)) & 3
			if mode&1 != 0 {
				vars[name] = v
			}
			if mode&2 != 0 {
				vars[name+env.FileSuffix] = "mem:" + name
				files["mem:"+name] = c
			}
		}
		readFile := func(path string) ([]byte, error) {
			if fileErr {
				return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
			}
			c, ok := files[path]
			if !ok {
				return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
			}
			return []byte(c), nil
		}
		src := env.New(env.WithLookup(func(name string) (string, bool) {
			v, ok := vars[name]
			return v, ok
		}), env.WithReadFile(readFile))

		for _, ref := range []credentials.Ref{{}, {Name: account}, {ID: account, AllowDefault: true}} {
			for _, kind := range []credentials.Kind{credentials.KindCloudStack, credentials.KindVSphere} {
				set, meta, err := fetch(context.Background(), src, kind, ref)
				if err != nil {
					checkTypedError(t, err, token)
					continue
				}
				switch s := set.(type) {
				case credentials.CloudStack:
					if p := s.Check(); p != nil {
						t.Fatalf("returned a set that fails Check: %v", p.Reason)
					}
				case credentials.VSphere:
					if p := s.Check(); p != nil {
						t.Fatalf("returned a set that fails Check: %v", p.Reason)
					}
				}
				if meta.Origin.Source != "env" || meta.Version == "" {
					t.Fatalf("incomplete meta: %+v", meta)
				}
				js, _ := json.Marshal(set)
				if out := fmt.Sprintf("%v %+v %#v %s", set, set, set, js); strings.Contains(out, token) {
					t.Fatalf("secret in rendering: %s", out)
				}
			}
		}

		suffix, err := env.AccountSuffix(account)
		switch {
		case err != nil:
			checkTypedError(t, err, token)
		case account == "" && suffix != "":
			t.Fatalf("default account got suffix %q", suffix)
		case account != "" && (!suffixPattern.MatchString(suffix) || strings.HasSuffix(suffix, env.FileSuffix)):
			t.Fatalf("account %q got a suffix the scheme forbids: %q", account, suffix)
		}
	})
}

func checkTypedError(t *testing.T, err error, token string) {
	t.Helper()
	var e *credentials.Error
	if !errors.As(err, &e) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	matched := 0
	for _, c := range categories {
		if errors.Is(err, c) {
			matched++
		}
	}
	if matched != 1 {
		t.Fatalf("error matches %d categories: %v", matched, err)
	}
	if e.Fix == "" || !strings.Contains(err.Error(), e.Fix) {
		t.Fatalf("error without remedy: %v", err)
	}
	if out := fmt.Sprintf("%v %+v", err, err); strings.Contains(out, token) {
		t.Fatalf("secret in error: %s", out)
	}
}
