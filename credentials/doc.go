// Package credentials defines how failoverkit obtains the CloudStack and vCenter credentials
// an operation uses: the Source interface, the credential set types, secret redaction, typed
// errors, and test doubles.
//
// # Fetched fresh, every operation
//
// A Source reads its backing store on every call. An operation (a test failover, a rollback)
// fetches the sets it needs once at its start and drops them at its end; the next operation
// fetches again. A credential change therefore takes effect on the next operation, with no
// restart and no reload call.
//
// # Selecting an account
//
// A Ref names an account by name or id; the zero Ref means the default (the active CloudStack
// configuration, the default active vCenter set). A named account that does not exist is
// fkerrors.NotFound, never a quiet switch to the default. A caller may opt in with Ref.AllowDefault
// (or Ref.OrDefault); each such switch is then logged as a warning. The Provider does this
// for every driver.
//
// # Sets and metadata
//
// CloudStack and VSphere carry the values an operation needs, with secrets held in Secret,
// plus Meta: where the set came from (Origin), a Version that changes whenever the stored set
// changes, a short Fingerprint of the secret, and the fetch time. Logs and job records use
// Meta.Describe to say "which credentials, which version" without showing a secret.
//
// # Errors
//
// Every error a source returns matches one category of the module's error model with
// errors.Is - fkerrors.NotFound, Incomplete, Invalid, Ambiguous, Decrypt, Permission,
// Unavailable, Unauthenticated, and Canceled when the caller's context ended - and holds an
// *Error (errors.As) naming the source, the kind of set, the account, the field at fault and
// the remedy; the message ends with the remedy, once, and fkerrors.Remedy returns it. No
// error, log line, %v rendering or JSON encoding ever contains a secret value. Values from a
// store or a request (account names, locations, zones, user names) appear in messages and
// log attributes through fkerrors.Visible, so a control character, a newline or a
// bidirectional override in one is shown as an escape.
//
// # Field bounds
//
// Check (through CheckField) bounds every field when a set is fetched: keys at most 255 bytes
// of printable ASCII without spaces, resource ids 64, account ids 40, URLs 8000, host names
// 253 in labels of 63, names 255 without control characters, passwords 1024 without control
// characters. A value past them is fkerrors.Invalid naming the field and its length or the
// offset of the bad character - a 1 MB api_key is "api_key is 1048576 bytes, at most 255",
// not a rejected login later. The Provider checks every set a driver returns, and every Ref
// before a read, so every source applies the bounds.
//
// # Concurrency
//
// Sources are safe for concurrent use, and so are Provider, Memory, Static and Funcs.
//
// # Context rule
//
// A fetch whose context has ended - before the read or during it - fails with an *Error
// matching fkerrors.Canceled that wraps the context's error, so errors.Is(err,
// context.Canceled) and errors.Is(err, context.DeadlineExceeded) work as well. Never a bare
// ctx.Err(), never a set. credentialstest enforces it.
//
// # Implementations
//
// A store becomes a Source through a Driver, which implements only the reads; NewProvider
// wraps it in a Provider, which applies once, for every store, the default fall-back with
// its warning, the metadata stamping, the context rule and observation (WithObserver). A
// driver whose store keeps a set field by field builds it with CloudStackFrom or VSphereFrom.
// Subpackages: database (the appliance's tables through gorm), env (environment variables
// and files), vault (HashiCorp Vault KV v2) each return a *Provider over their driver;
// examples/customsource shows a driver of your own. credentialstest holds the conformance
// suite every Source runs.
package credentials
