package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func main() {
	file := flag.String("file", "", "fetch the default sets from this credentials file instead of running the demo")
	flag.Parse()
	ctx := context.Background()
	var err error
	if *file != "" {
		err = check(ctx, os.Stdout, newFileSource(*file))
	} else {
		err = demo(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "customsource:", err)
		if remedy := fkerrors.Remedy(err); remedy != "" {
			fmt.Fprintln(os.Stderr, "fix:", remedy)
		}
		os.Exit(1)
	}
}

// check fetches the default set of each kind and prints its metadata.
func check(ctx context.Context, w io.Writer, src credentials.Source) error {
	cs, err := src.CloudStack(ctx, credentials.Ref{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "cloudstack:", cs.Describe())
	vc, err := src.VSphere(ctx, credentials.Ref{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "vsphere:   ", vc.Describe())
	return nil
}

// demo writes a credentials file into a temporary directory and walks through fetching,
// rotating and the errors a caller sees.
func demo(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "customsource")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "credentials.json")

	// Obviously fake values, made up for this run.
	doc := fileDoc{
		CloudStack: section[cloudStackEntry]{Default: "primary", Accounts: map[string]cloudStackEntry{
			"primary": {APIURL: "https://cloud.example.invalid/client/api", APIKey: fakeValue("api-key"),
				SecretKey: fakeValue("secret-key"), Zone: "zone-1"},
		}},
		VSphere: section[vSphereEntry]{Default: "lab-vc", Accounts: map[string]vSphereEntry{
			"lab-vc": {Host: "vc.example.invalid", Username: "svc-migrate", Password: fakeValue("password"), Datacenter: "DC1"},
		}},
	}
	if err := writeFile(path, &doc); err != nil {
		return err
	}
	src := newFileSource(path)

	fmt.Fprintln(w, "1. fetch the default sets")
	if err := check(ctx, w, src); err != nil {
		return err
	}
	before, err := src.CloudStack(ctx, credentials.Ref{})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "2. rotate the CloudStack keys by rewriting the file; the next fetch sees them")
	primary := doc.CloudStack.Accounts["primary"]
	primary.APIKey, primary.SecretKey = fakeValue("api-key"), fakeValue("secret-key")
	doc.CloudStack.Accounts["primary"] = primary
	if err := writeFile(path, &doc); err != nil {
		return err
	}
	after, err := src.CloudStack(ctx, credentials.Ref{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "cloudstack:", after.Describe())
	fmt.Fprintf(w, "version changed: %t, fingerprint changed: %t\n",
		after.Version != before.Version, after.Fingerprint != before.Fingerprint)

	fmt.Fprintln(w, "3. a named account that does not exist is an error, never the default")
	_, err = src.CloudStack(ctx, credentials.Account("dr-site"))
	fmt.Fprintf(w, "not found: %t\n%v\n", errors.Is(err, fkerrors.NotFound), err)

	fmt.Fprintln(w, "4. a broken value fails with the key to fix")
	vc := doc.VSphere.Accounts["lab-vc"]
	vc.Password = ""
	doc.VSphere.Accounts["lab-vc"] = vc
	if err := writeFile(path, &doc); err != nil {
		return err
	}
	_, err = src.VSphere(ctx, credentials.Ref{})
	fmt.Fprintf(w, "incomplete: %t\nfix: %s\n", errors.Is(err, fkerrors.Incomplete), fkerrors.Remedy(err))
	return nil
}

// writeFile replaces the credentials file atomically: readers see the old file or the new
// one, never a mix. The file is readable by its owner only.
func writeFile(path string, doc *fileDoc) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*.json")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// fakeValue makes up a value for the demo: "fake-<what>-" and random hex.
func fakeValue(what string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "fake-" + what + "-" + hex.EncodeToString(b)
}
