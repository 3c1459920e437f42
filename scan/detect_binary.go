package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// BinaryDetector finds committed executables and compiled code by their
// magic bytes, whatever the file is called: COMMITTED-BINARY, medium for
// an ELF, PE or Mach-O executable or a native Node addon (.node), low for
// Java archives and classes and Python bytecode. The finding carries the
// whole file's SHA-256 (File.SHA256 when the walk streamed a long file;
// a hash of the first bytes only is said to be partial) to look up or
// share.
type BinaryDetector struct{}

// ID implements [Detector].
func (BinaryDetector) ID() string { return "COMMITTED-BINARY" }

// Applies implements [Detector]: every file.
func (BinaryDetector) Applies(string) bool { return true }

// Detect implements [Detector].
func (BinaryDetector) Detect(f *File) []Finding {
	if f.Offset > 0 {
		return nil // a later window of a long file: the magic is in the head
	}
	b := f.Data
	kind := execMagic(b)
	sev := SeverityMedium
	e := ext(f.Path)
	switch {
	case kind == "Java class file":
		sev = SeverityLow
	case kind != "":
		if e == "node" {
			kind = "native Node.js addon (" + kind + ")"
		}
	case bytes.HasPrefix(b, []byte("PK\x03\x04")) && (e == "jar" || e == "war" || bytes.Contains(b[:min(len(b), 4096)], []byte("META-INF/"))):
		kind, sev = "Java archive (jar)", SeverityLow
	case e == "pyc" && len(b) >= 16 && b[2] == '\r' && b[3] == '\n':
		kind, sev = "compiled Python bytecode (pyc)", SeverityLow
	default:
		return nil
	}
	h, note := f.SHA256, ""
	if h == "" {
		sum := sha256.Sum256(b)
		h = hex.EncodeToString(sum[:])
		if f.Truncated {
			note = " of the first " + strconv.Itoa(len(b)) + " bytes only (the whole file could not be hashed; this hash matches no published one)"
		}
	}
	why := "A prebuilt " + kind + " is committed to the tree. Nobody can review a binary: the jsonsecs package shipped keyloggers this way, and a loader only has to run it. A coding test should build from source."
	if strings.Contains(f.Path, "node_modules/") {
		why = "A prebuilt " + kind + " inside installed packages. Native addons are common there, but one in a repository sent to you was not built on your machine; check that the package is the one you expect."
	}
	return []Finding{{
		Rule: "COMMITTED-BINARY", Severity: sev, File: f.Path,
		Snippet:     kind + ", sha256 " + h + note,
		Explanation: why,
		Source:      "Socket (2025): jsonsecs shipped native keylogger binaries (WinKeyServer, MacKeyServer, X11KeyServer)",
	}}
}
