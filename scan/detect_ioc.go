package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// IOC is one indicator of compromise.
type IOC struct {
	// Type is ipv4, domain, url, sha256, npm_package, pypi_package or
	// string (other types of the CSV are kept for the rule file).
	Type  string
	Value string
	// Context says what the indicator is (a C2, a loader package).
	Context string
	Family  string
	// Confidence is high, medium or low.
	Confidence string
	// Source cites the report.
	Source string
}

// IOCs is a set of indicators, looked up by value. It is built once and
// read-only afterwards.
type IOCs struct {
	packages map[string]IOC // npm and PyPI names, lower case
	hashes   map[string]IOC // sha256 hex, lower case
	// needles are searched for in the text: IPs, domains, URLs without
	// their scheme, distinctive strings.
	needles []IOC
}

// sourceCitations expands the CSV's source ids.
var sourceCitations = map[string]string{
	"SOCKET-2025-06":  "Socket (June 2025), Contagious Interview campaign drops 35 new malicious npm packages (HexEval loaders)",
	"POLINRIDER-2026": "OpenSourceMalware, PolinRider (2026)",
	"SIGMA-AXIOS":     "SigmaHQ rules-emerging-threats/2026 Axios-NPM-Compromise; OSV MAL-2026-2306; attribution to UNC1069 by Google GTIG",
}

// builtinPackages are malicious npm package names from public reports,
// kept as Bulwark's own data (names and citations only).
var builtinPackages = []struct{ name, source string }{
	{"react-plaid-sdk", "SOCKET-2025-06"},
	{"sumsub-node-websdk", "SOCKET-2025-06"},
	{"vite-plugin-next-refresh", "SOCKET-2025-06"},
	{"vite-plugin-purify", "SOCKET-2025-06"},
	{"nextjs-insight", "SOCKET-2025-06"},
	{"vite-plugin-svgn", "SOCKET-2025-06"},
	{"node-loggers", "SOCKET-2025-06"},
	{"react-logs", "SOCKET-2025-06"},
	{"reactbootstraps", "SOCKET-2025-06"},
	{"framer-motion-ext", "SOCKET-2025-06"},
	{"serverlog-dispatch", "SOCKET-2025-06"},
	{"mongo-errorlog", "SOCKET-2025-06"},
	{"next-log-patcher", "SOCKET-2025-06"},
	{"vite-plugin-tools", "SOCKET-2025-06"},
	{"pixel-percent", "SOCKET-2025-06"},
	{"test-topdev-logger-v1", "SOCKET-2025-06"},
	{"test-topdev-logger-v3", "SOCKET-2025-06"},
	{"server-log-engine", "SOCKET-2025-06"},
	{"logbin-nodejs", "SOCKET-2025-06"},
	{"vite-loader-svg", "SOCKET-2025-06"},
	{"struct-logger", "SOCKET-2025-06"},
	{"flexible-loggers", "SOCKET-2025-06"},
	{"beautiful-plugins", "SOCKET-2025-06"},
	{"chalk-config", "SOCKET-2025-06"},
	{"jsonpacks", "SOCKET-2025-06"},
	{"jsonspecific", "SOCKET-2025-06"},
	{"jsonsecs", "SOCKET-2025-06"},
	{"util-buffers", "SOCKET-2025-06"},
	{"blur-plugins", "SOCKET-2025-06"},
	{"proc-watch", "SOCKET-2025-06"},
	{"node-orm-mongoose", "SOCKET-2025-06"},
	{"prior-config", "SOCKET-2025-06"},
	{"use-videos", "SOCKET-2025-06"},
	{"lucide-node", "SOCKET-2025-06"},
	{"router-parse", "SOCKET-2025-06"},
	{"tailwind-mainanimation", "POLINRIDER-2026"},
	{"tailwind-autoanimation", "POLINRIDER-2026"},
	{"plain-crypto-js", "SIGMA-AXIOS"},
}

