package intel

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

// BenchmarkNetwork looks up a mix of VPN, DPRK and unlisted addresses
// with an ASN against the full X4BNet lists.
func BenchmarkNetwork(b *testing.B) {
	in := loadShared(b)
	ips := []netip.Addr{
		netip.MustParseAddr("2.26.157.10"),
		netip.MustParseAddr("81.2.69.142"),
		netip.MustParseAddr("175.45.177.1"),
		netip.MustParseAddr("2001:db8::1"),
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		in.Network(ips[i%len(ips)], 7922)
	}
	reportCPU(b, start)
}

// BenchmarkSoftware looks up a mix of installed programs, most of them
// unlisted as on a real laptop, against the full LOLRMM and Splunk
// catalogues.
func BenchmarkSoftware(b *testing.B) {
	in := loadShared(b)
	soft := []hiring.Software{
		{Name: "Google Chrome", Path: `C:\Program Files\Google\Chrome\Application\chrome.exe`},
		{Name: "Slack", Path: `C:\Users\a\AppData\Local\slack\app-4.41.105\slack.exe`},
		{Name: "Visual Studio Code", Path: `C:\Users\a\AppData\Local\Programs\Microsoft VS Code\Code.exe`},
		{Name: "AnyDesk", Path: `C:\Program Files (x86)\AnyDesk\AnyDesk.exe`},
		{Name: "zoom.us", Path: "/Applications/zoom.us.app/Contents/MacOS/zoom.us"},
		{Name: "KiTTY", Path: `C:\Users\bob\Downloads\kitty.exe`},
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		in.Software(soft[i%len(soft)])
	}
	reportCPU(b, start)
}

// BenchmarkSoftwareLongPath looks up one 36 KB path (above the 32 KiB
// an OS allows, but inventories are data) that repeats a catalogue's
// folder name 3,000 times, against the full catalogues.
func BenchmarkSoftwareLongPath(b *testing.B) {
	in := loadShared(b)
	s := hiring.Software{Path: "/x" + strings.Repeat("/AnyDesk.app", 3000)}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		in.Software(s)
	}
	reportCPU(b, start)
}

// BenchmarkLoad reads the whole public reference folder.
func BenchmarkLoad(b *testing.B) {
	dir := shareddata.Path(b, "hire")
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// reportCPU adds the CPU time per operation since start (cpu-ns/op).
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
