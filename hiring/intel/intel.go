package intel

import (
	"net/netip"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// Intel is a loaded set of reference data: network ranges and ASNs,
// remote-access software and IP-KVM fingerprints. It implements
// [hiring.NetworkIntel] and [hiring.DeviceIntel]. An Intel is read-only
// after Builtin or Load returns it and safe for concurrent use.
type Intel struct {
	v4, v6  *prefixTrie
	asns    map[uint32]hiring.NetworkClass
	soft    *catalogue
	domains *domainIndex
	hw      *hardware
	allow   map[string]bool
	stats   Stats
}

var (
	_ hiring.NetworkIntel = (*Intel)(nil)
	_ hiring.DeviceIntel  = (*Intel)(nil)
)

// Stats counts what an Intel holds, for logs and the CLI's summary.
type Stats struct {
	Prefixes int // IPv4 and IPv6 prefixes (VPN, hosting, DPRK)
	ASNs     int // autonomous systems classed vpn or hosting
	Tools    int // remote-access and VPN-client products
	Patterns int // file names and path patterns of those products
	Domains  int // domain patterns of remote-access tools
	IPKVM    int // IP-KVM USB and EDID fingerprints
}

// Options tune the matching of an Intel.
type Options struct {
	// Allow lists products the employer sanctions (its own RMM agent,
	// the remote-desktop client IT supports): a match whose product or
	// alias equals one of these, case-insensitively, is not reported, and
	// the lookup goes on to any other product the evidence matches. Use
	// the Product names the matches report, e.g. "TeamViewer",
	// "Microsoft Remote Desktop Connection", "Microsoft Quick Assist".
	Allow []string
}

// WithOptions returns a copy of in that applies o; in is unchanged. The
// tables are shared, not copied.
func (in *Intel) WithOptions(o Options) *Intel {
	c := *in
	c.allow = nil
	for _, a := range o.Allow {
		if k := fold(strings.TrimSpace(a)); k != "" {
			if c.allow == nil {
				c.allow = map[string]bool{}
			}
			c.allow[k] = true
		}
	}
	return &c
}

// Stats says how much reference data in holds.
func (in *Intel) Stats() Stats { return in.stats }

func (in *Intel) allowed(t *tool) bool {
	if len(in.allow) == 0 {
		return false
	}
	if in.allow[fold(t.product)] {
		return true
	}
	for _, a := range t.aliases {
		if in.allow[a] {
			return true
		}
	}
	return false
}

// Builtin returns the facts Bulwark ships: DPRK address space, the best
// known remote-access tools and VPN client, and the default fingerprints
// of PiKVM, TinyPilot and JetKVM.
func Builtin() *Intel {
	in := &Intel{
		v4: newTrie(32), v6: newTrie(128),
		asns: map[uint32]hiring.NetworkClass{},
		soft: newCatalogue(), domains: newDomainIndex(), hw: newHardware(),
	}
	for _, n := range builtinNetworks {
		in.addPrefix(n.prefix, hiring.NetworkClass{Kind: n.kind, Name: n.name, Source: n.source})
	}
	for _, b := range builtinTools {
		t := &tool{product: b.product, kind: b.kind, confidence: b.confidence, source: b.source}
		for _, a := range b.aliases {
			t.aliases = append(t.aliases, fold(a))
		}
		in.stats.Tools++
		for _, f := range b.files {
			in.soft.addPattern(f, t)
			in.stats.Patterns++
		}
		for _, p := range b.paths {
			in.soft.addPattern(p, t)
			in.stats.Patterns++
		}
		for _, n := range b.names {
			in.soft.addName(n, t)
		}
		for _, pub := range builtinPublishers[b.product] {
			in.soft.addPublisher(pub, t)
		}
	}
	generic := builtinGeneric
	in.hw.ids[genericGadget] = &generic
	in.hw.addDisplay("manufacturer", "LNX", &generic, false)
	in.stats.IPKVM += 2
	for _, k := range builtinKVMs {
		t := &tool{product: k.product, kind: KindIPKVM, confidence: ConfidenceHigh, source: k.source}
		in.hw.addString("manufacturer", k.manufacturer, t)
		in.hw.addString("product", k.usbProduct, t)
		in.hw.addString("serial", k.serial, t)
		for _, n := range k.edidNames {
			in.hw.addDisplay("monitor name", n, t, k.weakEDID)
		}
		in.stats.IPKVM += 3 + len(k.edidNames)
	}
	return in
}

func (in *Intel) addPrefix(p netip.Prefix, c hiring.NetworkClass) {
	p = p.Masked()
	if p.Addr().Is4() {
		in.v4.insert(p, c)
	} else {
		in.v6.insert(p, c)
	}
	in.stats.Prefixes++
}

func (in *Intel) addASN(asn uint32, c hiring.NetworkClass) {
	if old, ok := in.asns[asn]; ok && kindRank(old.Kind) >= kindRank(c.Kind) {
		return
	}
	if _, ok := in.asns[asn]; !ok {
		in.stats.ASNs++
	}
	in.asns[asn] = c
}

// Network classifies ip (and asn, when the evidence gave one): DPRK
// address space first, then VPN and hosting ranges, then the autonomous
// system's class. An IPv4-mapped IPv6 address is looked up as IPv4.
func (in *Intel) Network(ip netip.Addr, asn uint32) (hiring.NetworkClass, bool) {
	best, found := hiring.NetworkClass{}, false
	if ip.IsValid() {
		ip = ip.Unmap()
		t := in.v4
		if ip.Is6() {
			t = in.v6
		}
		best, found = t.lookup(ip)
		if v4, ok := embeddedV4(ip); ok {
			if c, ok := in.v4.lookup(v4); ok && (!found || kindRank(c.Kind) > kindRank(best.Kind)) {
				best, found = c, true
			}
		}
	}
	if asn != 0 {
		if c, ok := in.asns[asn]; ok && (!found || kindRank(c.Kind) > kindRank(best.Kind)) {
			best, found = c, true
		}
	}
	return best, found
}

// Software recognises a remote-access tool or VPN client by its process
// or file name, its path (the catalogues' installation paths, '*' any run
// of characters, case-insensitive, '/' and '\' alike) or its name in an
// installed-programs list. Products in the allow-list are skipped.
func (in *Intel) Software(s hiring.Software) (hiring.ToolMatch, bool) {
	var m hiring.ToolMatch
	found := false
	in.soft.find(s, func(t *tool, signal string) bool {
		if in.allowed(t) {
			return true
		}
		m, found = t.match(signal), true
		return false
	})
	if found && osComponent(s) {
		m.Confidence = ConfidenceLow
	}
	return m, found
}

// USB recognises an IP-KVM among USB devices. A product's distinctive
// strings (manufacturer "PiKVM", product "JetKVM USB Emulation Device")
// identify it with high confidence; its other default strings (TinyPilot's
// product "Multifunction USB Device", PiKVM's serial) only with the USB id
// of an IP-KVM; the id 1d6b:0104 alone is a generic Linux USB gadget, a
// medium-confidence match. vendor and product ids may be given as "1d6b",
// "0x1D6B" or "104".
func (in *Intel) USB(u hiring.USBDevice) (hiring.ToolMatch, bool) {
	return in.hw.usb(u, in.allowed)
}

// Display recognises an IP-KVM by the EDID of the display it emulates: the
// monitor name (PiKVM, TinyPilot: high confidence; JetKVM's Toshiba name:
// low) or the manufacturer id LNX (medium).
func (in *Intel) Display(d hiring.DisplayInfo) (hiring.ToolMatch, bool) {
	return in.hw.display(d, in.allowed)
}

// Domain recognises a remote-access tool by a host name it connects to
// (the catalogues' domains; "*.example.com" covers every sub-domain).
// Products in the allow-list are skipped.
func (in *Intel) Domain(host string) (hiring.ToolMatch, bool) {
	return in.domains.find(host, in.allowed)
}

// Prefixes of IPv6 transition addresses that carry an IPv4 address.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
	teredo = netip.MustParsePrefix("2001::/32")
)

// embeddedV4 returns the IPv4 address an IPv6 transition address carries:
// the last 32 bits of a NAT64 address (64:ff9b::/96), bits 16-47 of a
// 6to4 one (2002::/16), the inverted last 32 bits of a Teredo one (the
// client's public address).
func embeddedV4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixTo4.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case teredo.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}
