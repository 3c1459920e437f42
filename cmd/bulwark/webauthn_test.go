package main

import (
	"net"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/auth"
)

// TestBoundOrigins: an origin derived from --addr HOST:0 takes the port
// the listener bound; explicit ports stay.
func TestBoundOrigins(t *testing.T) {
	t.Parallel()
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}
	for _, tc := range []struct{ in, want string }{
		{"http://localhost:0", "http://localhost:41234"},
		{"http://localhost:8080", "http://localhost:8080"},
		{"https://console.example.com", "https://console.example.com"},
		{"https://console.example.com:0,http://localhost:0", "https://console.example.com:41234,http://localhost:41234"},
	} {
		got := boundOrigins(auth.WebAuthnConfig{RPID: "localhost", Origins: strings.Split(tc.in, ",")}, bound)
		if strings.Join(got.Origins, ",") != tc.want || got.RPID != "localhost" {
			t.Errorf("boundOrigins(%s) = %+v, want %s", tc.in, got, tc.want)
		}
	}
}
