package simulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/require"
)

// env is a simulator seeded with the default scenario and an async cloudstack-go client
// using the seeded account's keys.
type env struct {
	sim  *simulator.Simulator
	seed simulator.Seeded
	cs   *csgo.CloudStackClient
}

// namesOf lists the Name fields of the items of a cloudstack-go list response (each of its
// item types has one), in order; nil when there are none.
func namesOf[T any](items []*T) []string {
	var names []string
	for _, it := range items {
		names = append(names, reflect.ValueOf(it).Elem().FieldByName("Name").String())
	}
	return names
}

func newEnv(t *testing.T, sc simulator.Scenario, opts ...simulator.Option) *env {
	t.Helper()
	sim := simulator.New(opts...)
	t.Cleanup(sim.Close)
	seed, err := sim.Seed(sc)
	require.NoError(t, err)
	return &env{sim: sim, seed: seed, cs: csgo.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)}
}

// lastCall returns the last logged call of a command.
func (e *env) lastCall(t *testing.T, command string) simulator.Call {
	t.Helper()
	calls := e.sim.CallsTo(command)
	require.NotEmpty(t, calls, "no %s call logged", command)
	return calls[len(calls)-1]
}

func (e *env) deploy(t *testing.T, name string, start bool) *csgo.DeployVirtualMachineResponse {
	t.Helper()
	p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
	p.SetName(name)
	p.SetStartvm(start)
	p.SetNetworkids([]string{e.seed.NetworkID})
	vm, err := e.cs.VirtualMachine.DeployVirtualMachine(p)
	require.NoError(t, err)
	return vm
}

func (e *env) stop(t *testing.T, id string) {
	t.Helper()
	_, err := e.cs.VirtualMachine.StopVirtualMachine(e.cs.VirtualMachine.NewStopVirtualMachineParams(id))
	require.NoError(t, err)
}

func (e *env) start(t *testing.T, id string) error {
	t.Helper()
	_, err := e.cs.VirtualMachine.StartVirtualMachine(e.cs.VirtualMachine.NewStartVirtualMachineParams(id))
	return err
}

func (e *env) attach(volID, vmID string, device int64) error {
	p := e.cs.Volume.NewAttachVolumeParams(volID, vmID)
	if device >= 0 {
		p.SetDeviceid(device)
	}
	_, err := e.cs.Volume.AttachVolume(p)
	return err
}

func (e *env) detach(volID string) error {
	p := e.cs.Volume.NewDetachVolumeParams()
	p.SetId(volID)
	_, err := e.cs.Volume.DetachVolume(p)
	return err
}

// raw sends a hand-built request and returns the HTTP status and the envelope's inner
// object.
func raw(t *testing.T, sim *simulator.Simulator, method string, params url.Values) (int, map[string]any) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(sim.URL(), params)
	} else {
		resp, err = http.Get(sim.URL() + "?" + params.Encode())
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env map[string]map[string]any
	require.NoError(t, json.Unmarshal(b, &env), string(b))
	require.Len(t, env, 1, string(b))
	for k, v := range env {
		want := "errorresponse"
		if slices.Contains(simulator.Commands(), params.Get("command")) {
			want = strings.ToLower(params.Get("command")) + "response"
		}
		require.Equal(t, want, k)
		return resp.StatusCode, v
	}
	return resp.StatusCode, nil
}

// signed returns params completed with apikey, response, signatureversion 3, expires and
// signature, as cloudstack-go builds them.
func signed(command, apiKey, secret string, extra url.Values) url.Values {
	p := url.Values{}
	for k, v := range extra {
		p[k] = append([]string(nil), v...)
	}
	p.Set("command", command)
	p.Set("apiKey", apiKey)
	p.Set("response", "json")
	p.Set("signatureversion", "3")
	if p.Get("expires") == "" {
		p.Set("expires", time.Now().UTC().Add(10*time.Minute).Format(time.RFC3339))
	}
	p.Set("signature", simulator.Sign(p, secret))
	return p
}