// BuiltinIOCs returns the indicators built into Bulwark: the names of
// malicious npm packages of the Contagious Interview, PolinRider and
// axios-compromise campaigns.
func BuiltinIOCs() *IOCs {
	s := &IOCs{packages: map[string]IOC{}, hashes: map[string]IOC{}}
	for _, p := range builtinPackages {
		s.packages[p.name] = IOC{Type: "npm_package", Value: p.name, Context: "malicious package", Confidence: "high",
			Source: sourceCitations[p.source]}
	}
	return s
}

// LoadIOCs reads an indicator CSV (columns type,value,port,context,
// family_or_campaign,confidence,source_id,source_ref, as in
// hire/iocs/contagious_interview_iocs.csv) and returns the built-in
// indicators with the file's added. name is used in errors.
func LoadIOCs(r io.Reader, name string) (*IOCs, error) {
	s := BuiltinIOCs()
	cr := csv.NewReader(io.LimitReader(r, 64<<20))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, bulwark.Invalid("iocs", "%s: cannot read the header line: %v (want a CSV starting type,value,...)", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	if _, ok := col["type"]; !ok {
		return nil, bulwark.Invalid("iocs", "%s:1: no \"type\" column (want a CSV header starting type,value,...)", name)
	}
	if _, ok := col["value"]; !ok {
		return nil, bulwark.Invalid("iocs", "%s:1: no \"value\" column (want a CSV header starting type,value,...)", name)
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, bulwark.Invalid("iocs", "%s:%d: %v (fix the CSV quoting)", name, line, err)
		}
		ioc := IOC{Type: strings.ToLower(get(rec, "type")), Value: get(rec, "value"), Context: get(rec, "context"),
			Family: get(rec, "family_or_campaign"), Confidence: strings.ToLower(get(rec, "confidence"))}
		ioc.Source = get(rec, "source_ref")
		if c, ok := sourceCitations[get(rec, "source_id")]; ok {
			ioc.Source = c
		} else if id := get(rec, "source_id"); id != "" && (ioc.Source == "" || ioc.Source == "same") {
			ioc.Source = id
		}
		if ioc.Value == "" {
			continue
		}
		s.add(ioc)
	}
	return s, nil
}

func (s *IOCs) add(ioc IOC) {
	v := ioc.Value
	switch ioc.Type {
	case "npm_package", "pypi_package":
		s.packages[strings.ToLower(v)] = ioc
	case "sha256":
		if len(v) == 64 {
			s.hashes[strings.ToLower(v)] = ioc
		}
	case "ipv4", "domain", "string", "tron_address", "base64":
		if len(v) >= 7 {
			s.needles = append(s.needles, ioc)
		}
	case "url":
		v = strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://")
		v = strings.TrimRight(v, "/")
		if len(v) >= 7 {
			ioc.Value = v
			s.needles = append(s.needles, ioc)
		}
	}
}

// Package returns the indicator for a package name, if any.
func (s *IOCs) Package(name string) (IOC, bool) {
	i, ok := s.packages[strings.ToLower(name)]
	return i, ok
}

func iocSeverity(confidence string) Severity {
	switch confidence {
	case "high":
		return SeverityCritical
	case "low":
		return SeverityLow
	}
	return SeverityHigh
}

// IOCDetector looks for indicators in every file:
//
//   - KNOWN-IOC: an IP, domain, URL or string of the indicator list in
//     the text, or a file whose SHA-256 is listed (critical for
//     high-confidence indicators, high for medium, low for low);
//   - C2-PORT: a host:port or URL using a port of the BeaverTail and
//     InvisibleFerret C2 servers (1224, 1244, 2245, 8637) (high);
//   - BLOCKCHAIN-DEAD-DROP-FETCH: a TRON, Aptos or BSC RPC endpoint
//     together with a call reading transaction data and code that
//     decodes or runs it (a transaction's input, hex or base64 decoding,
//     eval), the way EtherHiding-style loaders fetch their next stage
//     (high); a balance read or a contract call alone is not reported.
//
// Everything is static text matching; nothing is contacted.
type IOCDetector struct {
	iocs    *IOCs
	maxHash int64
}

