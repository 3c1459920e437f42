// Package intel is the reference data the hiring checks classify evidence
// with: which network addresses belong to VPN, hosting or North Korean
// networks, which software is a remote-access tool or VPN client, and which
// USB devices and displays are IP-KVM hardware. [*Intel] implements
// [hiring.NetworkIntel] and [hiring.DeviceIntel].
//
// # Built-in facts
//
// [Builtin] holds a small table Bulwark ships, each row citing its public
// source: the DPRK allocation 175.45.176.0/22, the process names, install
// folders and program names of the best-known remote-access tools
// (AnyDesk, TeamViewer, Chrome Remote Desktop, RustDesk, ScreenConnect,
// Splashtop, TightVNC, RealVNC, UltraVNC, NetSupport Manager, MeshAgent,
// ngrok, Atera, Parsec, and at low confidence Windows' own Remote Desktop
// Connection and Quick Assist), the Astrill VPN client, and the default
// USB and EDID fingerprints of PiKVM, TinyPilot and JetKVM.
//
// # Reference folder
//
// Third-party catalogues are not shipped; [Load] reads them from a folder
// (the CLI's --intel DIR, environment BULWARK_HIRE_INTEL) and adds them to
// the built-in facts. Missing sub-folders or files are fine; a malformed
// line is an error naming file:line; a file over [MaxFileBytes] is
// refused. Files are read in name order; other files are skipped.
//
//	netintel/*vpn*.txt, *datacenter*.txt, *hosting*.txt
//	    One CIDR prefix (IPv4 or IPv6) or address per line, blank lines and
//	    text after '#' ignored, e.g. X4BNet's output/vpn/ipv4.txt. The name
//	    says the kind: vpn, or hosting for datacenter/hosting.
//	netintel/*vpn*asn*.txt, *datacenter*asn*.txt (any case)
//	    "AS9009 # M247, GB (NordVPN)": one AS number per line, the
//	    provider's name after '#'; e.g. X4BNet's input/vpn/ASN.txt and
//	    input/datacenter/ASN.txt.
//	netintel/egress-ip-ranges.csv (or *private-relay*.csv)
//	    Apple's published iCloud Private Relay egress ranges
//	    ("prefix,country,region,city," lines): class relay, which outranks
//	    the VPN lists and hosting ASNs that cover the same addresses, so
//	    that a Safari user with iCloud+ is not counted as using a VPN.
//	netintel/*dprk*.csv
//	    CSV with a header; column cidr required, asn (a label) and source
//	    optional: address space allocated to North Korea. An asn label
//	    that starts with an AS number ("AS131279 (…)") classes that
//	    autonomous system as dprk too.
//	rmm/*.csv
//	    Remote-access catalogues, told apart by their header:
//	    LOLRMM rmm_tools.csv (Name, InstallationPaths, and Filename,
//	    OriginalFileName when filled: comma-separated file names and path
//	    patterns such as `C:\*\kitty.exe`); LOLRMM rmm_domains.csv (URI,
//	    RMM_Tool); Splunk's remote_access_software lookup (description,
//	    remote_utility, remote_domain, category).
//	ipkvm/*.csv
//	    IP-KVM fingerprints: product, signal_type (usb or edid), field,
//	    value, and optionally default_or_configurable and source_repo. USB
//	    fields: idVendor:idProduct, manufacturer string, product string,
//	    serial string; EDID: monitor name (several joined by " | ").
//
// # Matching
//
// Parts of the operating system that catalogues list (macOS's ARDAgent,
// Windows's msra.exe, mstsc.exe, quickassist.exe) match with low
// confidence whatever the catalogue says, and a catalogue's bare file
// names that ordinary software shares (g2mcomm.exe of GoTo Meeting,
// connect.exe, rdp.exe, update.exe …) are not indexed; their paths are.
//
// Network looks an address up in a binary prefix trie (IPv4 and IPv6; an
// address in DPRK space is dprk even when a VPN range covers it too; an
// IPv6 address that carries an IPv4 one, NAT64 64:ff9b::/96, 6to4
// 2002::/16 or Teredo 2001::/32, is looked up by that IPv4 address too), then
// the autonomous system number in a map. Software matches the file name of
// the path or the process name exactly, a program name from an
// installed-programs list by its leading words ("TeamViewer 15" is
// TeamViewer), and path patterns, where '*' is any run of characters,
// case is ignored and '/' and '\' are alike; a pattern that names a folder
// or file also covers the paths under it. Patterns are indexed by their
// most distinctive literal path element, so a lookup tries a handful of
// patterns, not the whole catalogue, and no regular expression is built
// from data. Patterns are limited to 512 bytes and 8 wildcards.
//
// Every match carries a Confidence: high for a product's own name, file or
// fingerprint; medium for generic signs (the Linux USB gadget id 1d6b:0104
// alone, which PiKVM, TinyPilot, JetKVM and DIY keyboard emulators all
// present, or the EDID manufacturer LNX) and for catalogue entries that are
// often sanctioned IT tools; low for an operating system's own remote
// desktop (mstsc.exe, Quick Assist) and for EDID names real monitors share.
//
// # Sanctioned tools
//
// Employers run remote-access tools of their own: pass their product names
// in [Options].Allow (via [Intel.WithOptions]) and those matches are not
// reported, e.g. Options{Allow: []string{"TeamViewer", "Microsoft Remote
// Desktop Connection"}}. Names compare case-insensitively with the Product
// of a match and the product's aliases.
package intel
