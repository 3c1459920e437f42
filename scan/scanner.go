package scan

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// MaxFindings bounds the findings a report lists. Past it the report is
// Capped: it keeps every critical and high finding and the most severe of
// the rest, says how many were left out, and its verdict and Counts still
// cover every finding.
const MaxFindings = 10000

// Options configure a Scanner.
type Options struct {
	// Rules are the rules to apply; nil means DefaultRules.
	Rules *RuleSet
	// Detectors are Go checks run besides the rules (those built from
	// registered rule types are in Rules already). nil means
	// Detectors(DetectOptions{}): the built-in rules leave to the
	// built-in detectors what those do better (dependencies, Trojan
	// Source Unicode, C2 ports, blockchain dead drops, code hidden after
	// whitespace or appended to config files, binaries), so a scan runs
	// both unless told otherwise. Pass Detectors(DetectOptions{IOCs: ...})
	// to add indicators, or an empty non-nil slice for rules only.
	Detectors []Detector
	// Limits bound what a scan reads; zero fields take DefaultLimits'.
	Limits Limits
	// Walk reads the tree at a path; nil means the package's Walk.
	Walk WalkFunc
}

// WalkFunc calls fn for every file of the tree, tarball or zip at path,
// within the limits, as Walk does.
type WalkFunc func(ctx context.Context, path string, l Limits, fn func(*File) error) (WalkStats, error)

// Scanner applies rules and detectors to a tree. It is safe for
// concurrent use: each Scan keeps its own state.
type Scanner struct {
	rules     []*Rule
	detectors []Detector
	limits    Limits
	walk      WalkFunc
}

// NewScanner returns a Scanner for opts.
func NewScanner(opts Options) (*Scanner, error) {
	rs := opts.Rules
	if rs == nil {
		var err error
		if rs, err = DefaultRules(nil); err != nil {
			return nil, err
		}
	}
	walk := opts.Walk
	if walk == nil {
		walk = Walk
	}
	dets := opts.Detectors
	if dets == nil {
		dets = Detectors(DetectOptions{})
	}
	// Every finding's File is escaped (SafePath) and placed in the whole
	// file, whoever wrote the detector.
	dets = slices.Clone(dets)
	for i, d := range dets {
		dets[i] = Sanitized(d)
	}
	return &Scanner{rules: rs.Rules, detectors: dets, limits: opts.Limits, walk: walk}, nil
}