// NewIOCDetector returns an IOCDetector for the indicators, hashing files
// of up to maxHash bytes.
func NewIOCDetector(iocs *IOCs, maxHash int64) IOCDetector {
	return IOCDetector{iocs: iocs, maxHash: maxHash}
}

// ID implements [Detector].
func (IOCDetector) ID() string { return "IOC" }

// Applies implements [Detector]: every file.
func (IOCDetector) Applies(string) bool { return true }

var c2Ports = []string{"1224", "1244", "2245", "8637"}

// Detect implements [Detector].
func (d IOCDetector) Detect(f *File) []Finding {
	var out []Finding
	data := f.Data
	sum := f.SHA256
	if sum == "" && !f.Truncated && f.Offset == 0 && int64(len(data)) <= d.maxHash {
		h := sha256.Sum256(data)
		sum = hex.EncodeToString(h[:])
	}
	if len(d.iocs.hashes) > 0 && sum != "" && f.Size <= d.maxHash {
		if ioc, ok := d.iocs.hashes[sum]; ok {
			out = append(out, Finding{Rule: "KNOWN-IOC", Severity: iocSeverity(ioc.Confidence), File: f.Path,
				Snippet:     "sha256 " + ioc.Value,
				Explanation: "This file is byte for byte a known malicious file (" + ioc.Context + ", " + ioc.Family + "). It was planted in the repository to be run by a script, a task or an import.",
				Source:      ioc.Source})
		}
	}
	text := isTextish(data)
	if !text {
		return out
	}
	li := lineIndex{data: data}
	for _, ioc := range d.iocs.needles {
		needle := []byte(ioc.Value)
		for from, n := 0, 0; n < 5; n++ {
			i := bytes.Index(data[from:], needle)
			if i < 0 {
				break
			}
			i += from
			from = i + len(needle)
			if !needleBounded(data, i, from, ioc.Type) {
				continue
			}
			out = append(out, Finding{Rule: "KNOWN-IOC", Severity: iocSeverity(ioc.Confidence), File: f.Path, Line: li.line(i),
				Snippet:     safeText(windowText(data, i, from), maxSnippet),
				Explanation: "Contains a known indicator of the " + ioc.Family + " campaign (" + ioc.Type + ": " + ioc.Context + "). Attackers reuse their infrastructure across lures; a match means this repository talks to, or is, part of a known operation.",
				Source:      ioc.Source})
			break
		}
	}
	out = append(out, c2PortFindings(f.Path, data, &li)...)
	out = append(out, deadDropFindings(f.Path, data, &li)...)
	return out
}

// isTextish skips files that are clearly binary (a NUL in the first
// 8 KiB).
func isTextish(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), 8192)], 0) < 0
}

// needleBounded wants an IP or domain not to be part of a longer one.
func needleBounded(data []byte, s, e int, typ string) bool {
	if typ != "ipv4" && typ != "domain" {
		return true
	}
	if s > 0 {
		c := data[s-1]
		if c >= '0' && c <= '9' || typ == "ipv4" && c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' {
			return false
		}
	}
	if e < len(data) {
		c := data[e]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '.' && e+1 < len(data) && data[e+1] >= '0' && data[e+1] <= '9' {
			return false
		}
	}
	return true
}

// windowText shows the line around a match, bounded on long lines.
func windowText(data []byte, s, e int) string {
	a := s
	for k := 0; a > 0 && k < 60 && data[a-1] != '\n'; k++ {
		a--
	}
	b := e
	for k := 0; b < len(data) && k < 60 && data[b] != '\n'; k++ {
		b++
	}
	return string(bytes.TrimSpace(data[a:b]))
}

