package scan

import (
	"io/fs"
	"slices"

	"github.com/bulwark-sec/bulwark"
)

// Severity of a finding, from least to most.
type Severity string

// Severities. Critical and high findings make the verdict block, medium
// ones review; low and info findings are shown but leave it clear.
const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Finding is one thing the scanner saw, with where it is and what the
// trick behind it is.
type Finding struct {
	// Rule is the rule's id (e.g. NPM-LIFECYCLE-SCRIPT).
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// File is the path inside the scanned tree, slash-separated; inside a
	// nested archive it is "outer.zip!/inner/path".
	File string `json:"file"`
	// Line is the 1-based line of the match, 0 for a whole-file finding.
	Line int `json:"line"`
	// Snippet is the matched text, cut to a readable length, with control
	// and invisible characters escaped so it cannot fool a terminal.
	Snippet string `json:"snippet"`
	// Explanation says in plain words what was attempted: the
	// social-engineering tactic behind the finding.
	Explanation string `json:"explanation"`
	// Decoded is a safe preview of an encoded payload, when one was
	// decoded (never executed).
	Decoded string `json:"decoded,omitempty"`
	// Source cites the public report the rule is based on.
	Source string `json:"source,omitempty"`
	// More counts further findings of the same rule in the same file that
	// the report does not list (it lists a few per rule and file).
	More int `json:"more,omitempty"`
}

// Report is the outcome of scanning one tree.
type Report struct {
	// Verdict is computed over every finding of the scan, including those
	// left out of Findings when the report is Capped.
	Verdict  bulwark.Verdict `json:"verdict"`
	Findings []Finding       `json:"findings"`
	// Counts holds the number of findings of each severity over the whole
	// scan (a finding's More included), before any cap.
	Counts map[Severity]int `json:"counts"`
	// Capped is set when the scan found more than MaxFindings findings:
	// Findings then keeps every critical and high finding and the most
	// severe of the rest, and Skipped says how many were left out.
	Capped bool `json:"capped,omitempty"`
	// Files and Bytes count what was read.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Skipped says, one sentence each, what was not read and why (a file
	// over the size limit, a link out of the tree, a nested archive too
	// deep).
	Skipped []string `json:"skipped,omitempty"`
	// Incomplete is set when part of the tree was not read (a limit
	// reached, an archive cut short): such a report is never clear.
	Incomplete bool `json:"incomplete,omitempty"`
}

// File is one regular file of the tree being scanned.
type File struct {
	// Path is slash-separated and relative to the tree's root, cleaned,
	// never absolute and never containing "..". Inside a nested archive it
	// is "outer.zip!/inner/path".
	Path string
	// Size is the file's size as the tree or archive declares it.
	Size int64
	// Mode holds the permission bits (an executable bit matters to some
	// rules).
	Mode fs.FileMode
	// Data is the file's content, or its first Limits.MaxFileBytes bytes
	// when Truncated. Walk hands a file longer than MaxFileBytes over in
	// windows of at most MaxFileBytes (overlapping by 4 KiB, up to
	// DefaultMaxStreamBytes), so code appended after padding is seen; a
	// later window has Offset > 0. Truncated is set on every window of
	// such a file.
	Data      []byte
	Truncated bool
	// Offset is where Data starts in the file: 0 for the head.
	Offset int64
	// Line is the 1-based line of the file at which Data starts: 1 for the
	// head, more for a later window of a file longer than MaxFileBytes.
	// 0 means 1 (a File built by hand).
	Line int
	// SHA256 is the hex SHA-256 of the whole file when Walk streamed it
	// to its end; empty when the file is not truncated (hash Data) or was
	// not read to its end. For a truncated file it is set on the head when
	// the file could be read twice (a file on disk, a zip member),
	// otherwise on the last window.
	SHA256 string
	// Link is a symbolic link's target, as written in the tree or archive,
	// when Mode has fs.ModeSymlink (then Data is empty). The walk never
	// follows a link out of the tree. For a link whose target is a
	// regular file inside the tree, Walk puts the target's content in
	// Data (read from the tree, under the link's Path) so that rules see
	// what npm, VS Code or git would read through the link; a link to a
	// directory inside the tree is followed by that directory's files
	// under the link's Path.
	Link string
}

// Limits bound what a scan reads.
type Limits struct {
	// MaxFileBytes is how much of one file is read (the rest is skipped
	// and reported).
	MaxFileBytes int64
	// MaxTotalBytes is how many bytes the whole scan reads, archives
	// decompressed.
	MaxTotalBytes int64
	// MaxFiles is how many files the scan reads.
	MaxFiles int
	// MaxDepth is how deep archives may nest (0: archives inside the tree
	// are not opened).
	MaxDepth int
	// MaxRatio is the largest decompressed-to-compressed size ratio
	// accepted for an archive member (a zip bomb exceeds it).
	MaxRatio int64
}

// Detector is a check written in Go for what a pattern in the rule file
// cannot express (decoding a blob, parsing a lockfile, finding code after
// a run of whitespace). The scanner calls Detect for every file whose path
// Applies to.
type Detector interface {
	// ID names the detector; its findings' rule ids start with it or are
	// listed in its documentation.
	ID() string
	// Applies says whether the detector wants to see the file at path.
	Applies(path string) bool
	// Detect returns the findings in f. It must not retain f.Data.
	Detect(f *File) []Finding
}

// RuleIDs returns the ids of the rules and detectors that fired, each
// once, sorted: what an audit entry records of a scan instead of the
// findings' snippets, which carry the scanned content.
func (r *Report) RuleIDs() []string {
	seen := map[string]bool{}
	ids := []string{}
	for _, f := range r.Findings {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			ids = append(ids, f.Rule)
		}
	}
	slices.Sort(ids)
	return ids
}
