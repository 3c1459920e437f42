package intel

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
)

// checkParse runs one parser on data and checks that it fails only with an
// invalid (or too-large) error naming the file, and that the Intel it
// filled answers lookups.
func checkParse(t *testing.T, data []byte, parse func(b *builder, name string) error) {
	t.Helper()
	in := Builtin()
	b := newBuilder(in)
	err := parse(b, "f.txt")
	if err != nil {
		if c := bulwark.ErrorCode(err); c != bulwark.EINVALID && c != bulwark.ETOOLARGE {
			t.Fatalf("error %v has code %s", err, c)
		}
		if !strings.Contains(err.Error(), "f.txt") {
			t.Fatalf("error %q does not name the file", err)
		}
		return
	}
	in.Network(netip.MustParseAddr("2.26.157.1"), 9009)
	in.Network(netip.MustParseAddr("2001:db8::1"), 0)
	s := string(data)
	if len(s) > 200 {
		s = s[:200]
	}
	in.Software(hiring.Software{Name: s, Path: s})
	in.USB(hiring.USBDevice{VendorID: "1d6b", ProductID: "0104", Manufacturer: s, Product: s})
	in.Display(hiring.DisplayInfo{Name: s})
	in.Domain(s)
}

func FuzzCIDRList(f *testing.F) {
	f.Add([]byte("2.26.157.0/24\n2.27.224.0/22\n"))
	f.Add([]byte("# VPN\n\n2001:db8::/32 # doc\n198.51.100.7\n"))
	f.Add([]byte("1.2.3.400/24\n"))
	f.Add([]byte("fe80::1%eth0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(b *builder, name string) error {
			return b.parseCIDRList(name, bytes.NewReader(data), KindVPN)
		})
	})
}

func FuzzASNList(f *testing.F) {
	f.Add([]byte("AS9009 # M247, GB (NordVPN)\nAS209854 # Surfshark\n"))
	f.Add([]byte("AS55286\t# SERVER-MANIA, CA\n"))
	f.Add([]byte("AS0\nAS99999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(b *builder, name string) error {
			return b.parseASNList(name, bytes.NewReader(data), KindHosting)
		})
	})
}

func FuzzDPRK(f *testing.F) {
	f.Add([]byte("cidr,asn,note,source\n175.45.176.0/22,AS131279,KP,APNIC\n"))
	f.Add([]byte("cidr\n\"175.45.176.0/22\"\n"))
	f.Add([]byte("cidr,asn\n175.45.176.0/22\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(b *builder, name string) error { return b.parseDPRK(name, bytes.NewReader(data)) })
	})
}

func FuzzRMM(f *testing.F) {
	f.Add([]byte("Name,Category,InstallationPaths\nKiTTY,RAT,\"C:\\*\\kitty.exe, *\\kitty.exe\"\nSysAid,RMM,\"C:\\Program Files\\SysAidServer\\*\"\n"))
	f.Add([]byte("URI,RMM_Tool\n*.247ithelp.com,247ithelp.com (ConnectWise)\nplus*.site24x7.com,Site24x7\n"))
	f.Add([]byte("description,remote_domain,remote_utility,category\nMicrosoft RDP,,mstsc.exe,Built-in\naddigy,*.addigy.com,addigy-*.pkg,RMM\n"))
	f.Add([]byte("a,b\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(b *builder, name string) error { return b.parseRMM(name, bytes.NewReader(data)) })
	})
}

func FuzzIPKVM(f *testing.F) {
	f.Add([]byte("product,signal_type,field,value,default_or_configurable\nPiKVM,usb,idVendor:idProduct,1d6b:0104,default\nPiKVM,usb,manufacturer string,PiKVM,default\nPiKVM,edid,monitor name (descriptor 0xFC),PiKVM | PiKVM V3,default\n"))
	f.Add([]byte("product,signal_type,field,value,default_or_configurable\nJetKVM,edid,manufacturer PNP id / product code / monitor name,TSB / 0x8801 / T749-fHD720,low-signal alone\n"))
	f.Add([]byte("product,signal_type,field,value\nX,usb,idVendor:idProduct,0x1D6B:104 (gadget)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(b *builder, name string) error { return b.parseIPKVM(name, bytes.NewReader(data)) })
	})
}

// FuzzGlob checks the matcher against a simple recursive definition.
func FuzzGlob(f *testing.F) {
	f.Add(`c:\*\kitty.exe`, `c:\users\a\kitty.exe`)
	f.Add(`a*b*c`, `aXbYc`)
	f.Add(`*`, ``)
	f.Fuzz(func(t *testing.T, p, s string) {
		if len(p) > 24 || len(s) > 24 {
			return
		}
		if got, want := globMatch(p, s), refGlob(p, s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, want %v", p, s, got, want)
		}
	})
}

func refGlob(p, s string) bool {
	if p == "" {
		return s == ""
	}
	if p[0] == '*' {
		for i := 0; i <= len(s); i++ {
			if refGlob(p[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && p[0] == s[0] && refGlob(p[1:], s[1:])
}

// FuzzSoftwareLookup checks that one lookup's work does not grow with a
// path that repeats its elements (a worker names the folders of the
// laptop under review): the path "/x" + seg repeated n times scans the
// path at most a bounded number of times more than for one repetition.
func FuzzSoftwareLookup(f *testing.F) {
	f.Add("/AnyDesk.app", uint16(3000))
	f.Add("/Applications/AnyDesk.app/x", uint16(500))
	f.Add(`\Program Files (x86)\TeamViewer`, uint16(2000))
	in := Builtin()
	f.Fuzz(func(t *testing.T, seg string, n uint16) {
		if !strings.HasPrefix(seg, "/") && !strings.HasPrefix(seg, `\`) || len(seg) > 64 {
			return
		}
		reps := 1 + int(n)%4096
		scans := func(k int) int {
			c := 0
			in.soft.lookup(hiring.Software{Path: "/x" + strings.Repeat(seg, k)}, &c, func(*tool, string) bool { return true })
			return c
		}
		if one, many := scans(1), scans(reps); many > 3*one+3 {
			t.Fatalf("%q: %d scans of the path for 1 repetition, %d for %d", seg, one, many, reps)
		}
	})
}
