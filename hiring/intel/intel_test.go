package intel

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

// shared loads the public reference folder once per package.
var shared struct {
	once sync.Once
	in   *Intel
	err  error
}

func loadShared(tb testing.TB) *Intel {
	tb.Helper()
	dir := shareddata.Path(tb, "hire")
	shared.once.Do(func() { shared.in, shared.err = Load(dir) })
	if shared.err != nil {
		tb.Fatalf("Load(%s): %v", dir, shared.err)
	}
	return shared.in
}

func TestBuiltinNetwork(t *testing.T) {
	t.Parallel()
	in := Builtin()
	for _, tc := range []struct {
		ip   string
		asn  uint32
		kind string
	}{
		{"175.45.176.1", 0, KindDPRK},
		{"175.45.179.255", 0, KindDPRK},
		{"::ffff:175.45.177.9", 0, KindDPRK},
		{"175.45.180.0", 0, ""},
		{"175.45.175.255", 0, ""},
		{"81.2.69.142", 0, ""},
		{"2001:db8::1", 0, ""},
	} {
		c, ok := in.Network(netip.MustParseAddr(tc.ip), tc.asn)
		if got := map[bool]string{true: c.Kind}[ok]; got != tc.kind {
			t.Errorf("Network(%s, %d) = %+v, %v; want kind %q", tc.ip, tc.asn, c, ok, tc.kind)
		}
		if ok && c.Source == "" {
			t.Errorf("Network(%s): no source", tc.ip)
		}
	}
	if _, ok := in.Network(netip.Addr{}, 0); ok {
		t.Error("the zero address matched")
	}
}

func TestBuiltinSoftware(t *testing.T) {
	t.Parallel()
	in := Builtin()
	for _, tc := range []struct {
		s          hiring.Software
		product    string
		kind       string
		confidence string
	}{
		{hiring.Software{Name: "AnyDesk.exe"}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "AnyDesk", Path: "/Applications/AnyDesk.app/Contents/MacOS/AnyDesk"}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Path: `C:\Program Files (x86)\AnyDesk\AnyDesk.exe`}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "TeamViewer 15", Version: "15.49"}, "TeamViewer", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Path: `C:\Program Files\TeamViewer\TeamViewer_Service.exe`}, "TeamViewer", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Path: `C:\Program Files (x86)\Google\Chrome Remote Desktop\CurrentVersion\remoting_host.exe`}, "Chrome Remote Desktop", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "rustdesk"}, "RustDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Path: `C:\Program Files (x86)\ScreenConnect Client (4b1c2d)\ScreenConnect.ClientService.exe`}, "ScreenConnect", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "Splashtop Streamer"}, "Splashtop", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "tvnserver.exe"}, "TightVNC", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "winvnc.exe"}, "UltraVNC", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "vncserver.exe"}, "RealVNC", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Path: `C:\Program Files (x86)\NetSupport\NetSupport Manager\client32.exe`}, "NetSupport Manager", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "MeshAgent"}, "MeshAgent", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Path: "/usr/local/bin/ngrok"}, "ngrok", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "AteraAgent.exe"}, "Atera", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "parsecd.exe"}, "Parsec", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "Astrill VPN"}, "Astrill VPN", KindVPNClient, ConfidenceHigh},
		{hiring.Software{Path: `C:\Program Files (x86)\Astrill\ASProxy.exe`}, "Astrill VPN", KindVPNClient, ConfidenceHigh},
		{hiring.Software{Name: "mstsc.exe"}, "Microsoft Remote Desktop Connection", KindRemoteAccess, ConfidenceLow},
		// Renamed: full-width, spaced, invisible characters, or only the
		// publisher (code signer) tells.
		{hiring.Software{Name: "ＡｎｙＤｅｓｋ", Version: "8.0"}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "Any Desk", Version: "8.0"}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "Any\u200bDesk"}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "team-viewer host"}, "TeamViewer", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "Helper", Version: "8.0", Publisher: "philandro Software GmbH", Path: `C:\Users\x\AppData\Roaming\AD\svc.exe`}, "AnyDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "svc", Publisher: "TeamViewer Germany GmbH"}, "TeamViewer", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "svc", Publisher: "Splashtop Inc."}, "Splashtop", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "svc", Publisher: "RustDesk"}, "RustDesk", KindRemoteAccess, ConfidenceHigh},
		{hiring.Software{Name: "svc", Publisher: "Purslane Ltd."}, "RustDesk", KindRemoteAccess, ConfidenceHigh},
		// negatives
		{hiring.Software{Name: "Google Chrome", Publisher: "Google LLC"}, "", "", ""},
		{hiring.Software{Name: "Any Deskish Notes"}, "", "", ""},
		{hiring.Software{Name: "V N C"}, "", "", ""},
		{hiring.Software{Name: "Google Chrome", Path: `C:\Program Files\Google\Chrome\Application\chrome.exe`}, "", "", ""},
		{hiring.Software{Name: "Slack", Path: `C:\Users\a\AppData\Local\slack\slack.exe`}, "", "", ""},
		{hiring.Software{Name: "Zoom", Path: "/Applications/zoom.us.app/Contents/MacOS/zoom.us"}, "", "", ""},
		{hiring.Software{Name: "AnyDeskish Notes"}, "", "", ""},
		{hiring.Software{}, "", "", ""},
	} {
		m, ok := in.Software(tc.s)
		if m.Product != tc.product || ok != (tc.product != "") || m.Kind != tc.kind || m.Confidence != tc.confidence {
			t.Errorf("Software(%+v) = %+v, %v; want %q %q %q", tc.s, m, ok, tc.product, tc.kind, tc.confidence)
		}
		if ok && (m.Signal == "" || m.Source == "") {
			t.Errorf("Software(%+v) = %+v: no signal or source", tc.s, m)
		}
		if ok && tc.s.Publisher != "" && tc.s.Name == "svc" && !strings.HasPrefix(m.Signal, "publisher ") {
			t.Errorf("Software(%+v) = %+v: not by its publisher", tc.s, m)
		}
	}
}

