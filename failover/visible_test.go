package failover_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Every detail type of the one error model shows the values it names escaped - job ids, VM
// names and lease holders from requests and stores, server texts, inventory paths, appliance
// rows, credential sets - in its message and its remedy, its cause's included, so that none
// can clear the operator's screen or print a forged line.
func TestEveryKindOfErrorShowsValuesEscaped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		build func(raw string) error
		shows func(shown string) []string // in the message
		fix   func(shown string) string   // the remedy
	}{
		{"cloudstack", func(raw string) error {
			return &cloudstack.APIError{Command: "attachVolume", JobID: "job-" + raw, ErrorCode: 431,
				Text: "Unable to find VM " + raw, Code: fkerrors.Invalid, Fix: "check VM " + raw}
		}, func(shown string) []string {
			return []string{"job-" + shown, "Unable to find VM " + shown}
		}, func(shown string) string { return "check VM " + shown }},

		{"vsphere", func(raw string) error {
			return &vsphere.Error{Op: "find", Host: "vc.example.invalid", VM: "/DC/vm/" + raw, Code: fkerrors.Ambiguous,
				Candidates: []string{"/DC/vm/a/" + raw, "/DC/vm/b/" + raw}, Fix: "name " + raw + " by its path",
				Err: errors.New("fault about " + raw)}
		}, func(shown string) []string {
			return []string{"find /DC/vm/" + shown, "/DC/vm/a/" + shown, "fault about " + shown}
		}, func(shown string) string { return "name " + shown + " by its path" }},

		{"appliance", func(raw string) error {
			return &appliance.Error{Reason: appliance.ErrNotFound, Table: "vm_disks", Row: "context " + raw,
				Problem: "no disk for " + raw, Fix: "replicate " + raw + " again", Err: errors.New("driver: " + raw)}
		}, func(shown string) []string {
			return []string{"vm_disks context " + shown + ": no disk for " + shown + ": driver: " + shown}
		}, func(shown string) string { return "replicate " + shown + " again" }},

		{"credentials", func(raw string) error {
			return &credentials.Error{Code: fkerrors.NotFound, Source: "database", Kind: credentials.KindVSphere,
				Account: raw, Problem: "no such set", Fix: "create " + raw}
		}, func(shown string) []string {
			return []string{"account " + shown + ": no such set"}
		}, func(shown string) string { return "create " + shown }},

		{"failover", func(raw string) error {
			holder := failover.Holder{Name: "engine-" + raw, Host: "host-" + raw, PID: 42}
			return &failover.Error{Code: fkerrors.Conflict, Reason: failover.ErrBusy, JobID: "job-" + raw,
				Step: failover.StepName("step-" + raw), Problem: "VM vm-" + raw + " is held by " + holder.String(),
				Fix: "wait for job-" + raw, Err: errors.New("cause-" + raw)}
		}, func(shown string) []string {
			return []string{"job job-" + shown, "step step-" + shown, "VM vm-" + shown,
				"engine-" + shown + " (pid 42 on host-" + shown + ")", "cause-" + shown}
		}, func(shown string) string { return "wait for job-" + shown }},

		// A cause's remedy is escaped too when the error has none of its own.
		{"failover without a remedy", func(raw string) error {
			return &failover.Error{JobID: "j", Err: &vsphere.Error{Op: "power off", VM: raw, Code: fkerrors.Conflict, Fix: "fix " + raw}}
		}, func(shown string) []string {
			return []string{"power off " + shown}
		}, func(shown string) string { return "fix " + shown }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testkit.EachForger(t, "x", func(t *testing.T, raw, shown string) {
				err := tt.build(raw)
				msg := err.Error()
				for _, want := range tt.shows(shown) {
					assert.Contains(t, msg, want)
				}
				assert.Equal(t, tt.fix(shown), fkerrors.Remedy(err))
				assert.Equal(t, msg, fkerrors.WithFix(fkerrors.Explain(err)), "the message ends with its remedy, once")
				testkit.AssertNoForging(t, msg, "message")
			})
		})
	}
	assert.Equal(t, `engine-x\x1b[2J`, failover.Holder{Name: "engine-x\x1b[2J"}.String(), "a holder alone")
}
