package audit_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// TestEncodeDetails: details given as a value or as JSON already
// (json.RawMessage) are recorded as the same compact object; JSON that is
// not an object, or not JSON, is refused; null and nil are no details.
func TestEncodeDetails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := &audit.Log{Store: open(t)}
	for _, tc := range []struct {
		name    string
		details any
		want    string
		code    string
	}{
		{"map", map[string]any{"b": []int{1}, "a": "x<y"}, `{"a":"x\u003cy","b":[1]}`, ""},
		{"raw", json.RawMessage(" {\"a\" : \"x\\u003cy\",\n \"b\":[ 1 ]} "), `{"a":"x\u003cy","b":[1]}`, ""},
		{"raw array", json.RawMessage(`[1]`), "", bulwark.EINVALID},
		{"raw invalid", json.RawMessage(`{"a":`), "", bulwark.EINTERNAL},
		{"raw null", json.RawMessage(`null`), "", ""},
		{"nil", nil, "", ""},
	} {
		e, err := log.Record(ctx, audit.Event{Action: "x", Details: tc.details})
		var got json.RawMessage
		if e != nil {
			got = e.Details
		}
		if string(got) != tc.want || bulwark.ErrorCode(err) != tc.code && (tc.code != "" || err != nil) {
			t.Errorf("%s: %s, %v; want %s (code %q)", tc.name, got, err, tc.want, tc.code)
		}
	}
}
