package intel

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
)

// MaxFileBytes bounds one reference file; the largest public catalogue
// (X4BNet's VPN ranges) is under 1 MB.
const MaxFileBytes = 64 << 20

const (
	srcX4BNet = "X4BNet lists_vpn (github.com/X4BNet/lists_vpn, MIT)"
	srcLOLRMM = "LOLRMM catalogue (github.com/magicsword-io/LOLRMM, Apache-2.0)"
	srcSplunk = "Splunk remote_access_software lookup (github.com/splunk/security_content, Apache-2.0)"
)

// Load returns the built-in facts extended with the reference data in dir,
// laid out as the package documentation describes (netintel/, rmm/,
// ipkvm/). Missing sub-folders and files are fine; a malformed line is an
// error naming file:line. dir itself must exist.
func Load(dir string) (*Intel, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, bulwark.Invalid("intel", "%s is not a folder: give the folder holding netintel/, rmm/ and ipkvm/ (see the hiring/intel documentation)", dir)
	}
	in := Builtin()
	b := newBuilder(in)
	for _, sub := range []string{"netintel", "rmm", "ipkvm"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, bulwark.Invalid("intel", "reading %s: %v", filepath.Join(dir, sub), err)
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			name := filepath.Join(dir, sub, e.Name())
			parse := b.parserFor(sub, e.Name())
			if parse == nil {
				continue
			}
			if err := parseFile(name, parse); err != nil {
				return nil, err
			}
		}
	}
	return in, nil
}

