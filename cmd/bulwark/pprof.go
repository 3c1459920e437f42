//go:build pprof

package main

// Built with -tags pprof (scripts/loadtest.sh PPROF=1 does), the binary
// serves net/http/pprof on the loopback address in $BULWARK_PPROF, e.g.
// 127.0.0.1:6060, to profile the server under load:
//
//	go tool pprof -seconds 10 http://127.0.0.1:6060/debug/pprof/profile
//
// BULWARK_PPROF_CONTENTION=N (N > 0) also samples one in N mutex
// contention events and blocking events of at least N ns, for
// /debug/pprof/mutex and /debug/pprof/block (they cost CPU: leave it
// unset while measuring CPU).
//
// Release builds do not contain this file.

import (
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"runtime"
	"strconv"

	"github.com/bulwark-sec/bulwark/httpapi"
)

func init() {
	addr := os.Getenv("BULWARK_PPROF")
	if addr == "" {
		return
	}
	if !httpapi.LoopbackAddr(addr) {
		log.Fatalf("BULWARK_PPROF: %q is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("BULWARK_PPROF: %v", err)
	}
	if n, err := strconv.Atoi(os.Getenv("BULWARK_PPROF_CONTENTION")); err == nil && n > 0 {
		runtime.SetMutexProfileFraction(n)
		runtime.SetBlockProfileRate(n)
	}
	go func() { _ = http.Serve(ln, nil) }()
}
