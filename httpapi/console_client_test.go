package httpapi

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/bulwark-sec/bulwark/auth"
)

// TestConsoleGetsDerivedClient: the console is handed the client address
// the API derives through --trusted-proxy (for its sign-in limits): the
// X-Forwarded-For client behind a trusted proxy, the peer otherwise.
func TestConsoleGetsDerivedClient(t *testing.T) {
	t.Parallel()
	var got string
	e := newEnv(t, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		c.Console = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ = auth.ClientAddrFrom(r.Context())
		})
	})
	for _, tc := range []struct {
		name, peer, xff, want string
	}{
		{"trusted proxy", "10.0.0.1:4000", "198.51.100.7", "198.51.100.7"},
		{"trusted proxy, forged left entry", "10.0.0.1:4000", "203.0.113.1, 198.51.100.8", "198.51.100.8"},
		{"untrusted proxy", "192.0.2.9:4000", "198.51.100.7", "192.0.2.9"},
		{"IPv6 client", "10.0.0.1:4000", "2001:db8:1:2::5", "2001:db8:1:2::/64"},
	} {
		got = ""
		h := map[string]string{"RemoteAddr": tc.peer, "X-Forwarded-For": tc.xff}
		e.do("GET", "/login", h, "")
		if got != tc.want {
			t.Errorf("%s: console saw client %q, want %q", tc.name, got, tc.want)
		}
	}
}