// c2PortFindings finds host:PORT with one of the C2 ports, the host
// being an IP address or a domain name (not localhost).
func c2PortFindings(p string, data []byte, li *lineIndex) []Finding {
	var out []Finding
	// One pass over the colons, each followed by one of the ports.
	for from := 0; len(out) < 10; {
		i := bytes.IndexByte(data[from:], ':')
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		if i+5 > len(data) || data[i+1] != '1' && data[i+1] != '2' && data[i+1] != '8' {
			continue
		}
		port := ""
		for _, c := range c2Ports {
			if string(data[i+1:i+5]) == c {
				port = c
			}
		}
		if port == "" || i+5 < len(data) && data[i+5] >= '0' && data[i+5] <= '9' {
			continue
		}
		host, ok := hostBefore(data, i)
		hostLen := len(host)
		if !ok {
			// The host joined at run time: 'http://' + host + ':1244/keys',
			// `http://${host}:1224/pdown`. The port opens a string or
			// follows a template's expression, and a path or the string's
			// end follows it (not "key":1224, a JSON number).
			if host != "" || i == 0 || strings.IndexByte("\"'`}", data[i-1]) < 0 || i+5 < len(data) && strings.IndexByte("/\"'`", data[i+5]) < 0 {
				continue
			}
			host = "a host put together at run time"
		}
		if n := len(out); n > 0 && out[n-1].Line == li.line(i) {
			continue
		}
		out = append(out, Finding{Rule: "C2-PORT", Severity: SeverityHigh, File: p, Line: li.line(i),
			Snippet:     safeText(windowText(data, i-hostLen, i+5), maxSnippet),
			Explanation: "Connects to " + host + " on port " + port + ", a port the BeaverTail and InvisibleFerret command-and-control servers of the Contagious Interview campaign use. A take-home test has no reason to talk to a server on it.",
			Source:      srcMITREPorts})
	}
	return append(out, c2PortVariables(p, data, li, out)...)
}

// c2PortVar is a variable or key named like a port set to a C2 port:
// const port = 1224, PORT = 8637, { port: '1244' }.
var c2PortVar = regexp.MustCompile(`(?i)\b[a-z_$]*port\s*[:=]\s*["']?(1224|1244|2245|8637)["']?\s*([,;)}\r\n]|$)`)

// c2PortVariables reports a C2 port kept in a variable apart from its
// host (BeaverTail's and InvisibleFerret's deobfuscated configuration),
// when the file also names a host: an IPv4 address or a URL scheme.
func c2PortVariables(p string, data []byte, li *lineIndex, have []Finding) []Finding {
	if !bytes.Contains(data, []byte("1224")) && !bytes.Contains(data, []byte("1244")) && !bytes.Contains(data, []byte("2245")) && !bytes.Contains(data, []byte("8637")) {
		return nil
	}
	if !bytes.Contains(data, []byte("http")) && !bytes.Contains(data, []byte("ws://")) && !hasIPv4(data) {
		return nil
	}
	var out []Finding
	for _, m := range c2PortVar.FindAllSubmatchIndex(data, 5) {
		line := li.line(m[0])
		dup := false
		for _, x := range have {
			dup = dup || x.Line == line
		}
		if dup {
			continue
		}
		port := string(data[m[2]:m[3]])
		out = append(out, Finding{Rule: "C2-PORT", Severity: SeverityHigh, File: p, Line: line,
			Snippet:     safeText(windowText(data, m[0], m[3]), maxSnippet),
			Explanation: "Keeps port " + port + " apart from the server's address, to be joined at run time: a port the BeaverTail and InvisibleFerret command-and-control servers of the Contagious Interview campaign use. Splitting the address keeps 'host:port' out of a search; a take-home test has no reason to talk to a server on that port.",
			Source:      srcMITREPorts})
	}
	return out
}

// hasIPv4 says whether data holds a dotted IPv4 address literal.
func hasIPv4(data []byte) bool { return ipv4Literal.Match(data) }

var ipv4Literal = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)

// hostBefore returns the host name or IP ending at end when it is one
// (an IPv4 address, or a dotted name with a letter in its last label).
func hostBefore(data []byte, end int) (string, bool) {
	s := end
	for s > 0 && end-s < 253 {
		c := data[s-1]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			s--
			continue
		}
		break
	}
	host := string(data[s:end])
	if host == "" || strings.HasPrefix(host, "localhost") || strings.HasPrefix(host, "127.") || host == "0.0.0.0" {
		return host, false
	}
	if _, ok := ipBefore(data, end); ok {
		return host, true
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot == len(host)-1 {
		return host, false
	}
	tld := host[dot+1:]
	for _, c := range tld {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return host, false
		}
	}
	return host, len(tld) >= 2
}