func parseFile(name string, parse func(string, io.Reader) error) error {
	f, err := os.Open(name)
	if err != nil {
		return bulwark.Invalid("intel", "%s: %v", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.Size() > MaxFileBytes {
		return bulwark.Errorf(bulwark.ETOOLARGE, "intel: %s is %d bytes, over the %d-byte limit of a reference file", name, st.Size(), MaxFileBytes)
	}
	return parse(name, io.LimitReader(f, MaxFileBytes+1))
}

// builder adds parsed rows to an Intel, merging products by name.
type builder struct {
	in       *Intel
	products map[string]*tool // folded product name or alias
}

func newBuilder(in *Intel) *builder {
	b := &builder{in: in, products: map[string]*tool{}}
	seen := map[*tool]bool{}
	remember := func(t *tool) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		b.products[fold(t.product)] = t
		for _, a := range t.aliases {
			b.products[a] = t
		}
	}
	for _, t := range in.soft.files {
		remember(t)
	}
	for _, t := range in.soft.names {
		remember(t)
	}
	for _, rs := range in.soft.segments {
		for _, r := range rs {
			remember(r.tool)
		}
	}
	for _, ss := range in.hw.strs {
		for _, s := range ss {
			remember(s.tool)
		}
	}
	return b
}

// product returns the tool named name, making one when it is new.
func (b *builder) product(name, kind, confidence, source string) *tool {
	k := fold(strings.TrimSpace(name))
	if t := b.products[k]; t != nil {
		return t
	}
	t := &tool{product: strings.TrimSpace(name), kind: kind, confidence: confidence, source: source}
	b.products[k] = t
	if kind != KindIPKVM {
		b.in.stats.Tools++
	}
	return t
}

// parserFor picks the parser of a file by its folder and name: netintel
// .txt files are CIDR lists or (name containing "asn") ASN lists, of the
// kind their name says ("vpn", "datacenter" or "hosting"); netintel .csv
// files whose name contains "dprk" are DPRK space; rmm and ipkvm .csv files
// are told apart by their header. Other files are skipped.
func (b *builder) parserFor(sub, file string) func(string, io.Reader) error {
	lower := strings.ToLower(file)
	switch sub {
	case "netintel":
		if strings.HasSuffix(lower, ".csv") && (strings.Contains(lower, "egress-ip-ranges") ||
			strings.Contains(lower, "private-relay") || strings.Contains(lower, "privaterelay")) {
			return b.parseRelay
		}
		kind := ""
		switch {
		case strings.Contains(lower, "vpn"):
			kind = KindVPN
		case strings.Contains(lower, "datacenter"), strings.Contains(lower, "hosting"):
			kind = KindHosting
		}
		switch {
		case strings.HasSuffix(lower, ".txt") && kind != "" && strings.Contains(lower, "asn"):
			return func(name string, r io.Reader) error { return b.parseASNList(name, r, kind) }
		case strings.HasSuffix(lower, ".txt") && kind != "":
			return func(name string, r io.Reader) error { return b.parseCIDRList(name, r, kind) }
		case strings.HasSuffix(lower, ".csv") && strings.Contains(lower, "dprk"):
			return b.parseDPRK
		}
	case "rmm":
		if strings.HasSuffix(lower, ".csv") {
			return b.parseRMM
		}
	case "ipkvm":
		if strings.HasSuffix(lower, ".csv") {
			return b.parseIPKVM
		}
	}
	return nil
}

// lines calls fn with each line of r (1-based number, trimmed, comments
// after '#' cut off by the caller), failing on invalid UTF-8.
func lines(name string, r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	total := 0
	for sc.Scan() {
		n++
		total += len(sc.Bytes()) + 1
		if total > MaxFileBytes {
			return bulwark.Errorf(bulwark.ETOOLARGE, "intel: %s is over the %d-byte limit of a reference file", name, MaxFileBytes)
		}
		if !utf8.Valid(sc.Bytes()) {
			return bulwark.Invalid("intel", "%s:%d: not UTF-8 text", name, n)
		}
		if err := fn(n, strings.TrimSpace(sc.Text())); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return bulwark.Invalid("intel", "%s:%d: %v", name, n+1, err)
	}
	return nil
}

func cutComment(line string) (value, comment string) {
	v, c, _ := strings.Cut(line, "#")
	return strings.TrimSpace(v), strings.TrimSpace(c)
}

// parsePrefix reads a CIDR prefix or a single address.
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err == nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseCIDRList reads one CIDR prefix or address per line; blank lines and
// text after '#' are ignored.
func (b *builder) parseCIDRList(name string, r io.Reader, kind string) error {
	class := hiring.NetworkClass{Kind: kind, Name: "X4BNet " + kind + " list", Source: srcX4BNet + ": " + filepath.Base(name)}
	if !strings.Contains(strings.ToLower(filepath.Base(name)), "x4bnet") {
		class = hiring.NetworkClass{Kind: kind, Source: filepath.Base(name)}
	}
	return lines(name, r, func(n int, line string) error {
		v, _ := cutComment(line)
		if v == "" {
			return nil
		}
		p, ok := parsePrefix(v)
		if !ok {
			return bulwark.Invalid("intel", "%s:%d: %q is not a CIDR prefix (203.0.113.0/24, 2001:db8::/32) or an address", name, n, v)
		}
		b.in.addPrefix(p, class)
		return nil
	})
}

// parseRelay reads Apple's iCloud Private Relay egress ranges
// (egress-ip-ranges.csv, published by Apple: "prefix,country,region,city,"
// lines without a header) as the relay class.
func (b *builder) parseRelay(name string, r io.Reader) error {
	class := hiring.NetworkClass{Kind: KindRelay, Name: "iCloud Private Relay egress", Source: "Apple: " + filepath.Base(name)}
	return lines(name, r, func(n int, line string) error {
		v, _, _ := strings.Cut(strings.TrimSpace(line), ",")
		if v = strings.TrimSpace(v); v == "" {
			return nil
		}
		p, ok := parsePrefix(v)
		if !ok {
			return bulwark.Invalid("intel", "%s:%d: %q is not a CIDR prefix: expected Apple's egress-ip-ranges.csv lines (prefix,country,region,city,)", name, n, v)
		}
		b.in.addPrefix(p, class)
		return nil
	})
}

// parseASN reads "AS9009", "as9009" or "9009".
func parseASN(s string) (uint32, bool) {
	if len(s) > 2 && (s[:2] == "AS" || s[:2] == "as" || s[:2] == "As") {
		s = s[2:]
	}
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil && v != 0
}

// parseASNList reads "AS<number> # provider name" lines.
func (b *builder) parseASNList(name string, r io.Reader, kind string) error {
	source := filepath.Base(name)
	if strings.Contains(strings.ToLower(source), "x4bnet") {
		source = srcX4BNet + ": " + source
	}
	return lines(name, r, func(n int, line string) error {
		v, comment := cutComment(line)
		if v == "" {
			return nil
		}
		asn, ok := parseASN(v)
		if !ok {
			return bulwark.Invalid("intel", "%s:%d: %q is not an AS number (AS9009 # provider name)", name, n, v)
		}
		label := "AS" + strconv.FormatUint(uint64(asn), 10)
		if comment != "" {
			label += " " + comment
		}
		b.in.addASN(asn, hiring.NetworkClass{Kind: kind, Name: label, Source: source})
		return nil
	})
}

// csvRows reads a CSV file with a header row, calling fn with each record
// and its line; required names columns that must be present.
func csvRows(name string, r io.Reader, required []string, fn func(line int, col func(string) string) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return csvError(name, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !utf8.ValidString(h) {
			return bulwark.Invalid("intel", "%s:1: header is not UTF-8 text", name)
		}
		idx[strings.ToLower(h)] = i
	}
	for _, c := range required {
		if _, ok := idx[strings.ToLower(c)]; !ok {
			return bulwark.Invalid("intel", "%s:1: no %q column (the header needs %s)", name, c, strings.Join(required, ", "))
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return bulwark.Invalid("intel", "%s:%d: not UTF-8 text", name, line)
			}
		}
		col := func(c string) string {
			if i, ok := idx[strings.ToLower(c)]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if err := fn(line, col); err != nil {
			return err
		}
	}
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return bulwark.Invalid("intel", "%s:%d: %v", name, pe.Line, pe.Err)
	}
	return bulwark.Invalid("intel", "%s: %v", name, err)
}

