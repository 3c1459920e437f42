package httpapi

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

func TestWithhold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		server   bool
	}{
		{"fetch https://sanctionslistservice.ofac.treas.gov/api/SDN.CSV: dial tcp: lookup sanctionslistservice.ofac.treas.gov on 10.255.255.53:53: no such host",
			"fetch [withheld]: dial tcp: lookup [withheld] on [withheld]: no such host", true},
		{"node at http://127.0.0.1:8545 is unreachable: connection refused", "node at [withheld] is unreachable: connection refused", true},
		{"dial tcp [::1]:8545: connect: connection refused", "dial tcp [withheld]: connect: connection refused", true},
		{"dial tcp [fe80::1%eth0]:8545", "dial tcp [withheld]", true},
		{"read udp fd00::53 timeout", "read udp [withheld] timeout", true},
		{"node.internal:8545 refused", "[withheld] refused", true},
		{"cannot write the store at /var/lib/bulwark/bulwark.db (could not save)", "cannot write the store at [withheld] (could not save)", true},
		{"the store at /var/lib/bulwark/bulwark.db is locked", "the store at /var/lib/bulwark/bulwark.db is locked", false},
		// What must stay: times, field names, tickers, routes in 4xx.
		{"published 2026-12-06T21:03:12Z, before 2026-01-02", "published 2026-12-06T21:03:12Z, before 2026-01-02", true},
		{"--file: names.txt line 7: name: not valid UTF-8", "--file: names.txt line 7: name: not valid UTF-8", true},
		{`address: "0x12" is not a valid ETH:0x address`, `address: "0x12" is not a valid ETH:0x address`, false},
		{"use POST /api/v1/screen/name", "use POST /api/v1/screen/name", false},
		{"subject: contains the control character U+000A", "subject: contains the control character U+000A", false},
	} {
		if got := withhold(tc.in, tc.server); got != tc.want {
			t.Errorf("withhold(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if strings.Contains(withhold("x http://a.b/c?token=s3cret y", false), "s3cret") {
		t.Error("a URL's query was kept")
	}
}

// A 503 from a list refresh names no host, URL or resolver address; the
// server log keeps them for the operator.
func TestErrorBodiesWithholdInternalLocations(t *testing.T) {
	t.Parallel()
	const cause = "fetch https://lists.example.internal/sdn.csv: dial tcp: lookup lists.example.internal on 10.255.255.53:53: no such host"
	runScenarios(t, []scenario{
		{name: "lists update 503", method: "POST", path: "/api/v1/lists/update", headers: bearerFor("admin"),
			configure: func(c *Config) {
				c.ListsUpdate = func(context.Context, string) (*screening.ImportReport, error) {
					return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "%s", cause)
				}
			},
			wantStatus: 503, wantCode: "unavailable", wantMsg: []string{"fetch [withheld]: dial tcp: lookup [withheld] on [withheld]: no such host", "request id"},
			notBody: []string{"10.255.255.53", "lists.example.internal", "https://"},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if !strings.Contains(e.logs.String(), "10.255.255.53") {
					t.Errorf("the log lost the cause: %s", e.logs)
				}
			}},
		{name: "internal error text stays in the log", method: "POST", path: "/api/v1/lists/update", headers: bearerFor("admin"),
			configure: func(c *Config) {
				c.ListsUpdate = func(context.Context, string) (*screening.ImportReport, error) {
					return nil, bulwark.Errorf(bulwark.EINTERNAL, "store: CreateToken called with a nil token")
				}
			},
			wantStatus: 500, wantCode: "internal", wantMsg: []string{"internal error"}, notBody: []string{"CreateToken"}},
	})
}
