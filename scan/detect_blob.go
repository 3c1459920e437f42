package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// BlobDetector finds long encoded payloads in source files — base64, hex,
// runs of \x or \u escapes and String.fromCharCode(...) or numeric
// char-code arrays — decodes a bounded prefix (never evaluating it) and
// classifies what it decodes to. Rule ENCODED-BLOB; the severity follows
// the decoded content: a URL, an IP:port, source code or an executable is
// high (medium in vendored or minified files), plain text low, opaque data
// info. Images, fonts, source maps and lockfile integrity hashes are not
// reported.
type BlobDetector struct{}

// ID implements [Detector].
func (BlobDetector) ID() string { return "ENCODED-BLOB" }

// Applies implements [Detector]: source files, not lockfiles or maps.
func (BlobDetector) Applies(p string) bool { return isSource(p) && !isLockfile(p) }

const (
	minBase64Run   = 40
	minHexRun      = 64
	minEscapes     = 12
	minCharCodes   = 8
	minArrayCodes  = 20
	maxDecodeBytes = 16 << 10
	maxBlobFinds   = 20
)

// Detect implements [Detector].
func (d BlobDetector) Detect(f *File) []Finding {
	data := f.Data
	var out []Finding
	vendored := isVendored(f.Path)
	li := lineIndex{data: data}
	add := func(start, end int, enc string, dec []byte) {
		if len(out) >= maxBlobFinds {
			return
		}
		c := classifyDecoded(dec)
		if c.skip {
			return
		}
		sev := c.sev
		if vendored && !c2Like(dec) {
			// A decoded C2 address (an IP host, a port other than 80
			// and 443) is high wherever it is: a file name such as
			// app.production.js or build/ is the sender's to choose.
			sev = capSeverity(sev, SeverityMedium)
		}
		out = append(out, Finding{
			Rule:        "ENCODED-BLOB",
			Severity:    sev,
			File:        f.Path,
			Line:        li.line(start),
			Snippet:     snippetAround(data, start, end),
			Explanation: "A " + enc + " blob of " + strconv.Itoa(end-start) + " characters decodes to " + c.kind + ". " + c.why,
			Decoded:     c.preview,
			Source:      srcSocketHexEva + "; " + srcChainFlip,
		})
	}
	for i := 0; i < len(data) && len(out) < maxBlobFinds; {
		c := data[i]
		switch {
		case c == '\\' && i+1 < len(data) && (data[i+1] == 'x' || data[i+1] == 'u'):
			end, dec, n := scanEscapes(data, i)
			if n >= minEscapes {
				add(i, end, "\\x-escaped", dec)
			}
			if end > i {
				i = end
			} else {
				i++
			}
		case c == 'f' && bytes.HasPrefix(data[i:], []byte("fromCharCode(")):
			end, dec, n := scanCharCodes(data, i+len("fromCharCode("), ')')
			if n >= minCharCodes {
				add(i, end, "String.fromCharCode", dec)
			}
			i = max(end, i+1)
		case c == '[':
			end, dec, n := scanCharCodes(data, i+1, ']')
			if n >= minArrayCodes {
				// A bare number array is reported only when it spells
				// something executable or a network address.
				if cl := classifyDecoded(dec); !cl.skip && sevRank(cl.sev) >= sevRank(SeverityHigh) {
					add(i, end, "char-code array", dec)
				}
			}
			i = max(end, i+1)
		case isB64(c):
			j := i
			for j < len(data) && isB64(data[j]) {
				j++
			}
			k := j
			for k < len(data) && k-j < 2 && data[k] == '=' {
				k++
			}
			if k-i >= minBase64Run && !b64Excluded(data, i) && (i == 0 || !isIdent(data[i-1])) {
				run := data[i:j]
				if allHex(run) {
					if len(run) >= minHexRun && len(run)%2 == 0 {
						lim := min(len(run), 2*maxDecodeBytes)
						dec := make([]byte, lim/2)
						if _, err := hex.Decode(dec, run[:lim]); err == nil {
							if !isHashLen(len(run)) || isText(dec) {
								add(i, j, "hex", dec)
							}
						}
					}
				} else if mixedB64(run) {
					if dec := decodeB64(run); dec != nil {
						add(i, k, "base64", dec)
					}
				}
			}
			i = k
		default:
			i++
		}
	}
	return out
}

func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c == '-' || c == '.' || c == '\\'
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isHashLen says whether a hex run has the length of a common digest
// (SHA-1, SHA-256, SHA-512) and so is most likely one.
func isHashLen(n int) bool { return n == 40 || n == 64 || n == 96 || n == 128 }

// mixedB64 wants upper case, lower case and digits in a run, which
// identifiers, words and paths rarely have all of over 40 characters
// without separators.
func mixedB64(b []byte) bool {
	var up, low, dig int
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			up++
		case c >= 'a' && c <= 'z':
			low++
		case c >= '0' && c <= '9':
			dig++
		}
	}
	return up > 0 && low > 0 && dig > 0
}