func TestBuiltinHardware(t *testing.T) {
	t.Parallel()
	in := Builtin()
	for _, tc := range []struct {
		u          hiring.USBDevice
		product    string
		confidence string
	}{
		{hiring.USBDevice{VendorID: "1d6b", ProductID: "0104"}, genericGadgetProduct, ConfidenceMedium},
		{hiring.USBDevice{VendorID: "0x1D6B", ProductID: "104"}, genericGadgetProduct, ConfidenceMedium},
		{hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Manufacturer: "PiKVM", Product: "PiKVM Composite Device"}, "PiKVM", ConfidenceHigh},
		{hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Serial: "CAFEBABE"}, "PiKVM", ConfidenceHigh},
		{hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Product: "Multifunction USB Device"}, "TinyPilot", ConfidenceHigh},
		{hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Manufacturer: "tinypilot"}, "TinyPilot", ConfidenceHigh},
		{hiring.USBDevice{VendorID: "abcd", ProductID: "0001", Manufacturer: "JetKVM"}, "JetKVM", ConfidenceHigh},
		{hiring.USBDevice{Product: "JetKVM USB Emulation Device"}, "JetKVM", ConfidenceHigh},
		// negatives: a Logitech receiver; TinyPilot's generic product
		// string and PiKVM's serial without the gadget id.
		{hiring.USBDevice{VendorID: "046d", ProductID: "c52b", Manufacturer: "Logitech", Product: "USB Receiver"}, "", ""},
		{hiring.USBDevice{VendorID: "05ac", ProductID: "024f", Product: "Multifunction USB Device"}, "", ""},
		{hiring.USBDevice{VendorID: "0781", ProductID: "5581", Serial: "CAFEBABE"}, "", ""},
		{hiring.USBDevice{VendorID: "zzzz", ProductID: "0104"}, "", ""},
	} {
		m, ok := in.USB(tc.u)
		if m.Product != tc.product || ok != (tc.product != "") || m.Confidence != tc.confidence {
			t.Errorf("USB(%+v) = %+v, %v; want %q %q", tc.u, m, ok, tc.product, tc.confidence)
		}
		if ok && (m.Kind != KindIPKVM || m.Signal == "" || m.Source == "") {
			t.Errorf("USB(%+v) = %+v: kind, signal or source missing", tc.u, m)
		}
	}
	for _, tc := range []struct {
		d          hiring.DisplayInfo
		product    string
		confidence string
	}{
		{hiring.DisplayInfo{Name: "PiKVM V4 Plus"}, "PiKVM", ConfidenceHigh},
		{hiring.DisplayInfo{Name: "TinyPilot", Manufacturer: "TSB"}, "TinyPilot", ConfidenceHigh},
		{hiring.DisplayInfo{Name: "T749-fHD720"}, "JetKVM", ConfidenceLow},
		{hiring.DisplayInfo{Name: "Generic", Manufacturer: "LNX"}, genericGadgetProduct, ConfidenceMedium},
		{hiring.DisplayInfo{Name: "DELL U2720Q", Manufacturer: "DEL"}, "", ""},
		{hiring.DisplayInfo{Name: "TOSHIBA-TV", Manufacturer: "TSB"}, "", ""},
	} {
		m, ok := in.Display(tc.d)
		if m.Product != tc.product || ok != (tc.product != "") || m.Confidence != tc.confidence {
			t.Errorf("Display(%+v) = %+v, %v; want %q %q", tc.d, m, ok, tc.product, tc.confidence)
		}
	}
}

