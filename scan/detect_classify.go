package scan

import (
	"bytes"
	"encoding/hex"
	"unicode/utf8"
)

// decodedClass is what a decoded payload looks like.
type decodedClass struct {
	kind    string
	sev     Severity
	why     string
	preview string
	// skip: an image, a font or a source map, not reported.
	skip bool
}

const previewRunes = 200

// classifyDecoded looks at a decoded payload: magic numbers first, then
// whether it is text and what the text is.
func classifyDecoded(dec []byte) decodedClass {
	if kind, ok := mediaMagic(dec); ok {
		return decodedClass{kind: kind, skip: true}
	}
	if kind := execMagic(dec); kind != "" {
		return decodedClass{kind: "a " + kind, sev: SeverityHigh, preview: hexPreview(dec),
			why: "An executable hidden inside a source file is written to disk and run by a loader; a coding test has no reason to carry one."}
	}
	if !isText(dec) {
		c := decodedClass{kind: "opaque binary data", sev: SeverityInfo, preview: hexPreview(dec),
			why: "Opaque data may be a compressed or encrypted stage; look for the code that decodes and uses it."}
		if len(dec) < 256 {
			c.skip = true
		}
		switch {
		case bytes.HasPrefix(dec, []byte{0x1f, 0x8b}):
			c.kind, c.sev, c.skip = "gzip-compressed data", SeverityLow, false
		case bytes.HasPrefix(dec, []byte("PK\x03\x04")):
			c.kind, c.sev, c.skip = "a zip archive", SeverityMedium, false
		case bytes.HasPrefix(dec, []byte("\x00asm")):
			c.kind, c.sev = "a WebAssembly module", SeverityInfo
		}
		return c
	}
	head := dec[:min(len(dec), 4096)]
	prev := safeText(string(head), previewRunes)
	if bytes.Contains(head, []byte(`"mappings"`)) && bytes.Contains(head, []byte(`"version"`)) {
		return decodedClass{kind: "a source map", skip: true}
	}
	if bytes.HasPrefix(bytes.TrimSpace(head), []byte("<svg")) || bytes.HasPrefix(bytes.TrimSpace(head), []byte("<?xml")) && bytes.Contains(head, []byte("<svg")) {
		if !hasCodeSignal(head) {
			return decodedClass{kind: "an SVG image", skip: true}
		}
	}
	if hasURL(head) {
		return decodedClass{kind: "a URL", sev: SeverityHigh, preview: prev,
			why: "Encoding a URL hides where the program connects to from a reviewer and from simple searches: the Contagious Interview loaders hide their command-and-control address this way and fetch the next stage from it."}
	}
	if hasIPPort(head) {
		return decodedClass{kind: "an IP address and port", sev: SeverityHigh, preview: prev,
			why: "An encoded IP:port is a hidden network endpoint, the way BeaverTail and InvisibleFerret loaders carry their C2 address."}
	}
	if hasCodeSignal(head) {
		return decodedClass{kind: "source code", sev: SeverityHigh, preview: prev,
			why: "Code stored encoded is decoded and evaluated at run time so that neither a reviewer nor a scanner reads it: the typical shape of a loader hidden in a coding test."}
	}
	return decodedClass{kind: "text", sev: SeverityLow, preview: prev,
		why: "Encoded text is unusual in hand-written code; check what uses it."}
}

// mediaMagic recognises images and fonts, which data: URIs legitimately
// carry.
func mediaMagic(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return "a PNG image", true
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "a JPEG image", true
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "a GIF image", true
	case bytes.HasPrefix(b, []byte("RIFF")) && len(b) >= 12 && string(b[8:12]) == "WEBP":
		return "a WebP image", true
	case bytes.HasPrefix(b, []byte{0, 0, 1, 0}):
		return "an icon", true
	case bytes.HasPrefix(b, []byte("wOFF")), bytes.HasPrefix(b, []byte("wOF2")), bytes.HasPrefix(b, []byte("OTTO")),
		bytes.HasPrefix(b, []byte{0, 1, 0, 0, 0}), bytes.HasPrefix(b, []byte("true")) && len(b) > 12 && !isText(b):
		return "a font", true
	case bytes.HasPrefix(b, []byte("BM")) && len(b) > 14 && !isText(b):
		return "a bitmap image", true
	}
	return "", false
}

