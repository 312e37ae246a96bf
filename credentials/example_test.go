package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// exampleLogger writes records to stdout without their time, so that examples can show the
// warnings a source logs.
func exampleLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// A Secret prints as [REDACTED] everywhere - fmt verbs, JSON, slog - and gives its value only
// to an explicit Reveal. Its fingerprint identifies it in logs without showing it.
func ExampleSecret() {
	set := credentials.VSphere{
		Host:     "vc.example.invalid",
		Username: "svc-migrate",
		Password: credentials.NewSecret("example-password"),
	}
	fmt.Printf("%v\n", set.Password)
	fmt.Printf("%+v\n", set)
	js, _ := json.Marshal(set)
	fmt.Println(string(js))

	fingerprint := set.Password.Fingerprint()
	fmt.Println(len(fingerprint), fingerprint == credentials.NewSecret("example-password").Fingerprint())
	fmt.Println(set.Password.Reveal() == "example-password")
	// Output:
	// [REDACTED]
	// {Host:vc.example.invalid Username:svc-migrate Password:[REDACTED] Datacenter: InsecureSkipVerify:false Meta:{Origin: Version: Fingerprint: FetchedAt:0001-01-01 00:00:00 +0000 UTC Warnings:[]}}
	// {"host":"vc.example.invalid","username":"svc-migrate","password":"[REDACTED]","origin":{"source":""},"version":"","fingerprint":"","fetched_at":"0001-01-01T00:00:00Z"}
	// 19 true
	// true
}

// A named account that does not exist is an error, never a quiet switch to the default.
// A caller that wants the default instead opts in with OrDefault, and the switch is logged
// as a warning.
func ExampleRef_OrDefault() {
	src := credentials.NewMemory(exampleLogger())
	src.PutCloudStack("primary", credentials.CloudStack{
		APIURL:    "https://cloud.example.invalid/client/api",
		APIKey:    credentials.NewSecret("example-api-key"),
		SecretKey: credentials.NewSecret("example-secret-key"),
	})
	ctx := context.Background()

	_, err := src.CloudStack(ctx, credentials.Account("dr-site"))
	fmt.Println(errors.Is(err, fkerrors.NotFound))
	fmt.Println(err)

	set, err := src.CloudStack(ctx, credentials.Account("dr-site").OrDefault())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("using", set.Origin)
	// Output:
	// true
	// credentials: memory cloudstack account dr-site: no cloudstack set for this account; fix: put one with Memory.PutCloudStack
	// level=WARN msg="credentials: named account missing, using the default set as the caller allowed" source=memory kind=cloudstack account=dr-site
	// using memory account primary
}

// Every credential error matches a category with errors.Is and holds a *credentials.Error
// with the account, the field at fault and the remedy.
func ExampleError() {
	src := credentials.NewMemory(nil)
	src.PutVSphere("lab-vc", credentials.VSphere{
		Host:     "vc.example.invalid",
		Username: "svc-migrate",
		// No password stored.
	})

	_, err := src.VSphere(context.Background(), credentials.Account("lab-vc"))
	var e *credentials.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, fkerrors.Incomplete), e.Source, e.Kind, e.Account, e.Field)
		fmt.Println("fix:", fkerrors.Remedy(err))
	}
	// Output:
	// true memory vsphere lab-vc password
	// fix: put a set with password filled in
}

// A Provider reports every fetch to its observer, with whether the stored set changed since
// the last fetch of the same account: a rotation shows on the very next fetch, with no
// restart. Here a Memory store's driver is wrapped in a second Provider that observes it.
func ExampleWithObserver() {
	mem := credentials.NewMemory(nil)
	set := credentials.CloudStack{
		APIURL:    "https://cloud.example.invalid/client/api",
		APIKey:    credentials.NewSecret("example-api-key-1"),
		SecretKey: credentials.NewSecret("example-secret-key-1"),
	}
	mem.PutCloudStack("primary", set)

	src := credentials.NewProvider("memory", mem.Driver(), credentials.WithObserver(credentials.ObserverFunc(func(e credentials.FetchEvent) {
		fmt.Println("fetched", e.Kind, e.Ref, "from", e.Meta.Origin, "changed:", e.VersionChanged)
	})))
	ctx := context.Background()

	first, _ := src.CloudStack(ctx, credentials.Ref{})
	_, _ = src.CloudStack(ctx, credentials.Ref{})

	// An operator rotates the keys while the program runs.
	set.APIKey = credentials.NewSecret("example-api-key-2")
	set.SecretKey = credentials.NewSecret("example-secret-key-2")
	mem.PutCloudStack("primary", set)

	third, _ := src.CloudStack(ctx, credentials.Ref{})
	fmt.Println("new fingerprint:", third.Fingerprint != first.Fingerprint)
	// Output:
	// fetched cloudstack default from memory account primary changed: false
	// fetched cloudstack default from memory account primary changed: false
	// fetched cloudstack default from memory account primary changed: true
	// new fingerprint: true
}