func TestAllow(t *testing.T) {
	t.Parallel()
	base := Builtin()
	in := base.WithOptions(Options{Allow: []string{"teamviewer", " Microsoft RDP ", "PiKVM"}})
	if _, ok := in.Software(hiring.Software{Name: "TeamViewer.exe"}); ok {
		t.Error("an allowed TeamViewer was reported")
	}
	if _, ok := in.Software(hiring.Software{Name: "mstsc.exe"}); ok {
		t.Error("mstsc.exe was reported though its alias Microsoft RDP is allowed")
	}
	if m, ok := in.Software(hiring.Software{Name: "AnyDesk.exe"}); !ok || m.Product != "AnyDesk" {
		t.Errorf("AnyDesk = %+v, %v with TeamViewer allowed", m, ok)
	}
	// An allowed PiKVM is still a generic gadget by its id.
	if m, ok := in.USB(hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Manufacturer: "PiKVM"}); !ok || m.Product != genericGadgetProduct {
		t.Errorf("allowed PiKVM = %+v, %v; want the generic gadget", m, ok)
	}
	if _, ok := base.Software(hiring.Software{Name: "TeamViewer.exe"}); !ok {
		t.Error("WithOptions changed the Intel it was called on")
	}
}

func TestLoadShared(t *testing.T) {
	t.Parallel()
	in := loadShared(t)
	st := in.Stats()
	if st.Prefixes < 10000 || st.ASNs < 900 || st.Tools < 300 || st.Patterns < 1500 || st.Domains < 500 {
		t.Errorf("Stats() = %+v; want the full catalogues", st)
	}
	for _, tc := range []struct {
		ip   string
		asn  uint32
		kind string
		name string
	}{
		{"2.26.157.10", 0, KindVPN, "X4BNet vpn list"},
		{"175.45.178.3", 0, KindDPRK, "AS131279 Star Joint Venture (DPRK)"},
		{"81.2.69.142", 9009, KindVPN, "AS9009 M247, GB (NordVPN)"},
		{"81.2.69.142", 208172, KindVPN, "AS208172 ProtonVPN (https://github.com/X4BNet/lists_vpn/issues/248)"},
		{"81.2.69.142", 16509, KindHosting, ""},
		{"81.2.69.142", 0, "", ""},
		{"81.2.69.142", 7922, "", ""}, // Comcast, residential
	} {
		c, ok := in.Network(netip.MustParseAddr(tc.ip), tc.asn)
		if got := map[bool]string{true: c.Kind}[ok]; got != tc.kind || (tc.name != "" && c.Name != tc.name) {
			t.Errorf("Network(%s, %d) = %+v, %v; want %q %q", tc.ip, tc.asn, c, ok, tc.kind, tc.name)
		}
	}
	for _, tc := range []struct {
		s       hiring.Software
		product string
	}{
		{hiring.Software{Path: `C:\Users\bob\Downloads\kitty.exe`}, "KiTTY"},
		{hiring.Software{Path: `C:\Program Files\SysAidServer\bin\x.exe`}, "SysAid"},
		{hiring.Software{Name: "Site24x7PluginAgent.exe"}, "Site24x7"},
		{hiring.Software{Name: "tigervnc-1.13.exe"}, "TigerVNC"},
		{hiring.Software{Path: `C:\Program Files\AnyDesk\AnyDesk.exe`}, "AnyDesk"},
		{hiring.Software{Name: "Google Chrome", Path: `C:\Program Files\Google\Chrome\Application\chrome.exe`}, ""},
		{hiring.Software{Name: "Slack", Path: `C:\Users\a\AppData\Local\slack\app-4.41.105\slack.exe`}, ""},
		{hiring.Software{Name: "Microsoft Teams", Path: `C:\Program Files\WindowsApps\MSTeams_x64\ms-teams.exe`}, ""},
		{hiring.Software{Name: "Visual Studio Code", Path: `C:\Users\a\AppData\Local\Programs\Microsoft VS Code\Code.exe`}, ""},
		{hiring.Software{Name: "explorer.exe", Path: `C:\Windows\explorer.exe`}, ""},
	} {
		m, ok := in.Software(tc.s)
		if m.Product != tc.product || ok != (tc.product != "") {
			t.Errorf("Software(%+v) = %+v, %v; want %q", tc.s, m, ok, tc.product)
		}
	}
	if m, ok := in.USB(hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Manufacturer: "PiKVM"}); !ok || m.Product != "PiKVM" {
		t.Errorf("PiKVM USB = %+v, %v", m, ok)
	}
	if _, ok := in.USB(hiring.USBDevice{VendorID: "046d", ProductID: "c52b", Manufacturer: "Logitech", Product: "USB Receiver"}); ok {
		t.Error("a Logitech receiver matched")
	}
	if m, ok := in.Domain("relay-1.anydesk.com"); !ok || !strings.Contains(strings.ToLower(m.Product), "anydesk") {
		t.Errorf("Domain(relay-1.anydesk.com) = %+v, %v", m, ok)
	}
	if _, ok := in.Domain("www.google.com"); ok {
		t.Error("www.google.com matched a remote-access tool")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, body, want string
	}{
		{"bad cidr", "netintel/x_vpn_ipv4.txt", "1.2.3.0/24\n1.2.3.400/24\n", "x_vpn_ipv4.txt:2:"},
		{"bad asn", "netintel/x_vpn_ASN.txt", "AS1 # a\nASX # b\n", "x_vpn_ASN.txt:2:"},
		{"bad dprk", "netintel/dprk.csv", "cidr,asn\n175.45.176.0/22,x\nnope,y\n", "dprk.csv:3:"},
		{"dprk header", "netintel/dprk.csv", "range\n1.2.3.0/24\n", "dprk.csv:1:"},
		{"column count", "rmm/tools.csv", "Name,InstallationPaths\nA,a.exe\nB,b.exe,extra\n", "tools.csv:3:"},
		{"unknown layout", "rmm/other.csv", "a,b\n1,2\n", "other.csv:1:"},
		{"too many stars", "rmm/tools.csv", "Name,InstallationPaths\nA,\"*a*b*c*d*e*f*g*h*i*\"\n", "tools.csv:2:"},
		{"bad usb id", "ipkvm/k.csv", "product,signal_type,field,value\nX,usb,idVendor:idProduct,1d6b\n", "k.csv:2:"},
		{"bad signal", "ipkvm/k.csv", "product,signal_type,field,value\nX,bluetooth,name,x\n", "k.csv:2:"},
		{"not utf-8", "netintel/x_vpn_ipv4.txt", "1.2.3.0/24\n\xff\n", "x_vpn_ipv4.txt:2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, tc.file)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v; want an invalid error naming %s", err, tc.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("Load(missing folder) = %v; want invalid", err)
	}
	in, err := Load(t.TempDir())
	if err != nil || in.Stats() != Builtin().Stats() {
		t.Errorf("Load(empty folder) = %+v, %v; want the built-in facts", in, err)
	}
}