// execMagic names an executable or compiled-code format by its header.
func execMagic(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "Linux executable (ELF)"
	case bytes.HasPrefix(b, []byte("MZ")) && len(b) >= 64:
		off := int(b[60]) | int(b[61])<<8 | int(b[62])<<16 | int(b[63])<<24
		if off >= 0 && off+4 <= len(b) && string(b[off:off+4]) == "PE\x00\x00" {
			return "Windows executable (PE)"
		}
		if len(b) < 512 || off+4 > len(b) {
			// Truncated: the DOS stub message is enough.
			if bytes.Contains(b, []byte("This program cannot be run in DOS mode")) {
				return "Windows executable (PE)"
			}
		}
	case bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(b, []byte{0xce, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(b, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return "macOS executable (Mach-O)"
	case bytes.HasPrefix(b, []byte{0xca, 0xfe, 0xba, 0xbe}) && len(b) >= 8:
		// Mach-O universal binaries count their architectures (a few);
		// Java class files put a version of 45 or more there.
		if n := int(b[4])<<24 | int(b[5])<<16 | int(b[6])<<8 | int(b[7]); n > 0 && n < 20 {
			return "macOS universal executable (Mach-O)"
		}
		return "Java class file"
	}
	return ""
}

func hexPreview(b []byte) string {
	return "hex " + hex.EncodeToString(b[:min(len(b), 32)])
}

// isText says whether b is mostly printable UTF-8 text.
func isText(b []byte) bool {
	b = b[:min(len(b), 4096)]
	if len(b) == 0 {
		return false
	}
	bad := 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if len(b)-i < 4 { // a rune cut at the end
				break
			}
			bad++
		} else if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			bad++
		}
		i += size
	}
	return bad*20 <= len(b)
}

func hasURL(b []byte) bool {
	for _, p := range [][]byte{[]byte("http://"), []byte("https://"), []byte("ws://"), []byte("wss://"), []byte("ftp://")} {
		if i := bytes.Index(b, p); i >= 0 && i+len(p) < len(b) && b[i+len(p)] > ' ' {
			return true
		}
	}
	return false
}

// hasIPPort finds a dotted quad followed by :port.
func hasIPPort(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != ':' {
			continue
		}
		if j := i + 1; j < len(b) && b[j] >= '0' && b[j] <= '9' {
			if s, ok := ipBefore(b, i); ok && s >= 0 {
				return true
			}
		}
	}
	return false
}

// ipBefore says whether a dotted-quad IPv4 address ends at end, and where
// it starts.
func ipBefore(b []byte, end int) (int, bool) {
	s := end
	dots := 0
	for s > 0 && (b[s-1] >= '0' && b[s-1] <= '9' || b[s-1] == '.') && end-s < 15 {
		if b[s-1] == '.' {
			dots++
		}
		s--
	}
	if s > 0 && (b[s-1] >= 'a' && b[s-1] <= 'z' || b[s-1] >= 'A' && b[s-1] <= 'Z' || b[s-1] == '-' || b[s-1] == '_') {
		return s, false
	}
	return s, dots == 3 && validIPv4(b[s:end])
}

func validIPv4(b []byte) bool {
	parts := bytes.Split(b, []byte{'.'})
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 {
			return false
		}
		v := 0
		for _, c := range p {
			v = v*10 + int(c-'0')
		}
		if v > 255 {
			return false
		}
	}
	return true
}

var codeSignals = [][]byte{
	[]byte("eval("), []byte("new Function"), []byte("require("), []byte("child_process"), []byte("process.env"),
	[]byte("exec("), []byte("execSync"), []byte("spawn("), []byte("subprocess"), []byte("__import__"), []byte("import os"),
	[]byte("os.system"), []byte("base64.b64decode"), []byte("function("), []byte("function "), []byte("=>"),
	[]byte("fetch("), []byte("XMLHttpRequest"), []byte("axios"), []byte("powershell"), []byte("/bin/sh"), []byte("curl "),
	[]byte("import "), []byte("def "), []byte("const "), []byte("var "), []byte("let "), []byte("return "), []byte("});"),
}

var strongCodeSignals = [][]byte{
	[]byte("eval("), []byte("new Function"), []byte("child_process"), []byte("__import__"), []byte("os.system"),
	[]byte("subprocess"), []byte("execSync"), []byte("powershell"), []byte("/bin/sh"),
}

// hasCodeSignal says whether text looks like JavaScript, Python or shell:
// one strong signal or three weaker ones.
func hasCodeSignal(b []byte) bool {
	for _, s := range strongCodeSignals {
		if bytes.Contains(b, s) {
			return true
		}
	}
	n := 0
	for _, s := range codeSignals {
		if bytes.Contains(b, s) {
			n++
		}
	}
	return n >= 3
}
