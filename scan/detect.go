package scan

import (
	"bytes"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DetectOptions configures the Go detectors returned by [Detectors].
type DetectOptions struct {
	// IOCs adds indicators (IPs, domains, URLs, file hashes, package
	// names, strings) to the built-in malicious package names; nil uses
	// the built-in list only. Load a CSV with [LoadIOCs] (the --iocs
	// flag).
	IOCs *IOCs
	// MaxHashBytes bounds the size of a file whose SHA-256 is compared
	// with the indicators' hashes (0: 32 MiB).
	MaxHashBytes int64
}

// Detectors returns the Go detectors, one for each kind of check a rule
// pattern cannot express:
//
//   - ENCODED-BLOB: long base64, hex, \x-escape and char-code payloads,
//     decoded (never evaluated) and classified;
//   - HIDDEN-AFTER-WHITESPACE, CONFIG-APPENDED-CODE, CONFIG-LONG-LINE: code
//     pushed off-screen or appended to a build tool's config file;
//   - UNICODE-BIDI, UNICODE-INVISIBLE: Trojan Source control characters and
//     invisible identifiers;
//   - KNOWN-MALICIOUS-DEPENDENCY, TYPOSQUAT-DEPENDENCY, DEP-URL-SOURCE,
//     DEP-RAW-IP-SOURCE: dependencies in manifests and lockfiles;
//   - KNOWN-IOC, C2-PORT, BLOCKCHAIN-DEAD-DROP-FETCH: indicators of
//     compromise in the text and the files' hashes;
//   - COMMITTED-BINARY: executables and compiled code by magic bytes;
//   - GYP-COMMAND-EXPANSION, GIT-CONFIG-EXEC: binding.gyp and .git/config
//     that run commands on npm install or any git command;
//   - JS-EXEC-FETCHED, JS-EXEC-DECODED, JS-SINK-OBFUSCATED,
//     JS-ENV-EXFIL-FLOW: JavaScript followed from fetched or decoded data
//     (or the whole environment) to eval, Function, vm, child_process (or
//     a request), through escapes, joined strings, variables and callbacks;
//   - AUTORUN-TARGET-SUSPICIOUS: install scripts, folderOpen tasks and dev
//     container commands followed to the files they run, whose findings
//     are reported again one step more severe (in a Scanner only: it
//     relates files to one another).
func Detectors(opt DetectOptions) []Detector {
	iocs := opt.IOCs
	if iocs == nil {
		iocs = BuiltinIOCs()
	}
	maxHash := opt.MaxHashBytes
	if maxHash <= 0 {
		maxHash = 32 << 20
	}
	return []Detector{
		Sanitized(BlobDetector{}),
		Sanitized(HiddenCodeDetector{}),
		Sanitized(UnicodeDetector{}),
		Sanitized(NewDependencyDetector(iocs)),
		Sanitized(NewIOCDetector(iocs, maxHash)),
		Sanitized(BinaryDetector{}),
		Sanitized(ExecConfigDetector{}),
		Sanitized(JSFlowDetector{}),
		Sanitized(AutorunDetector{}),
	}
}

// Sanitized wraps d so that its findings are safe to show and placed in
// the whole file: File is passed through [SafePath] (the file's path when
// empty), and Line counts from the start of the file for a later window
// of a long file (File.Line > 1).
func Sanitized(d Detector) Detector {
	if _, ok := d.(sanitized); ok {
		return d
	}
	return sanitized{d}
}

type sanitized struct{ Detector }

// Detect implements [Detector].
func (s sanitized) Detect(f *File) []Finding {
	out := s.Detector.Detect(f)
	for i := range out {
		x := &out[i]
		if x.File == "" {
			x.File = f.Path
		}
		x.File = SafePath(x.File)
		if f.Line > 1 && x.Line > 0 {
			x.Line += f.Line - 1
		}
	}
	return out
}

// SafePath makes a path (or any short text from the scanned tree) safe to
// print on a terminal or in a browser: control characters (ESC, CR, NUL),
// C1 controls, bidirectional overrides and isolates, invisible and other
// format characters, line and paragraph separators and non-space blanks
// are escaped as \xNN or \uNNNN (\UNNNNNNNN above U+FFFF), invalid UTF-8
// as \xNN, and a backslash as \\ so that the escaping cannot be forged. A
// name that needed escaping is itself suspicious: compare the result with
// the input to tell.
func SafePath(s string) string {
	clean := true
	for _, r := range s {
		if r == '\\' || r == utf8.RuneError || pathRuneUnsafe(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x80 && pathRuneUnsafe(r):
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case pathRuneUnsafe(r) && r > 0xFFFF:
			b.WriteString(`\U`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 8-len(h)) + h)
		case pathRuneUnsafe(r):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", max4(4-len(h))) + h)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// pathRuneUnsafe says whether r must not reach a terminal raw in a path.
func pathRuneUnsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		return true
	case isBidi(r) || isInvisible(r) || r == 0x200E || r == 0x200F || r == 0x061C:
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xFFFC || r == 0xFFFD:
		return true
	case r >= 0x80 && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Co, r)):
		return true
	}
	return false
}

