package cloudstack

import "testing"

func TestIdleConnsPerHostSizesBothPools(t *testing.T) {
	t.Parallel()
	tr := NewTransport(WithIdleConnsPerHost(150))
	tr.init()
	for name, p := range map[string]int{"verified": tr.verified.MaxIdleConnsPerHost, "insecure": tr.insecure.MaxIdleConnsPerHost} {
		if p != 150 {
			t.Errorf("%s pool keeps %d idle connections per host, want 150", name, p)
		}
	}
	if tr.verified.MaxIdleConns < 150 {
		t.Errorf("total idle connections %d cap the per-host setting", tr.verified.MaxIdleConns)
	}
	if tr.insecure.TLSClientConfig == nil || !tr.insecure.TLSClientConfig.InsecureSkipVerify {
		t.Error("the insecure pool must skip verification")
	}
	if tr.verified.TLSClientConfig != nil && tr.verified.TLSClientConfig.InsecureSkipVerify {
		t.Error("the verified pool must verify")
	}
	if NewTransport().init(); defaultBase().MaxIdleConnsPerHost != 32 {
		t.Error("the default changed")
	}
}