// leadingASN reads the autonomous system number a label starts with:
// "AS131279 (…)", "131279".
func leadingASN(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && strings.EqualFold(s[:2], "as") {
		s = s[2:]
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:end], 10, 32)
	return uint32(n), err == nil && n != 0
}

// parseDPRK reads a CSV with a cidr column (and optional asn, source; an
// asn that starts with an AS number classes that system as DPRK too).
func (b *builder) parseDPRK(name string, r io.Reader) error {
	return csvRows(name, r, []string{"cidr"}, func(line int, col func(string) string) error {
		p, ok := parsePrefix(col("cidr"))
		if !ok {
			return bulwark.Invalid("intel", "%s:%d: %q is not a CIDR prefix", name, line, col("cidr"))
		}
		src := col("source")
		if src == "" {
			src = filepath.Base(name)
		}
		label := col("asn")
		if label == "" {
			label = "DPRK address space"
		}
		c := hiring.NetworkClass{Kind: KindDPRK, Name: label, Source: src}
		b.in.addPrefix(p, c)
		// "AS131279 (Ryugyong-dong …)": the autonomous system is DPRK's
		// too, for evidence that gives the ASN without the address.
		if asn, ok := leadingASN(label); ok {
			b.in.addASN(asn, c)
		}
		return nil
	})
}