// FoldPath returns p as a case-insensitive file system (macOS APFS,
// Windows NTFS) sees it, for matching well-known names: lower-cased
// (Unicode simple folding). npm opens Package.json, VS Code
// .vscode/Tasks.json and git .git/Hooks/post-checkout there, so a rule
// or detector keyed on a well-known name must match FoldPath(f.Path).
func FoldPath(p string) string {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return strings.ToLower(p)
		}
	}
	return p
}

// Source citations used by more than one detector.
const (
	srcPolinRider   = "OpenSourceMalware, PolinRider (2026): obfuscated payloads appended to postcss/tailwind/eslint/next configs after whitespace padding; TRON/Aptos/BSC dead drops"
	srcChainFlip    = "ChainFlip Labs interview-repo dossier (2026): base64 C2 URL and eval loader hidden off-screen in routes/api/auth.js"
	srcSocketHexEva = "Socket (2025), Contagious Interview HexEval loaders: hex/base64-encoded C2 decoded at runtime"
	srcTrojanSource = "Boucher & Anderson, Trojan Source (CVE-2021-42574, CVE-2021-42694); GlassWorm (2025) invisible Unicode payloads"
	srcMITREPorts   = "MITRE ATT&CK T1571: BeaverTail (S1246) C2 ports 1224/1244, InvisibleFerret (S1245) 2245/8637"
	srcGTIGEther    = "Google GTIG (2025), UNC5342 EtherHiding/JADESNOW; PolinRider (2026): payloads read from blockchain transactions"
)

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex struct {
	data []byte
	// starts holds the offsets of line starts, built lazily.
	starts []int
}

func (li *lineIndex) line(off int) int {
	if li.starts == nil {
		li.starts = make([]int, 1, 64)
		for i, b := range li.data {
			if b == '\n' {
				li.starts = append(li.starts, i+1)
			}
		}
	}
	lo, hi := 0, len(li.starts)
	for lo < hi {
		m := (lo + hi) / 2
		if li.starts[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// lineAt returns the number of the line holding off, counted directly
// (for detectors that report rarely).
func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// maxSnippet is how many runes of matched text a finding shows.
const maxSnippet = 160

// safeText makes s safe to print: control, bidirectional and invisible
// characters are escaped (\u202e, \x1b), invalid UTF-8 shown as \xNN,
// and the result cut to max runes with "…".
func safeText(s string, max int) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n >= max {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case r >= 0x80 && (isInvisible(r) || isBidi(r) || (r >= 0x80 && r < 0xa0)):
			b.WriteString(`\u`)
			s4 := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", max4(4-len(s4))) + s4)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		n++
	}
	return b.String()
}

func max4(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// ext returns the lower-case extension of p without the dot.
func ext(p string) string {
	e := path.Ext(p)
	if e == "" {
		return ""
	}
	return strings.ToLower(e[1:])
}

// base returns the lower-case last element of p.
func base(p string) string {
	if i := strings.LastIndexAny(p, "/!"); i >= 0 {
		p = p[i+1:]
	}
	return strings.ToLower(p)
}

var sourceExts = map[string]bool{
	"js": true, "cjs": true, "mjs": true, "jsx": true, "ts": true, "tsx": true, "mts": true, "cts": true,
	"py": true, "pyw": true, "sh": true, "bash": true, "ps1": true, "bat": true, "cmd": true,
	"rb": true, "php": true, "go": true, "rs": true, "java": true, "kt": true, "cs": true,
	"c": true, "h": true, "cc": true, "cpp": true, "hpp": true, "swift": true,
	"vue": true, "svelte": true, "html": true, "htm": true,
}

// isSource says whether p is a source file a developer's tools would run
// or open.
func isSource(p string) bool { return sourceExts[ext(p)] }

// isVendored says whether p is third-party or generated code (installed
// packages, minified bundles, build output), where encoded data is
// common and findings are capped below high unless they point at an
// indicator.
func isVendored(p string) bool {
	lp := strings.ToLower(p)
	if strings.Contains(lp, "node_modules/") || strings.Contains(lp, "/vendor/") || strings.HasPrefix(lp, "vendor/") ||
		strings.Contains(lp, "/dist/") || strings.HasPrefix(lp, "dist/") || strings.Contains(lp, "/build/") ||
		strings.Contains(lp, "site-packages/") {
		return true
	}
	b := base(lp)
	return strings.Contains(b, ".min.") || strings.HasSuffix(b, "-min.js") || strings.Contains(b, ".bundle.") ||
		strings.Contains(b, ".chunk.") || strings.Contains(b, ".production.")
}

// isLockfile says whether p is a package manager's lockfile.
func isLockfile(p string) bool {
	switch base(p) {
	case "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock", "cargo.lock", "composer.lock", "go.sum", "bun.lock", "uv.lock":
		return true
	}
	return false
}

func capSeverity(s, max Severity) Severity {
	if sevRank(s) > sevRank(max) {
		return max
	}
	return s
}

func sevRank(s Severity) int {
	switch s {
	case SeverityInfo:
		return 0
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return -1
}
