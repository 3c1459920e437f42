package evidence

import (
	"bytes"
	"io"
	"math"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"time"
)

// oktaGen is an io.Reader of n generated Okta System Log events as JSON
// lines (user.session.start and user.authentication.auth_via_mfa events
// of 5,000 accounts from documentation addresses, about 1.3 KB each, as
// the System Log API gives them), made as they are read so that the
// input costs no memory.
type oktaGen struct {
	n, i int
	buf  []byte
	off  int
	t0   time.Time
}

func newOktaGen(n int) *oktaGen {
	return &oktaGen{n: n, t0: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
}

func (g *oktaGen) Read(p []byte) (int, error) {
	if g.off == len(g.buf) {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.buf = g.event(g.buf[:0], g.i)
		g.off = 0
		g.i++
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

func (g *oktaGen) event(b []byte, i int) []byte {
	user := i % 5000
	mfa := i%3 == 1
	b = append(b, `{"actor":{"id":"00u`...)
	b = strconv.AppendInt(b, int64(100000+user), 10)
	b = append(b, `","type":"User","alternateId":"user`...)
	b = strconv.AppendInt(b, int64(user), 10)
	b = append(b, `@example.com","displayName":"User `...)
	b = strconv.AppendInt(b, int64(user), 10)
	b = append(b, `","detailEntry":null},"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36","os":"Mac OS X","browser":"CHROME"},"zone":"null","device":"Computer","id":null,"ipAddress":"198.51.100.`...)
	b = strconv.AppendInt(b, int64(user%250), 10)
	b = append(b, `","geographicalContext":{"city":"Austin","state":"Texas","country":"United States","postalCode":"78701","geolocation":{"lat":30.2672,"lon":-97.7431}}},"device":`...)
	if mfa {
		b = append(b, `{"id":"guo`...)
		b = strconv.AppendInt(b, int64(user), 10)
		b = append(b, `","name":"iPhone14,5","os_platform":"IOS","os_version":"17.5","managed":false,"registered":true}`...)
	} else {
		b = append(b, `null`...)
	}
	b = append(b, `,"authenticationContext":{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"externalSessionId":"102abcdefghijklmnop"},"displayMessage":"User login to Okta","eventType":"`...)
	if mfa {
		b = append(b, `user.authentication.auth_via_mfa`...)
	} else {
		b = append(b, `user.session.start`...)
	}
	b = append(b, `","outcome":{"result":"SUCCESS","reason":null},"published":"`...)
	b = g.t0.Add(time.Duration(i)*7*time.Second).AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `","securityContext":{"asNumber":64496,"asOrg":"Example Residential ISP","isp":"Example Residential ISP","domain":"example.net","isProxy":false},"severity":"INFO","debugContext":{"debugData":{"requestId":"aBcDeFgHiJkLmNoPqRsTuVwXyZ","requestUri":"/idp/idx/identify","url":"/idp/idx/identify?"}},"legacyEventType":"core.user_auth.login_success","transaction":{"type":"WEB","id":"aBcDeFgHiJkLmNoPqRsTuVwXyZ","detail":{}},"uuid":"3f0c1e2a-`...)
	b = strconv.AppendInt(b, int64(1000000000+i), 16)
	b = append(b, `","version":"0","request":{"ipChain":[{"ip":"198.51.100.`...)
	b = strconv.AppendInt(b, int64(user%250), 10)
	b = append(b, `","geographicalContext":{"city":"Austin","state":"Texas","country":"United States","postalCode":"78701","geolocation":{"lat":30.2672,"lon":-97.7431}},"version":"V4","source":null}]},"target":null}`...)
	return append(b, '\n')
}

// heapPeak samples the live heap every millisecond until stop is closed.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// BenchmarkReadSignInsOkta reads 1,000,000 generated Okta JSON-lines
// events (about 1.3 GB) and reports the time and allocations per event,
// the input's size and the peak live heap (sampled every millisecond;
// the result, 1,000,000 sign-ins, is most of it) and the process's CPU
// time per event (cpu-ns/event, with the garbage collector's). Run it
// with -benchtime 1x.
func BenchmarkReadSignInsOkta(b *testing.B) {
	const events = 1_000_000
	var bytes int64
	g := newOktaGen(1)
	bytes = int64(len(g.event(nil, 0)))
	runtime.GC()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ss, err := ReadSignInsLimits(newOktaGen(events), "generated.jsonl", Limits{MaxFileBytes: math.MaxInt64})
		if err != nil || len(ss) != events {
			b.Fatalf("%d sign-ins, %v", len(ss), err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	close(stop)
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*events), "cpu-ns/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	b.ReportMetric(float64(bytes), "bytes/event")
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine the CPU a run took says more than its wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNewlineDenseArray reads a JSON array of one generic sign-in
// after 16 MiB of line breaks: B/op is what the line counting costs.
func BenchmarkNewlineDenseArray(b *testing.B) {
	data := []byte("[\n" + strings.Repeat("\n", 16<<20) +
		`{"user":"a@example.com","time":"2026-03-02T09:00:00Z","ip":"192.0.2.1","success":true}` + "]\n")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0, cpuOK := cputime.Seconds()
	for b.Loop() {
		if _, err := ReadSignIns(bytes.NewReader(data), "dense.json"); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric((cpu1-cpu0)*1e9/float64(b.N), "cpu-ns/op")
	}
}