// Scan reads the tree, tarball or zip at path and returns its report. A
// tree the walk could not read whole (a limit reached, an archive cut
// short) is never clear: its verdict is at least review, and Skipped says
// why.
func (s *Scanner) Scan(ctx context.Context, path string) (*Report, error) {
	sess := s.session()
	st, err := s.walk(ctx, path, s.limits, func(f *File) error {
		return sess.add(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	sess.rep.Skipped = append(sess.rep.Skipped, st.Skipped...)
	if more := st.SkippedCount - len(st.Skipped); more > 0 {
		sess.rep.Skipped = append(sess.rep.Skipped, bulwark.Sprintf("and %d more files skipped", more))
	}
	sess.rep.Incomplete = st.Incomplete
	sess.walkIncomplete = st.Incomplete
	sess.unread = append(sess.unread, st.Unread...)
	sess.unreadCount += max(st.UnreadCount, len(st.Unread))
	var trav []Finding
	for _, u := range st.Unread {
		if u.Reason == UnreadUnsafeName {
			trav = append(trav, traversalFinding(u))
		}
	}
	if len(trav) > 0 {
		sess.addFindings(trav)
	}
	return sess.report(), nil
}

// RuleScanIncomplete is the rule id of the finding a scan adds when part
// of the tree was not read, or not read whole.
const RuleScanIncomplete = "SCAN-INCOMPLETE"

// maxIncompletePaths is how many unread paths the SCAN-INCOMPLETE
// finding names (Skipped lists them all).
const maxIncompletePaths = 3

// incompleteFinding adds one SCAN-INCOMPLETE finding (medium: the
// verdict is at least review) when part of the tree was not read, or not
// checked whole: a zip bomb member, an archive nested too deep, a file's
// tail past the stream limit, a limit reached, a JSON file longer than
// the window whose whole-document rules saw only its start. An attacker
// can put the payload exactly there, so what was not read is never
// treated as checked. The finding counts what was not read and names the
// first few paths, escaped.
func (ss *Session) incompleteFinding() {
	count := ss.unreadCount
	if count == 0 && !ss.walkIncomplete {
		return
	}
	var names []string
	file := "."
	for _, u := range ss.unread {
		// Walk gives Unread.Path escaped already (SafePath); sanitize
		// covers a WalkFunc that does not.
		name := sanitize(u.Path, 300)
		if name == "" {
			name = "the rest of the tree"
		} else if file == "." {
			file = name
		}
		if len(names) < maxIncompletePaths {
			names = append(names, bulwark.Sprintf("%s (%s)", sanitize(name, 80), u.Reason))
		}
	}
	snip := "part of the tree was not read (see what is listed as not read)"
	if count > 0 {
		snip = bulwark.Sprintf("%s not read: %s", bulwark.Plural(count, "part", "parts"), strings.Join(names, ", "))
		if count > len(names) {
			snip += bulwark.Sprintf(", and %d more", count-len(names))
		}
	}
	ss.addFindings([]Finding{{
		Rule: RuleScanIncomplete, Severity: SeverityMedium, File: file,
		Snippet: sanitize(snip, 2*MaxSnippetChars),
		Explanation: "Part of the tree was not read, or not read whole: an archive member over the decompression ratio (a zip bomb), " +
			"an archive nested too deep or too large, the end of a file past the size limit, or a limit reached. " +
			"An attacker can hide the payload exactly there, so this tree cannot be called clear: " +
			"look at what is listed as not read before you open, install or run anything.",
	}})
}

// ScanFiles scans files held in memory (tests, uploads already read).
func (s *Scanner) ScanFiles(ctx context.Context, files []*File) (*Report, error) {
	sess := s.session()
	for _, f := range files {
		if err := sess.add(ctx, f); err != nil {
			return nil, err
		}
	}
	return sess.report(), nil
}

// Session accumulates the findings of one scan, file by file. Walk
// implementations that report what they skipped call Skip.
type Session struct {
	s      *Scanner
	rep    Report
	hidden map[string]bool // folders exists_except reported
	// folded maps each path seen, folded (FoldPath), to its first form.
	folded   map[string]string
	dropped  int
	counts   map[Severity]int
	findings []Finding
	// cur is the file whose windows are being handed over.
	cur curFile
	// unread lists (the first maxNotes of) what was not read or not
	// checked whole, unreadCount counts it all; walkIncomplete is the
	// walk's Incomplete.
	unread         []Unread
	unreadCount    int
	walkIncomplete bool
	// trees are the per-scan states of the detectors that relate files to
	// one another (treeDetector).
	trees []treeState
}

// treeDetector is implemented by detectors that relate files to one
// another (a script in package.json and the file it runs): each scan
// gets its own state.
type treeDetector interface {
	newTree() treeState
}

// treeState is one scan's state of a treeDetector.
type treeState interface {
	// file sees the first window of each file; it must not retain f.Data.
	file(f *File)
	// found sees the findings of each file, rules' and detectors'.
	found(out []Finding)
	// finish returns the findings about the tree as a whole, once every
	// file was seen. It may add a sentence to the Explanation of findings
	// in all, never change their severity.
	finish(all []Finding) []Finding
}

// UnreadParsedPart is the Unread reason of a file longer than
// MaxFileBytes that a rule reading the whole document (json_keys,
// json_regex) applies to: the rule saw only its first window.
const UnreadParsedPart = "parsed-in-part"

// partial records that the whole-document rules applying to f, cut to
// its first window, saw only its start.
func (ss *Session) partial(f *File) {
	ss.unreadCount++
	why := bulwark.Sprintf("%q: %d bytes, longer than the %d read at once: the rules that read the whole document (json_keys, json_regex) saw only its start", SafePath(f.Path), f.Size, len(f.Data))
	if len(ss.unread) < maxNotes {
		ss.unread = append(ss.unread, Unread{Path: SafePath(f.Path), Reason: UnreadParsedPart, Detail: why})
	}
	ss.Skip(why)
}

// deferWhole notes, at the head of a file longer than the window, the
// detectors that need it whole: they are skipped on its windows and run
// once on its whole content (gathered from the windows, up to
// DefaultMaxStreamBytes) when the next file starts or the scan ends.
func (ss *Session) deferWhole(f *File) {
	c := &ss.cur
	for _, r := range ss.s.rules {
		if r.detector != nil && wantsWhole(r.detector, f.Path) && r.Match(f.Path) && r.detector.Applies(f.Path) {
			c.deferred = append(c.deferred, deferred{d: r.detector, rule: r})
		}
	}
	for i, d := range ss.s.detectors {
		if wantsWhole(d, f.Path) && d.Applies(f.Path) {
			c.deferred = append(c.deferred, deferred{d: d, index: i})
		}
	}
	if len(c.deferred) > 0 {
		c.f = *f
		c.f.Data = nil
		c.whole = make([]byte, 0, min(max(f.Size, int64(len(f.Data))), DefaultMaxStreamBytes))
	}
}

// ruleDeferred says whether r's detector runs on the whole current file
// instead of on its windows.
func (c *curFile) ruleDeferred(r *Rule) bool {
	for _, dd := range c.deferred {
		if dd.rule == r {
			return true
		}
	}
	return false
}

// detectorDeferred says whether the scanner's detector i runs on the
// whole current file instead of on its windows.
func (c *curFile) detectorDeferred(i int) bool {
	for _, dd := range c.deferred {
		if dd.rule == nil && dd.index == i {
			return true
		}
	}
	return false
}

// wholeDocument says whether a rule of type typ reads the whole document
// (it runs on a file's first window only).
func wholeDocument(typ string) bool {
	switch typ {
	case TypeJSONKeys, TypeJSONRegex, TypeExists, TypeExistsExcept:
		return true
	}
	return false
}

// curFile is what the session keeps of the file being scanned across its
// windows (a file longer than MaxFileBytes is handed over in several).
type curFile struct {
	path string
	// end is where the last window seen ends in the file (Offset plus
	// its length): a later window's bytes before end are the overlap.
	end int64
	// lines holds the rule and line of each finding of the window before:
	// a later window reports a match in the overlap of the two once.
	lines map[ruleLine]bool
	// counted holds the regex_count rules that reported the file (once
	// per file, whichever window reached min_count); partial is set once
	// the file was noted as checked in part.
	counted map[string]bool
	partial bool
	// whole gathers, from its windows, the content of a file longer than
	// a window that deferred detectors need whole (a lockfile), up to
	// DefaultMaxStreamBytes; f is the file's head, Data aside.
	whole    []byte
	deferred []deferred
	f        File
}

// deferred is a detector run once on a whole file after its last window:
// a registered rule type's (rule set) or the scanner's detector index.
type deferred struct {
	d     Detector
	rule  *Rule
	index int
}

// wholeFileDetector is implemented by detectors that need a file longer
// than the walk's window whole, as one document (a lockfile).
type wholeFileDetector interface {
	WholeFile(path string) bool
}

// wantsWhole says whether d (Sanitized or not) needs the file at p whole.
func wantsWhole(d Detector, p string) bool {
	if s, ok := d.(sanitized); ok {
		d = s.Detector
	}
	w, ok := d.(wholeFileDetector)
	return ok && w.WholeFile(p)
}

// gather adds a window of the current file to what deferred detectors
// will see; a window that does not follow on (a gap) or would pass
// DefaultMaxStreamBytes ends the gathering.
func (c *curFile) gather(f *File) {
	if len(c.deferred) == 0 || f.Offset > int64(len(c.whole)) {
		return
	}
	add := f.Data[int64(len(c.whole))-f.Offset:]
	if int64(len(c.whole)+len(add)) > DefaultMaxStreamBytes {
		add = add[:max(DefaultMaxStreamBytes-len(c.whole), 0)]
	}
	c.whole = append(c.whole, add...)
}

// flush runs the deferred detectors of the current file on its whole
// content, once its last window was seen.
func (ss *Session) flush() {
	c := &ss.cur
	if len(c.deferred) == 0 {
		return
	}
	f := c.f
	f.Data, f.Offset, f.Line = c.whole, 0, 1
	f.Truncated = int64(len(c.whole)) < f.Size
	var out []Finding
	for _, dd := range c.deferred {
		for _, x := range dd.d.Detect(&f) {
			if dd.rule != nil {
				x = fillFromRule(x, dd.rule, f.Path)
			} else {
				x.Snippet = sanitize(x.Snippet, MaxSnippetChars)
				x.Decoded = sanitize(x.Decoded, MaxSnippetChars*2)
			}
			out = append(out, x)
		}
	}
	c.deferred, c.whole = nil, nil
	ss.addFindings(capFindings(out))
}

// ruleLine is a finding's rule and line in the file.
type ruleLine struct {
	rule string
	line int
}

// overlap drops from out, the findings of a later window of the current
// file, those the window before reported at the same line (a match in the
// bytes the two windows share), and remembers out's for the next window.
func (c *curFile) overlap(out []Finding, later bool) []Finding {
	if later && len(c.lines) > 0 {
		kept := out[:0]
		for _, x := range out {
			if x.Line <= 0 || !c.lines[ruleLine{x.Rule, x.Line}] {
				kept = append(kept, x)
			}
		}
		clear(out[len(kept):])
		out = kept
	}
	clear(c.lines)
	for _, x := range out {
		if x.Line > 0 {
			if c.lines == nil {
				c.lines = map[ruleLine]bool{}
			}
			c.lines[ruleLine{x.Rule, x.Line}] = true
		}
	}
	return out
}

func (s *Scanner) session() *Session {
	ss := &Session{s: s, hidden: map[string]bool{}, folded: map[string]string{}, counts: map[Severity]int{}}
	for _, d := range s.detectors {
		if sd, ok := d.(sanitized); ok {
			d = sd.Detector
		}
		if td, ok := d.(treeDetector); ok {
			ss.trees = append(ss.trees, td.newTree())
		}
	}
	return ss
}

// Skip records a sentence saying what was not read and why.
func (ss *Session) Skip(why string) { ss.rep.Skipped = append(ss.rep.Skipped, why) }

// add scans one file. It does not retain f.Data. It checks ctx before
// the file and between rules and detectors, so that a cancelled scan stops
// within a long file, and then returns ctx's error.
func (ss *Session) add(ctx context.Context, f *File) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// A file counts once, at its head; a later window adds the bytes past
	// the overlap with the one before.
	if f.Offset == 0 || f.Path != ss.cur.path {
		ss.flush()
		ss.cur = curFile{path: f.Path}
		if f.Offset == 0 {
			ss.rep.Files++
			for _, t := range ss.trees {
				t.file(f)
			}
			if f.Truncated {
				ss.deferWhole(f)
			}
		}
	}
	ss.cur.gather(f)
	if end := f.Offset + int64(len(f.Data)); end > ss.cur.end {
		ss.rep.Bytes += end - max(ss.cur.end, f.Offset)
		ss.cur.end = end
	}
	fs := newFileState(f)
	var out []Finding
	later := f.Offset > 0
	if !later {
		if x, ok := caseCollision(ss.folded, f); ok {
			out = append(out, x)
		}
		if x, ok := linkFinding(f); ok {
			out = append(out, x)
		}
		if x, ok := autorunLinkFinding(f); ok {
			out = append(out, x)
		}
		if x, ok := windowsAlias(f); ok {
			out = append(out, x)
		}
	}
	for _, r := range ss.s.rules {
		if later && wholeDocument(r.Type) || r.Type == TypeRegexCount && ss.cur.counted[r.ID] {
			// Whole-document rules run on the first window only, and a
			// regex_count rule reports a file once.
			continue
		}
		if !r.Match(f.Path) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.Truncated && !later && !ss.cur.partial && (r.Type == TypeJSONKeys || r.Type == TypeJSONRegex) {
			ss.cur.partial = true
			ss.partial(f)
		}
		switch {
		case r.detector != nil && ss.cur.ruleDeferred(r):
			// Run once on the whole file, after its last window.
		case r.Type == TypeRegexCount:
			n := len(out)
			if out = fs.evalRule(r, out); len(out) > n {
				if ss.cur.counted == nil {
					ss.cur.counted = map[string]bool{}
				}
				ss.cur.counted[r.ID] = true
			}
		case r.detector != nil:
			if r.detector.Applies(f.Path) {
				for _, x := range r.detector.Detect(f) {
					out = append(out, fillFromRule(x, r, f.Path))
				}
			}
		case r.Type == TypeExistsExcept:
			if x, ok := ss.existsExcept(r, f.Path); ok {
				out = append(out, x)
			}
		default:
			out = fs.evalRule(r, out)
		}
	}
	for i, d := range ss.s.detectors {
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.Applies(f.Path) && !ss.cur.detectorDeferred(i) {
			for _, x := range d.Detect(f) {
				x.Snippet = sanitize(x.Snippet, MaxSnippetChars)
				x.Decoded = sanitize(x.Decoded, MaxSnippetChars*2)
				out = append(out, x)
			}
		}
	}
	out = ss.cur.overlap(out, f.Offset > 0)
	ss.addFindings(capFindings(out))
	return nil
}

// addFindings counts and keeps findings (already capped per rule and
// file).
func (ss *Session) addFindings(out []Finding) {
	for _, t := range ss.trees {
		t.found(out)
	}
	for _, x := range out {
		ss.counts[x.Severity] += 1 + x.More
	}
	ss.findings = append(ss.findings, out...)
	if len(ss.findings) > 2*MaxFindings {
		ss.prune()
	}
}

// prune keeps at most MaxFindings findings, preferring the most severe:
// every critical and high finding stays (the count of the others is
// lowered to make room), the rest in the order they were found.
func (ss *Session) prune() {
	if len(ss.findings) <= MaxFindings {
		return
	}
	sort.SliceStable(ss.findings, func(i, j int) bool {
		return severityRank(ss.findings[i].Severity) > severityRank(ss.findings[j].Severity)
	})
	keep := MaxFindings
	for keep < len(ss.findings) && severityRank(ss.findings[keep].Severity) >= severityRank(SeverityHigh) {
		keep++
	}
	ss.dropped += len(ss.findings) - keep
	clear(ss.findings[keep:])
	ss.findings = ss.findings[:keep]
}

// fillFromRule completes a registered detector's finding with its rule's
// fields.
func fillFromRule(x Finding, r *Rule, path string) Finding {
	if x.Rule == "" {
		x.Rule = r.ID
	}
	if x.Severity == "" {
		x.Severity = r.Severity
	}
	if x.Explanation == "" {
		x.Explanation = r.Why
	}
	if x.Source == "" {
		x.Source = r.Source
	}
	if x.File == "" {
		x.File = SafePath(path)
	}
	x.Snippet = sanitize(x.Snippet, MaxSnippetChars)
	x.Decoded = sanitize(x.Decoded, MaxSnippetChars*2)
	return x
}

// existsExcept reports the outermost path component of path that matches
// none of the rule's allowed names, once per folder in a scan. Only
// components starting with a dot are considered when every target is a
// dot pattern.
func (ss *Session) existsExcept(r *Rule, path string) (Finding, bool) {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		allowed := false
		for _, g := range r.allow {
			if g.match(p) {
				allowed = true
				break
			}
		}
		if allowed {
			return Finding{}, false
		}
		if !strings.HasPrefix(p, ".") {
			continue
		}
		at := strings.Join(parts[:i+1], "/")
		if i < len(parts)-1 {
			if ss.hidden[at] {
				return Finding{}, false
			}
			ss.hidden[at] = true
			at += "/"
		}
		return Finding{
			Rule: r.ID, Severity: r.Severity, File: SafePath(strings.TrimSuffix(at, "/")),
			Snippet: sanitize(SafePath(at), MaxSnippetChars), Explanation: r.Why, Source: r.Source,
		}, true
	}
	return Finding{}, false
}

// report returns the report: findings in a deterministic order (file,
// line, rule) and the verdict.
func (ss *Session) report() *Report {
	ss.flush()
	for _, t := range ss.trees {
		ss.addFindings(t.finish(ss.findings))
	}
	ss.incompleteFinding()
	ss.prune()
	rep := ss.rep
	sort.SliceStable(ss.findings, func(i, j int) bool {
		a, b := ss.findings[i], ss.findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Snippet < b.Snippet
	})
	rep.Findings = ss.findings
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	if ss.dropped > 0 {
		rep.Capped = true
		rep.Skipped = append(rep.Skipped, bulwark.Sprintf("%d findings past %d were left out of the report (every critical and high one is kept, then the most severe; the verdict and the counts cover them all)", ss.dropped, MaxFindings))
	}
	rep.Counts = map[Severity]int{}
	for sev, n := range ss.counts {
		rep.Counts[sev] = n
	}
	rep.Verdict = verdictOfCounts(rep.Counts)
	if rep.Incomplete && rep.Verdict == bulwark.VerdictClear {
		rep.Verdict = bulwark.VerdictReview
	}
	return &rep
}