// deadDrops pairs an RPC endpoint with what reads transaction data from
// it.
var deadDrops = []struct {
	chain     string
	anchor    string
	endpoints []string
	reads     []string
}{
	{"TRON", "tron", []string{"api.trongrid.io", "api.shasta.trongrid.io", "nile.trongrid.io", "apilist.tronscan"}, []string{"/transactions", "gettransactionbyid", "gettransactioninfobyid", "/v1/accounts/", "/api/transaction"}},
	{"Aptos", "aptoslabs", []string{"fullnode.mainnet.aptoslabs.com", "api.mainnet.aptoslabs.com", "fullnode.testnet.aptoslabs.com", "api.testnet.aptoslabs.com"}, []string{"/transactions", "/accounts/"}},
	// EtherHiding reads a contract's storage on the BSC testnet with eth_call.
	{"BNB Smart Chain", "bsc", []string{"bsc-dataseed", "bsc-rpc", "bsc.publicnode.com", "bsc-testnet", "data-seed-prebsc", "binance.llamarpc.com", "api.bscscan.com", "api-testnet.bscscan.com"}, []string{"eth_getTransactionByHash", "getTransaction(", "txlist", "eth_call", "getStorageAt", "ethers.Contract", "eth.Contract("}},
}

// chainPayload matches what turns data read from a chain into a payload:
// a transaction's input or raw data, a hex, base64 or UTF-8 decoding of
// it, or a sink that runs code.
var chainPayload = regexp.MustCompile(`\.input\b|\[['"]input['"]\]|raw_data|hexToString|hexToUtf8|hexToAscii|toUtf8String|toAscii\(|hex2a|Buffer\.from\([^\n;]{0,80}?['"](hex|base64)['"]|bytes\.fromhex|b64decode|atob\(|fromCharCode|\beval\s*\(|\bFunction\s*\(|child_process|runInThisContext|\bexec\s*\(`)

// deadDropFindings reports an endpoint of a blockchain used as a dead
// drop when the same file also reads transaction data and decodes or
// runs it (the payload-reading shape).
func deadDropFindings(p string, data []byte, li *lineIndex) []Finding {
	var out []Finding
	for _, dd := range deadDrops {
		if !bytes.Contains(data, []byte(dd.anchor)) && !(dd.anchor == "bsc" && (bytes.Contains(data, []byte("binance")) || bytes.Contains(data, []byte("prebsc")))) {
			continue
		}
		for _, ep := range dd.endpoints {
			i := bytes.Index(data, []byte(ep))
			if i < 0 {
				continue
			}
			read := ""
			for _, r := range dd.reads {
				if bytes.Contains(data, []byte(r)) {
					read = r
					break
				}
			}
			if read == "" {
				continue
			}
			// The payload-reading shape: what is read is a transaction's
			// input or data that the code decodes or runs. A balance or a
			// contract call whose number is shown is a dApp, left to
			// BLOCKCHAIN-RPC-ENDPOINT (low).
			payload := chainPayload.Find(data)
			if payload == nil {
				continue
			}

			out = append(out, Finding{Rule: "BLOCKCHAIN-DEAD-DROP-FETCH", Severity: SeverityHigh, File: p, Line: li.line(i),
				Snippet:     safeText(windowText(data, i, i+len(ep)), maxSnippet),
				Explanation: "Reads transaction data from a public " + dd.chain + " node (" + ep + ", " + strconv.Quote(read) + ") and decodes or runs what it reads (" + strconv.Quote(safeText(string(payload), 40)) + "). Attackers store the next stage or the C2 address in a transaction on a blockchain, which nobody can take down, and the loader fetches it from there: an interview project has no reason to.",
				Source:      srcGTIGEther + "; " + srcPolinRider})
			break
		}
	}
	return out
}