// b64Excluded says whether the run at i is an integrity hash (sha512-…)
// or the payload of a data: URI of an image or font or a source map;
// those are reported only when they do not decode to what they claim,
// which the caller checks through classifyDecoded's magic numbers, so
// here only integrity hashes are excluded outright.
func b64Excluded(data []byte, i int) bool {
	pre := data[max(0, i-8):i]
	return bytes.HasSuffix(pre, []byte("sha512-")) || bytes.HasSuffix(pre, []byte("sha384-")) ||
		bytes.HasSuffix(pre, []byte("sha256-")) || bytes.HasSuffix(pre, []byte("sha1-"))
}

func decodeB64(run []byte) []byte {
	run = run[:min(len(run), maxDecodeBytes*4/3)]
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(run)))
	m, err := base64.RawStdEncoding.Decode(dst, run)
	if err != nil {
		return nil
	}
	return dst[:m]
}

// scanEscapes reads a run of \xHH, \uHHHH and \u{H…} escapes starting at
// i and returns where it ends, the decoded bytes (bounded) and the number
// of escapes.
func scanEscapes(data []byte, i int) (end int, dec []byte, n int) {
	for i+1 < len(data) && data[i] == '\\' {
		switch data[i+1] {
		case 'x':
			if i+4 > len(data) || !allHex(data[i+2:i+4]) {
				return i, dec, n
			}
			v, _ := strconv.ParseUint(string(data[i+2:i+4]), 16, 8)
			if len(dec) < maxDecodeBytes {
				dec = append(dec, byte(v))
			}
			i += 4
		case 'u':
			var v uint64
			if i+2 < len(data) && data[i+2] == '{' {
				e := bytes.IndexByte(data[i+3:min(len(data), i+12)], '}')
				if e <= 0 || !allHex(data[i+3:i+3+e]) {
					return i, dec, n
				}
				v, _ = strconv.ParseUint(string(data[i+3:i+3+e]), 16, 32)
				i += 4 + e
			} else {
				if i+6 > len(data) || !allHex(data[i+2:i+6]) {
					return i, dec, n
				}
				v, _ = strconv.ParseUint(string(data[i+2:i+6]), 16, 32)
				i += 6
			}
			if len(dec) < maxDecodeBytes {
				dec = utf8.AppendRune(dec, rune(v))
			}
		default:
			return i, dec, n
		}
		n++
	}
	return i, dec, n
}

// scanCharCodes reads comma-separated integers (decimal or 0x) from i up
// to the closing byte and returns where they end, the bytes they spell
// (bounded) and how many there were; n is 0 when anything else occurs or
// a value is out of the byte/rune range.
func scanCharCodes(data []byte, i int, closing byte) (end int, dec []byte, n int) {
	for i < len(data) {
		for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
			i++
		}
		if i < len(data) && data[i] == closing {
			return i + 1, dec, n
		}
		s := i
		base := 10
		if i+1 < len(data) && data[i] == '0' && (data[i+1] == 'x' || data[i+1] == 'X') {
			base = 16
			i += 2
			s = i
		}
		for i < len(data) && i-s < 8 && (data[i] >= '0' && data[i] <= '9' || base == 16 && allHex(data[i:i+1])) {
			i++
		}
		if i == s {
			return i, nil, 0
		}
		v, err := strconv.ParseUint(string(data[s:i]), base, 32)
		if err != nil || v > 0x10ffff {
			return i, nil, 0
		}
		if len(dec) < maxDecodeBytes {
			dec = utf8.AppendRune(dec, rune(v))
		}
		n++
		for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
			i++
		}
		if i < len(data) && data[i] == ',' {
			i++
			continue
		}
		if i < len(data) && data[i] == closing {
			return i + 1, dec, n
		}
		return i, nil, 0
	}
	return i, nil, 0
}

// snippetAround shows the encoded text with a little context, cut.
func snippetAround(data []byte, start, end int) string {
	s := start
	for k := 0; s > 0 && k < 40 && data[s-1] != '\n'; k++ {
		s--
	}
	e := min(end, start+100)
	return safeText(string(data[s:e]), maxSnippet)
}

// c2Like says whether decoded text is or starts with an address a loader
// calls home to: a URL whose host is an IP address or that names a port
// other than 80 and 443, or a bare IP:port.
func c2Like(dec []byte) bool {
	t := strings.TrimSpace(string(dec[:min(len(dec), 512)]))
	if i := strings.Index(t, "://"); i >= 0 && i <= 8 {
		t = t[i+3:]
	}
	if i := strings.IndexAny(t, "/?#\"'` \n"); i >= 0 {
		t = t[:i]
	}
	host, port, err := net.SplitHostPort(t)
	if err != nil {
		host, port = t, ""
	}
	if host == "" {
		return false
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return true
	}
	return port != "" && port != "80" && port != "443" && strings.Contains(host, ".")
}
