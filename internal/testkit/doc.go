// Package testkit holds the helpers the module's tests share, so that each is written, and
// fixed, once.
//
// # What is here
//
//   - LogBuffer collects an slog logger's output for assertions (a secret never logged,
//     a warning logged once).
//   - Clock is a clock a test moves by hand, for code that takes a now function.
//   - RandomHex makes up distinct values (names, fake secrets) at run time, so that no
//     credential is written into a test and parallel tests do not collide.
//   - Forgers and AssertNoForging check that values a store or server could hold to forge an
//     operator's output are shown escaped.
//   - RequireErrorAs checks an error's category with errors.Is and returns its detail type
//     (errors.As) for further checks.
//
// # Imports
//
// testkit imports nothing from this module, so that every package's tests - in-package ones
// included - can use it without an import cycle.
//
// # Concurrency
//
// LogBuffer and Clock are safe for concurrent use; the code under test may log or read the
// time from other goroutines while the test reads them.
package testkit
