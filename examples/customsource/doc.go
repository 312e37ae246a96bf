// Command customsource shows how to write a credentials.Source from scratch. Its fileSource
// reads the CloudStack and vCenter credential sets from a JSON file on every call, so that
// rewriting the file rotates them with no restart and no file watcher. Its tests run the
// conformance suite every source must pass (credentialstest.RunConformanceTests).
//
// With no arguments it writes a demo file into a temporary directory, fetches from it,
// rotates the keys by rewriting the file, and shows the errors a caller gets. With -file it
// fetches the default sets from a file of yours and prints where they came from, their
// version and fingerprint (never a secret).
//
//	go run ./examples/customsource
//	go run ./examples/customsource -file /etc/failover/credentials.json
//
// # What a source must do
//
//   - Read the backing store on every call; keep no credential between calls.
//   - Implement credentials.Driver - the two reads - and hand it to credentials.NewProvider.
//     The Provider does the rest the same way for every store: Ref.AllowDefault's fall-back
//     with its warning, fingerprints, fetch times and content versions, the context rule,
//     observation.
//   - Resolve the zero Ref to the default set and a named Ref to that account only.
//   - Check the set (CloudStack.Check, VSphere.Check) and give it an Origin that names where
//     it was read, never a value.
//   - Return *credentials.Error values with a category and a remedy naming what to change.
//   - Be safe for concurrent use.
//
// # Errors
//
// A missing file or account is ErrNotFound, an unreadable file ErrPermission or
// ErrUnavailable, a file that is not valid JSON ErrInvalid (the message gives the byte
// offset, never the text around it), an empty or padded value ErrIncomplete or ErrInvalid
// naming the JSON key to fix.
//
// # Concurrency
//
// A fileSource holds only its path, logger and clock. Each call reads the whole file once, so a set
// is never a mix of two versions as long as writers replace the file by renaming a new one
// over it (writeFile does).
package main
