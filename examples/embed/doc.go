// Command embed shows how an existing API server swaps the CloudStack client it built once
// at start-up for the failover Engine, in a small net/http server with a test failover
// endpoint and a credential health endpoint.
//
//	go run ./examples/embed              # serve on 127.0.0.1:8080 against the in-process simulators
//	go run ./examples/embed -selfcheck   # call every endpoint once, print what happened, exit
//	MIGRATEKIT_CRED_ENCRYPTION_KEY=... go run ./examples/embed -dsn 'user:pass@tcp(db:3306)/migratekit_oma?parseTime=true'
//
// # Before
//
// The server read the active CloudStack configuration once and kept a client built from it
// for its whole life:
//
//	type legacyServer struct {
//		cs *cloudstack.CloudStackClient // keys read once, at start-up
//	}
//
//	func main() {
//		cfg := loadActiveOsseaConfig(db)
//		srv := &legacyServer{cs: cloudstack.NewAsyncClient(cfg.APIURL, cfg.APIKey, cfg.SecretKey, false)}
//		...
//	}
//
//	func (s *legacyServer) rollback(w http.ResponseWriter, r *http.Request) {
//		// Uses the keys of the day the service started: after an operator changes them in
//		// the GUI, this runs with the old ones until someone restarts the service.
//		s.cs.VirtualMachine.StopVirtualMachine(...)
//		...
//	}
//
// and the vCenter lookup fell back to a host, user and password written into the code when
// the vmware_credentials row could not be read.
//
// # After
//
// The server keeps the Engine (newEngine: the database source over the same tables, a
// failover.GormStore in the same database) and nothing else. Each request is one
// operation; the Engine fetches that operation's credential sets when it starts, so a change
// made in the GUI takes effect on the next request, and a missing or broken set is an error
// with a remedy (HTTP 422 or 503 here), never a fall-back. apiServer (server.go) shows the handlers.
//
// Against the appliance's database (-dsn) the Engine also gets an appliance.Journal, which
// keeps the appliance's own tables - the VM's status the replication scheduler reads, the
// GUI's summary and job list, the volumes' rows - as its old engine kept them, and a test
// failover may name just the VM's replication context ({"context_id": "..."}): the request
// is built from the appliance's rows (appliance.RequestFor). The offline database holds only
// the credential tables, so the offline demo runs without the journal.
//
// # Offline by default
//
// Without -dsn the program starts vcsim and the CloudStack simulator in-process, with an
// SQLite database holding the appliance's tables, filled through database.Writer as the GUI
// would fill them. -selfcheck then checks the credentials, runs a test failover, rotates
// the CloudStack keys while serving, checks again, rolls back, deactivates the CloudStack
// configuration and shows the health endpoint's remedy; it exits 1 on the first answer that
// is not what it should be.
//
// # Concurrency
//
// The Engine is safe for concurrent use: handlers share it. Operations on one VM are
// serialised by leases in the job store, across every process that shares the database; a
// second request for a busy VM answers 409.
package main