func TestIPv6AndNesting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "netintel"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := "# comment\n\n2001:db8::/32 # doc range\n175.45.0.0/16\n198.51.100.7\n"
	if err := os.WriteFile(filepath.Join(dir, "netintel", "my_vpn_ipv6.txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "netintel", "my_hosting_asn.txt"), []byte("AS64500 # Example Hosting\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ip   string
		asn  uint32
		kind string
	}{
		{"2001:db8:1::5", 0, KindVPN},
		{"2001:db9::1", 0, ""},
		{"175.45.1.1", 0, KindVPN},
		{"175.45.177.1", 0, KindDPRK}, // DPRK wins over the covering VPN range
		{"198.51.100.7", 0, KindVPN},
		{"198.51.100.8", 64500, KindHosting},
		{"175.45.1.1", 64500, KindVPN}, // a range beats a hosting ASN
	} {
		c, ok := in.Network(netip.MustParseAddr(tc.ip), tc.asn)
		if got := map[bool]string{true: c.Kind}[ok]; got != tc.kind {
			t.Errorf("Network(%s, %d) = %+v, %v; want %q", tc.ip, tc.asn, c, ok, tc.kind)
		}
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{`c:\*\kitty.exe`, `c:\users\a\kitty.exe`, true},
		{`c:\*\kitty.exe`, `d:\kitty.exe`, false},
		{`*\tightvnc\*`, `c:\program files\tightvnc\tvnserver.exe`, true},
		{`tigervnc*.exe`, `tigervnc64-1.exe`, true},
		{`tigervnc*.exe`, `tigervnc64-1.dll`, false},
		{`a*b*c`, `aXbYc`, true},
		{`a*b*c`, `aXbYd`, false},
		{`***`, ``, true},
		{``, `x`, false},
	} {
		if got := globMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

// TestSoftwareLookupBounded: one lookup scans the path (a needle search
// or a run of the pattern matcher) a number of times that does not grow
// with the path. A path that repeats a catalogue's folder name (the
// worker names the folders of the laptop under review) ran every rule of
// that folder once per repetition, and an "or under it" rule once per
// separator: 16 CPU-seconds for a 360 KB path.
func TestSoftwareLookupBounded(t *testing.T) {
	t.Parallel()
	in := Builtin()
	for _, tc := range []struct{ name, prefix, rep string }{
		{"repeated folder", "/x", "/AnyDesk.app"},
		{"deep under a listed folder", "/Applications/AnyDesk.app", "/x"},
	} {
		scans := func(n int) int {
			c := 0
			s := hiring.Software{Path: tc.prefix + strings.Repeat(tc.rep, n)}
			in.soft.lookup(s, &c, func(*tool, string) bool { return true })
			return c
		}
		small, big := scans(2), scans(2000)
		if big > small {
			t.Errorf("%s: %d scans of the path for 2 repetitions, %d for 2,000: want no growth", tc.name, small, big)
		}
		if small > 8 {
			t.Errorf("%s: %d scans of the path for one lookup, want at most 8", tc.name, small)
		}
	}
}

// TestNetworkTransitionAndDPRKASN: an IPv6 address that carries an IPv4
// one (NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) is looked up
// by that IPv4 address too, and the DPRK list's asn column classes that
// autonomous system as DPRK.
func TestNetworkTransitionAndDPRKASN(t *testing.T) {
	t.Parallel()
	b := newBuilder(Builtin())
	csv := "cidr,asn,source\n175.45.176.0/22,AS131279 (Ryugyong-dong),test\n"
	if err := b.parseDPRK("dprk.csv", strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	in := b.in
	for _, tc := range []struct {
		ip  string
		asn uint32
	}{
		{"175.45.176.1", 0},
		{"64:ff9b::af2d:b001", 0},
		{"2002:af2d:b001::1", 0},
		{"2001:0:4136:e378:8000:63bf:50d2:4ffe", 0}, // Teredo: client 175.45.176.1 (bits inverted)
		{"", 131279},
	} {
		var ip netip.Addr
		if tc.ip != "" {
			ip = netip.MustParseAddr(tc.ip)
		}
		c, ok := in.Network(ip, tc.asn)
		if !ok || c.Kind != KindDPRK {
			t.Errorf("Network(%s, %d) = %+v, %v; want dprk", tc.ip, tc.asn, c, ok)
		}
	}
}

// TestOrdinaryMachinesNotFlagged: parts of the operating system that a
// catalogue lists (macOS's ARDAgent, Windows's msra.exe) match with low
// confidence whatever the catalogue says, bare file names too generic to
// name one product (GoTo Meeting's g2mcomm.exe, connect.exe) are not
// taken from catalogues, and Apple's iCloud Private Relay egress ranges
// are their own class, relay, not the VPN or hosting of a list or ASN
// that covers them.
func TestOrdinaryMachinesNotFlagged(t *testing.T) {
	t.Parallel()
	b := newBuilder(Builtin())
	tools := "Name,Category,InstallationPaths,Filename\n" +
		"Apple Remote Desktop,RMM,/System/Library/CoreServices/RemoteManagement/ARDAgent.app,ARDAgent\n" +
		"Windows Remote Assistance,RMM,,msra.exe\n" +
		"GoToAssist,RMM,,g2mcomm.exe\n" +
		"Adobe Connect,RMM,,\"connect.exe,rdp.exe\"\n" +
		"Foo Remote,RMM,,fooremote.exe\n"
	if err := b.parseRMM("rmm_tools.csv", strings.NewReader(tools)); err != nil {
		t.Fatal(err)
	}
	if err := b.parseCIDRList("vpn.txt", strings.NewReader("172.224.0.0/12\n"), KindVPN); err != nil {
		t.Fatal(err)
	}
	if err := b.parseASNList("hosting-asn.txt", strings.NewReader("AS36183 # Akamai\n"), KindHosting); err != nil {
		t.Fatal(err)
	}
	relay := b.parserFor("netintel", "egress-ip-ranges.csv")
	if relay == nil {
		t.Fatal("egress-ip-ranges.csv is not read")
	}
	if err := relay("egress-ip-ranges.csv", strings.NewReader("172.224.226.0/27,US,US-CA,Los Angeles,\n2a02:26f7:b3c0:4000::/64,US,US-CA,Los Angeles,\n")); err != nil {
		t.Fatal(err)
	}
	in := b.in
	for _, tc := range []struct {
		s    hiring.Software
		want string // confidence; "" for no match
	}{
		{hiring.Software{Path: "/System/Library/CoreServices/RemoteManagement/ARDAgent.app"}, ConfidenceLow},
		{hiring.Software{Path: "/System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/Info.plist"}, ConfidenceLow},
		{hiring.Software{Name: "ARDAgent"}, ConfidenceLow},
		{hiring.Software{Path: `C:\Windows\System32\msra.exe`}, ConfidenceLow},
		{hiring.Software{Path: `C:\Program Files (x86)\GoToMeeting\20134\g2mcomm.exe`}, ""},
		{hiring.Software{Name: "connect.exe"}, ""},
		{hiring.Software{Name: "rdp.exe"}, ""},
		{hiring.Software{Name: "fooremote.exe"}, ConfidenceMedium},
	} {
		m, ok := in.Software(tc.s)
		if got := map[bool]string{true: m.Confidence}[ok]; got != tc.want {
			t.Errorf("Software(%+v) = %+v, %v; want confidence %q", tc.s, m, ok, tc.want)
		}
	}
	for _, ip := range []string{"172.224.226.1", "2a02:26f7:b3c0:4000::1"} {
		c, ok := in.Network(netip.MustParseAddr(ip), 36183)
		if !ok || c.Kind != KindRelay {
			t.Errorf("Network(%s, AS36183) = %+v, %v; want relay", ip, c, ok)
		}
	}
}
