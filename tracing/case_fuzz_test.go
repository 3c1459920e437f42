package tracing

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// FuzzCaseSpec: any JSON body of POST /api/v1/trace/cases either fails
// NewCase with EINVALID or gives a case whose definition, given again, is
// accepted unchanged (normalisation is idempotent), and whose request
// builds.
func FuzzCaseSpec(f *testing.F) {
	for _, s := range []string{
		`{"seeds":["0x47666fab8bd0ac7003bce3f5c3585383f09486e2"]}`,
		`{"title":" Bybit ","seeds":["0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2","0xab00000000000000000000000000000000000000000000000000000000000001"],"policy":"fifo","direction":"backward","bounds":{"maxHops":3,"minValue":"0010","fromBlock":5,"toBlock":9,"fromTime":1,"toTime":2},"thresholds":{"*":"5","erc20:1:0xDAC17F958D2EE523A2206206994597C13D831EC7":"7"},"labels":[{"address":"0x00000000000000000000000000000000000000c2","name":"hub","category":"exchange","hub":true}]}`,
		`{"seeds":["0x00"],"source":"trace:100","chain":5}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var spec CaseSpec
		if json.Unmarshal([]byte(body), &spec) != nil {
			return
		}
		c, err := NewCase(spec)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("NewCase(%s) = %v, want EINVALID", body, err)
			}
			return
		}
		again, err := NewCase(CaseSpec{Title: c.Title, Chain: c.Chain, Source: c.Source, Seeds: c.Seeds, Policy: c.Policy.String(),
			Direction: string(c.Direction), Bounds: c.Bounds, Labels: c.Labels, Thresholds: c.Thresholds})
		if err != nil {
			t.Fatalf("the normalised case of %s is refused: %v", body, err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("normalising twice differs:\n%+v\n%+v", c, again)
		}
		if _, err := c.Request(nil); err != nil {
			t.Fatalf("Request of %s: %v", body, err)
		}
	})
}

// FuzzParseThresholds: --threshold either fails with EINVALID or gives
// thresholds that check unchanged.
func FuzzParseThresholds(f *testing.F) {
	for _, s := range []string{"1000", "native:1=5,*=7", "erc20:1:0xDAC17F958D2EE523A2206206994597C13D831EC7=1", "native:1=5,native:1=6", "=", "x=1,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThresholds(s)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("ParseThresholds(%q) = %v, want EINVALID", s, err)
			}
			return
		}
		again, err := CheckThresholds(th)
		if err != nil || !reflect.DeepEqual(again, th) {
			t.Fatalf("ParseThresholds(%q) = %v, checked again %v, %v", s, th, again, err)
		}
	})
}