// peekHeader returns the lower-cased column names of a CSV's first row,
// without consuming it.
func peekHeader(r *bufio.Reader) map[string]bool {
	line, _ := r.Peek(4096)
	if i := strings.IndexByte(string(line), '\n'); i >= 0 {
		line = line[:i]
	}
	cols := map[string]bool{}
	for _, c := range strings.Split(string(line), ",") {
		cols[strings.ToLower(strings.Trim(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")), `"`))] = true
	}
	return cols
}

// parseRMM reads a remote-access catalogue, telling the layout by its
// header: LOLRMM tools (Name, Category, InstallationPaths), LOLRMM domains
// (URI, RMM_Tool) or Splunk's lookup (description, remote_utility,
// remote_domain).
func (b *builder) parseRMM(name string, r io.Reader) error {
	br := bufio.NewReader(r)
	cols := peekHeader(br)
	switch {
	case cols["name"] && cols["installationpaths"]:
		return b.parseLOLRMMTools(name, br)
	case cols["uri"] && cols["rmm_tool"]:
		return b.parseLOLRMMDomains(name, br)
	case cols["description"] && cols["remote_utility"]:
		return b.parseSplunk(name, br)
	}
	return bulwark.Invalid("intel", "%s:1: unknown catalogue layout: expected LOLRMM tools (Name, InstallationPaths), LOLRMM domains (URI, RMM_Tool) or Splunk remote_access_software (description, remote_utility)", name)
}

// addPatterns adds the comma-separated patterns of one row.
func (b *builder) addPatterns(name string, line int, list string, t *tool) error {
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" || genericFileName(p) {
			continue
		}
		if len(p) > maxPattern || strings.Count(p, "*") > maxStars {
			return bulwark.Invalid("intel", "%s:%d: pattern %q is over %d bytes or %d wildcards", name, line, p, maxPattern, maxStars)
		}
		b.in.soft.addPattern(p, t)
		b.in.stats.Patterns++
	}
	return nil
}

func (b *builder) parseLOLRMMTools(name string, r io.Reader) error {
	return csvRows(name, r, []string{"Name", "InstallationPaths"}, func(line int, col func(string) string) error {
		product := col("Name")
		if product == "" {
			return bulwark.Invalid("intel", "%s:%d: empty Name", name, line)
		}
		t := b.product(product, KindRemoteAccess, ConfidenceMedium, srcLOLRMM)
		if err := b.addPatterns(name, line, col("InstallationPaths"), t); err != nil {
			return err
		}
		for _, c := range []string{"Filename", "OriginalFileName"} {
			if err := b.addPatterns(name, line, col(c), t); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *builder) addDomain(name string, line int, d string, t *tool) error {
	if len(d) > maxPattern || strings.Count(d, "*") > maxStars {
		return bulwark.Invalid("intel", "%s:%d: domain %q is over %d bytes or %d wildcards", name, line, d, maxPattern, maxStars)
	}
	if b.in.domains.add(d, t) {
		b.in.stats.Domains++
	}
	return nil
}

func (b *builder) parseLOLRMMDomains(name string, r io.Reader) error {
	return csvRows(name, r, []string{"URI", "RMM_Tool"}, func(line int, col func(string) string) error {
		if col("URI") == "" || col("RMM_Tool") == "" {
			return bulwark.Invalid("intel", "%s:%d: empty URI or RMM_Tool", name, line)
		}
		t := b.product(col("RMM_Tool"), KindRemoteAccess, ConfidenceMedium, srcLOLRMM)
		return b.addDomain(name, line, col("URI"), t)
	})
}

func (b *builder) parseSplunk(name string, r io.Reader) error {
	return csvRows(name, r, []string{"description", "remote_utility"}, func(line int, col func(string) string) error {
		product := col("description")
		if product == "" {
			return bulwark.Invalid("intel", "%s:%d: empty description (the product name)", name, line)
		}
		conf := ConfidenceMedium
		if strings.EqualFold(col("category"), "Built-in") {
			conf = ConfidenceLow
		}
		t := b.product(product, KindRemoteAccess, conf, srcSplunk)
		if u := col("remote_utility"); u != "" && !genericFileName(u) {
			if len(u) > maxPattern || strings.Count(u, "*") > maxStars {
				return bulwark.Invalid("intel", "%s:%d: pattern %q is over %d bytes or %d wildcards", name, line, u, maxPattern, maxStars)
			}
			b.in.soft.addPattern(u, t)
			b.in.stats.Patterns++
		}
		if d := col("remote_domain"); d != "" {
			return b.addDomain(name, line, d, t)
		}
		return nil
	})
}

// parseIPKVM reads IP-KVM fingerprints: product, signal_type (usb or
// edid), field and value. USB fields: "idVendor:idProduct" (value
// "1d6b:0104", text after a space ignored), "manufacturer string",
// "product string", "serial string". EDID fields: "monitor name" (several
// names separated by " | "); a "low-signal" note in
// default_or_configurable makes the name a low-confidence match. EDID
// manufacturer ids and product codes are not taken from data: real
// monitors share them (TinyPilot and JetKVM emulate Toshiba's TSB).
func (b *builder) parseIPKVM(name string, r io.Reader) error {
	return csvRows(name, r, []string{"product", "signal_type", "field", "value"}, func(line int, col func(string) string) error {
		product, field, value := col("product"), strings.ToLower(col("field")), col("value")
		if product == "" || value == "" {
			return bulwark.Invalid("intel", "%s:%d: empty product or value", name, line)
		}
		src := "IP-KVM fingerprints: " + filepath.Base(name)
		if repo := col("source_repo"); repo != "" {
			src += " (" + repo + ")"
		}
		switch strings.ToLower(col("signal_type")) {
		case "usb":
			t := b.product(product, KindIPKVM, ConfidenceHigh, src)
			switch {
			case strings.HasPrefix(field, "idvendor:idproduct"):
				id, _, _ := strings.Cut(value, " ")
				v, p, ok := strings.Cut(id, ":")
				if v, p = usbID(v), usbID(p); !ok || v == "" || p == "" {
					return bulwark.Invalid("intel", "%s:%d: %q is not a USB id (vendor:product, e.g. 1d6b:0104)", name, line, value)
				}
				b.addUSBID(v+":"+p, t)
			case strings.HasPrefix(field, "manufacturer"):
				b.in.hw.addString("manufacturer", value, t)
			case strings.HasPrefix(field, "product"):
				b.in.hw.addString("product", value, t)
			case strings.HasPrefix(field, "serial"):
				b.in.hw.addString("serial", value, t)
			default:
				return nil
			}
			b.in.stats.IPKVM++
		case "edid":
			if !strings.Contains(field, "monitor name") {
				return nil
			}
			names := strings.Split(value, "|")
			if strings.Contains(field, "/") {
				// "manufacturer PNP id / product code / monitor name": the
				// monitor name is the value in the same position.
				fields, values := strings.Split(field, "/"), strings.Split(value, "/")
				if len(fields) != len(values) {
					return bulwark.Invalid("intel", "%s:%d: field %q has %d parts but value %q has %d", name, line, col("field"), len(fields), value, len(values))
				}
				names = nil
				for i, f := range fields {
					if strings.Contains(f, "monitor name") {
						names = append(names, values[i])
					}
				}
			}
			note := strings.ToLower(col("default_or_configurable"))
			weak := strings.Contains(note, "low-signal") || strings.Contains(note, "low signal")
			t := b.product(product, KindIPKVM, ConfidenceHigh, src)
			for _, n := range names {
				if strings.TrimSpace(n) != "" {
					b.in.hw.addDisplay("monitor name", n, t, weak)
					b.in.stats.IPKVM++
				}
			}
		default:
			return bulwark.Invalid("intel", "%s:%d: signal_type %q is neither usb nor edid", name, line, col("signal_type"))
		}
		return nil
	})
}

// addUSBID maps a USB id to t, or to the generic gadget when another
// product already claims it.
func (b *builder) addUSBID(id string, t *tool) {
	old := b.in.hw.ids[id]
	switch {
	case old == nil:
		b.in.hw.ids[id] = t
	case old != t && old.product != genericGadgetProduct:
		g := builtinGeneric
		b.in.hw.ids[id] = &g
	}
}
