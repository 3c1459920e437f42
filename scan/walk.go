package scan

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// Default limits, sized for a 100 MB repository (a project with its
// node_modules): a source file is rarely over a few hundred KiB, a
// minified bundle a few MiB.
const (
	// DefaultMaxFileBytes is how much of one file is read: 4 MiB.
	DefaultMaxFileBytes = 4 << 20
	// DefaultMaxTotalBytes is how much the whole walk reads: 1 GiB, ten
	// times a large repository.
	DefaultMaxTotalBytes = 1 << 30
	// DefaultMaxFiles is how many files the walk hands over: 200,000,
	// twenty times the files of a 100 MB node_modules.
	DefaultMaxFiles = 200_000
	// DefaultMaxDepth is how deep archives may nest inside the tree: 3
	// (a.zip!/b.tgz!/c.zip is opened, an archive inside c.zip is not).
	DefaultMaxDepth = 3
	// DefaultMaxRatio is the largest decompressed-to-compressed ratio of
	// an archive member or gzip stream: 100 (source code compresses 3 to
	// 10 times, a zip bomb a thousand times).
	DefaultMaxRatio = 100
)

// DefaultMaxStreamBytes is how much of one file a walk reads in
// MaxFileBytes windows (and hashes) before it stops and lists the rest as
// unread: 64 MiB.
const DefaultMaxStreamBytes = 64 << 20

// windowOverlap is how many bytes consecutive windows of a long file
// share, so that a match across a window boundary is seen.
const windowOverlap = 4 << 10

// ratioFloor is the decompressed size below which MaxRatio is not
// applied: a small file of spaces compresses far better than 100 to 1,
// and MaxFileBytes already bounds what reading it costs.
const ratioFloor = 1 << 20

// maxNotes is how many skip notes WalkStats.Skipped keeps; SkippedCount
// counts them all.
const maxNotes = 200

// maxLink bounds a symbolic link's target as reported.
const maxLink = 4096

// DefaultLimits returns the limits described by the Default constants.
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:  DefaultMaxFileBytes,
		MaxTotalBytes: DefaultMaxTotalBytes,
		MaxFiles:      DefaultMaxFiles,
		MaxDepth:      DefaultMaxDepth,
		MaxRatio:      DefaultMaxRatio,
	}
}

// withDefaults returns DefaultLimits for a zero lim, else lim with its
// zero size, count and ratio limits set to the defaults (MaxDepth 0 is
// kept: it means nested archives are not opened), or an error naming a
// negative one.
func (lim Limits) withDefaults() (Limits, error) {
	if lim == (Limits{}) {
		return DefaultLimits(), nil
	}
	if lim.MaxFileBytes < 0 || lim.MaxTotalBytes < 0 || lim.MaxFiles < 0 || lim.MaxDepth < 0 || lim.MaxRatio < 0 {
		return lim, bulwark.Invalid("limits", "a scan limit is negative (%+v); use 0 for the default", lim)
	}
	d := DefaultLimits()
	if lim.MaxFileBytes == 0 {
		lim.MaxFileBytes = d.MaxFileBytes
	}
	if lim.MaxTotalBytes == 0 {
		lim.MaxTotalBytes = d.MaxTotalBytes
	}
	if lim.MaxFiles == 0 {
		lim.MaxFiles = d.MaxFiles
	}
	if lim.MaxRatio == 0 {
		lim.MaxRatio = d.MaxRatio
	}
	return lim, nil
}

// WalkStats counts what a walk read and says what it did not.
type WalkStats struct {
	// Files is how many files were handed to fn (symbolic links and
	// archives included); Bytes how many bytes of content.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Archives is how many archives were opened, the root one included.
	Archives int `json:"archives"`
	// Links is how many symbolic links were handed over (never followed).
	Links int `json:"links"`
	// NodeModulesFiles is how many of Files were under a node_modules
	// directory: installed dependencies, scanned because malicious
	// packages hide there.
	NodeModulesFiles int `json:"node_modules_files"`
	// Truncated is how many files were handed over cut to MaxFileBytes.
	Truncated int `json:"truncated"`
	// Skipped says, one sentence each, what was not read and why: an
	// unsafe path, a hard link, a device, a member over the ratio limit, a
	// corrupt nested archive, a limit reached. It keeps the first 200;
	// SkippedCount counts them all.
	Skipped      []string `json:"skipped,omitempty"`
	SkippedCount int      `json:"skipped_count"`
	// Unread lists, one entry per path, every part of the tree that was
	// not read, or not read whole: a file longer than
	// DefaultMaxStreamBytes, an archive nested too deep or too large to
	// open, an archive cut short or corrupt, a limit reached. It keeps the
	// first 200; UnreadCount counts them all. A scanner should turn each
	// into a finding (the tree may hide code there) and never call such a
	// tree clear.
	Unread      []Unread `json:"unread,omitempty"`
	UnreadCount int      `json:"unread_count"`
	// Streamed counts bytes read but not handed over (hashing a file
	// twice read); it counts against MaxTotalBytes like Bytes.
	Streamed int64 `json:"streamed"`
	// Incomplete is set when part of the tree was not read for a reason
	// other than a single file's: MaxFiles or MaxTotalBytes reached, an
	// archive truncated or corrupt part way, a gzip stream over the ratio
	// limit. Skipped says which. A caller should not call such a tree
	// clear.
	Incomplete bool `json:"incomplete"`
}

// Unread is one part of the tree a walk did not read, or not read whole.
type Unread struct {
	// Path is the file or archive, as File.Path names it (sanitised with
	// SafePath), or "" for the tree as a whole.
	Path string `json:"path"`
	// Reason is one of the Unread* codes.
	Reason string `json:"reason"`
	// Detail says in a sentence what was not read and why.
	Detail string `json:"detail"`
}

// Reasons a part of the tree was not read, for Unread.Reason.
const (
	// UnreadFileTail: a file longer than DefaultMaxStreamBytes (or than
	// what was left of MaxTotalBytes); its end was not read.
	UnreadFileTail = "file-tail-unread"
	// UnreadFileError: a file that failed part way (corrupt compressed
	// data, a read error); what came before was read.
	UnreadFileError = "file-read-error"
	// UnreadArchiveTooDeep: an archive nested deeper than MaxDepth.
	UnreadArchiveTooDeep = "archive-too-deep"
	// UnreadArchiveTooLarge: an archive inside an archive larger than
	// MaxFileBytes (it would have to be held in memory).
	UnreadArchiveTooLarge = "archive-too-large"
	// UnreadArchiveCut: an archive truncated, corrupt part way or cut at
	// the total limit; its later members were not read.
	UnreadArchiveCut = "archive-cut"
	// UnreadArchiveTooMany: a zip declaring more entries than MaxFiles
	// allows; not opened.
	UnreadArchiveTooMany = "archive-too-many-entries"
	// UnreadLimit: MaxFiles or MaxTotalBytes reached; the rest of the
	// tree was not read.
	UnreadLimit = "limit-reached"
	// UnreadHardLink: a tar hard link, whose content is another member's
	// (tar and npm extract it).
	UnreadHardLink = "hard-link"
	// UnreadEntry: a file or directory that could not be opened or read.
	UnreadEntry = "unreadable"
	// UnreadNotRegular: a named pipe or device, or a link to one: never
	// opened (opening a pipe blocks until a writer comes).
	UnreadNotRegular = "not-regular"
	// UnreadLinkLimit: a link to a folder past the links a walk follows.
	UnreadLinkLimit = "link-limit"
	// UnreadUnsafeName: an archive member whose name climbs out of the
	// archive (".."), is absolute or has a drive letter: never written or
	// read outside; its content is handed over under the name with those
	// parts dropped (what most extractors write).
	UnreadUnsafeName = "unsafe-name"
)

// Walk reads the tree at path — a directory, a tar archive (.tar), a
// gzip-compressed tar (.tar.gz, .tgz, an npm pack tarball) or a zip file
// (.zip, or any file starting with a zip, gzip or tar signature) — and
// calls fn for each regular file and symbolic link in it, one at a time.
// Nothing it reads is executed, extracted or written anywhere.
//
// What fn sees:
//   - f.Path is slash-separated and relative to the tree (for an archive,
//     as the archive names it, e.g. "package/index.js" in an npm
//     tarball); a member of an archive inside the tree is
//     "outer.zip!/inner/path". A plain file walked alone is its base name.
//   - f.Data holds the content, at most lim.MaxFileBytes bytes, with
//     f.Truncated set when there was more; a longer file is handed over
//     again in further windows (f.Offset, f.Line say where each starts)
//     up to DefaultMaxStreamBytes, and f.SHA256 holds the whole file's
//     hash. f and f.Data belong to Walk and are reused for the next file:
//     fn must copy what it keeps.
//   - A symbolic link is a File with fs.ModeSymlink in Mode, its target in
//     Link. Links are never followed out of the tree (a link to ".." or
//     "/etc" cannot make Walk read outside the tree, and a link loop
//     cannot make it loop); a link in a directory tree whose target is a
//     regular file inside the tree carries the target's content in Data,
//     and one whose target is a directory inside the tree is followed by
//     that directory's files under the link's path (maxLinkDepth links
//     deep, maxDirLinks in all, never into a folder the chain is in).
//
// Order is deterministic: a directory's entries by name, depth first; an
// archive's members in the archive's order; an archive inside the tree
// right after the archive file itself.
//
// Safety: an archive member whose name is absolute, has a Windows drive
// letter or a ".." element (backslashes count as separators) is never
// written or read outside: it is listed in WalkStats.Unread
// (UnreadUnsafeName) and a regular one is handed over under its name with
// those parts dropped. Hard links are listed as unread and handed over as
// links; pipes and devices, and links to them, are never opened
// (UnreadNotRegular); sockets are noted. A zip member that decompresses beyond its declared size,
// or whose declared ratio exceeds lim.MaxRatio, is skipped; a gzip stream
// that expands beyond lim.MaxTotalBytes or lim.MaxRatio is cut there.
// Archives inside the tree (found by their signature, not their name) are
// opened to lim.MaxDepth levels: one in a directory whatever its size,
// one inside an archive when it fits in lim.MaxFileBytes. Git's
// objects (a .git/objects/xx/yyyy… or pack file whose content starts as
// one: zlib, PACK, an index) are not read; everything else under .git,
// and any other file in a folder called objects, is. node_modules is read
// and counted. Whatever was not read, or not read whole, is listed in
// WalkStats.Unread. When lim.MaxFiles or
// lim.MaxTotalBytes is reached, the walk stops, notes it and sets
// WalkStats.Incomplete.
//
// A zero lim (Limits{}) means DefaultLimits(). Otherwise zero fields of
// lim take the defaults, except MaxDepth: 0 means archives inside the
// tree are not opened.
//
// Errors: a path that cannot be read, or a root archive that cannot be
// opened as what its name or signature says (not a zip, not a gzip
// stream, not a tar), is a bulwark EINVALID error naming the file and the
// problem. A root archive cut short (truncated download) is not an error:
// what was read is handed over, Skipped says the archive is truncated and
// Incomplete is set; a root archive corrupt part way is an error, with
// the stats of what was read. An error from fn stops the walk and is
// returned as it is; a cancelled ctx stops it with an ETIMEOUT error.
func Walk(ctx context.Context, path string, lim Limits, fn func(*File) error) (WalkStats, error) {
	lim, err := lim.withDefaults()
	if err != nil {
		return WalkStats{}, err
	}
	w := &walker{ctx: ctx, lim: lim, fn: fn, notes: map[string]bool{}}
	info, err := os.Stat(path)
	if err != nil {
		return w.st, bulwark.Errorf(bulwark.EINVALID, "%s: cannot be read (%v); give a directory, a .tar, .tgz or .zip file", path, errors.Unwrap(err))
	}
	switch {
	case info.IsDir():
		if w.realRoot, err = filepath.EvalSymlinks(path); err != nil {
			return w.st, bulwark.Errorf(bulwark.EINVALID, "%s: cannot be read (%v)", path, errors.Unwrap(err))
		}
		err = w.dir(path, "")
	case info.Mode().IsRegular():
		err = w.rootFile(path, info.Size())
	default:
		err = bulwark.Errorf(bulwark.EINVALID, "%s: neither a directory nor a regular file; give a directory, a .tar, .tgz or .zip file", path)
	}
	var a *abort
	if errors.As(err, &a) {
		err = a.err
	}
	return w.st, err
}

// abort stops a walk: err is fn's error or the context's, nil when a limit
// was reached (the stats say which).
type abort struct{ err error }

func (a *abort) Error() string {
	if a.err == nil {
		return "scan: walk stopped at a limit"
	}
	return a.err.Error()
}

// walker holds one walk's state.
type walker struct {
	ctx   context.Context
	lim   Limits
	fn    func(*File) error
	st    WalkStats
	buf   []byte
	file  File
	notes map[string]bool // notes made once per walk
	// realRoot is a directory tree's root with its links resolved ("" for
	// an archive); linkStack the resolved folders of the directory links
	// being walked, dirLinks how many were followed.
	realRoot  string
	linkStack []string
	dirLinks  int
}

// note records one skipped thing.
func (w *walker) note(format string, args ...any) {
	w.st.SkippedCount++
	if len(w.st.Skipped) < maxNotes {
		w.st.Skipped = append(w.st.Skipped, bulwark.Sprintf(format, args...))
	}
}

// noteOnce records a note only the first time key is seen.
func (w *walker) noteOnce(key, format string, args ...any) {
	if w.notes[key] {
		return
	}
	w.notes[key] = true
	w.note(format, args...)
}

// incomplete records that part of the tree was not read.
func (w *walker) incomplete(format string, args ...any) {
	w.st.Incomplete = true
	w.note(format, args...)
}

// unread records that path was not read, or not read whole, for reason
// (an Unread* code), with a note; it sets Incomplete.
func (w *walker) unread(path, reason, format string, args ...any) {
	msg := bulwark.Sprintf(format, args...)
	w.st.UnreadCount++
	if len(w.st.Unread) < maxNotes {
		w.st.Unread = append(w.st.Unread, Unread{Path: SafePath(path), Reason: reason, Detail: SafePath(msg)})
	}
	w.incomplete("%s", msg)
}

// check returns an abort when the context is done or a count limit is
// reached.
func (w *walker) check() error {
	if err := w.ctx.Err(); err != nil {
		return &abort{bulwark.Wrap(err, bulwark.ETIMEOUT, bulwark.Sprintf("the scan stopped after %d files: %v", w.st.Files, err))}
	}
	if w.st.Files >= w.lim.MaxFiles {
		w.unread("", UnreadLimit, "stopped after %d files, the file limit; the rest of the tree was not read", w.st.Files)
		return &abort{}
	}
	if w.st.Bytes+w.st.Streamed >= w.lim.MaxTotalBytes {
		w.unread("", UnreadLimit, "stopped after %d bytes, the total limit; the rest of the tree was not read", w.st.Bytes+w.st.Streamed)
		return &abort{}
	}
	return nil
}

// read reads at most n bytes of r into the walk's buffer (sized from
// hint, the declared size), and reports whether there was more; the byte
// past n, if any, is returned as extra.
func (w *walker) read(r io.Reader, n, hint int64) ([]byte, bool, byte, error) {
	want := min(max(hint, 0), n) + 1
	if int64(cap(w.buf)) < want {
		w.buf = make([]byte, 0, want)
	}
	buf := w.buf[:0]
	lr := io.LimitReader(r, n+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			w.buf = buf[:0]
			return nil, false, 0, err
		}
	}
	w.buf = buf[:0]
	if int64(len(buf)) > n {
		return buf[:n], true, buf[n], nil
	}
	return buf, false, 0, nil
}

// reopener returns a fresh reader of a file from its start (a file on
// disk, a zip member), to hash it whole before its windows are handed
// over; nil when the file can be read only once (a tar entry).
type reopener func() (io.ReadCloser, error)

// emit reads one regular file from r, hands it to fn (in windows when it
// is longer than MaxFileBytes) and opens it as a nested archive when it is
// one and depth allows. A read error is returned as it is (the caller says
// what it means); an abort stops the walk.
func (w *walker) emit(p string, size int64, mode fs.FileMode, r io.Reader, depth int, reopen reopener) error {
	if err := w.check(); err != nil {
		return err
	}
	if gitObjectPath(p) {
		var head [4]byte
		k, _ := io.ReadFull(r, head[:])
		if isGitObject(head[:k]) {
			w.noteOnce("git:"+gitStore(p), "%q: git's object store (compressed history, not the working tree), not read", gitStore(p))
			return nil
		}
		r = io.MultiReader(bytes.NewReader(head[:k]), r)
	}
	n := min(w.lim.MaxFileBytes, w.lim.MaxTotalBytes-w.st.Bytes-w.st.Streamed)
	data, truncated, extra, err := w.read(r, n, size)
	if err != nil {
		return err
	}
	var nested []byte
	kind := sniff(data)
	// An archive file of a directory tree is opened from the file itself,
	// whatever its size; one inside an archive only when it fits the
	// file limit (it is held in memory).
	file, onDisk := r.(*os.File)
	if kind != notArchive && depth < w.lim.MaxDepth {
		if truncated && !onDisk {
			w.unread(p, UnreadArchiveTooLarge, "%q: an archive larger than %d bytes (the file limit) inside an archive, not opened", p, w.lim.MaxFileBytes)
		} else if !truncated {
			nested = append([]byte(nil), data...)
		}
	} else if kind != notArchive {
		w.unread(p, UnreadArchiveTooDeep, "%q: an archive nested deeper than %d levels, not opened; real projects do not nest archives", p, w.lim.MaxDepth)
	}
	opened := kind != notArchive && depth < w.lim.MaxDepth && (onDisk || !truncated)
	sum := ""
	if truncated && kind == notArchive && reopen != nil {
		sum = w.hashAll(reopen)
	}
	if !truncated && kind == notArchive {
		// A UTF-16 file with a byte order mark (a tasks.json or
		// package.json saved by a Windows editor) is handed over as
		// UTF-8, so that rules and detectors read it; the hash is the
		// file's own.
		if text, ok := decodeUTF16(data); ok {
			h := sha256.Sum256(data)
			sum, data = hex.EncodeToString(h[:]), text
		}
	}
	w.st.Files++
	w.st.Bytes += int64(len(data))
	if truncated {
		w.st.Truncated++
	}
	if inNodeModules(p) {
		w.st.NodeModulesFiles++
	}
	w.file = File{Path: p, Size: size, Mode: mode.Perm(), Data: data, Truncated: truncated, Line: 1, SHA256: sum}
	if err := w.fn(&w.file); err != nil {
		return &abort{err}
	}
	if truncated && kind == notArchive {
		// The rest of the file: handed over in windows when it is text,
		// hashed when the hash is still missing.
		show := !binaryHead(data)
		var h hash.Hash
		if sum == "" {
			h = sha256.New()
			h.Write(data)
		}
		if show || h != nil {
			rest := io.MultiReader(bytes.NewReader([]byte{extra}), r)
			if err := w.windows(p, size, mode, rest, data, h, show); err != nil {
				return err
			}
		}
	}
	switch {
	case nested != nil:
		return w.archive(p+"!/", p, kind, nested, depth+1)
	case opened && truncated:
		return w.archiveFile(p+"!/", p, kind, file, size, depth+1)
	}
	return nil
}

// hashAll returns the SHA-256 of the whole file reopen gives, or "" when
// it is longer than DefaultMaxStreamBytes or what is left of
// MaxTotalBytes, or cannot be read. What it reads counts as Streamed.
func (w *walker) hashAll(reopen reopener) string {
	rc, err := reopen()
	if err != nil {
		return ""
	}
	defer rc.Close()
	limit := min(int64(DefaultMaxStreamBytes), w.lim.MaxTotalBytes-w.st.Bytes-w.st.Streamed)
	h := sha256.New()
	n, err := io.CopyN(h, rc, limit+1)
	w.st.Streamed += n
	if err != io.EOF || n > limit {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// windows hands over the rest of a truncated file, read from r, in
// windows of MaxFileBytes that overlap by windowOverlap (when show), and
// feeds it to h when not nil (the hash goes on the last window shown). It
// stops at DefaultMaxStreamBytes or MaxTotalBytes and lists the rest as
// unread. head is the first window, held in the walk's buffer.
func (w *walker) windows(p string, size int64, mode fs.FileMode, r io.Reader, head []byte, h hash.Hash, show bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if int64(cap(w.buf)) < w.lim.MaxFileBytes+1 {
		nb := make([]byte, len(head), w.lim.MaxFileBytes+1)
		copy(nb, head)
		w.buf, head = nb[:0], nb
	}
	buf := w.buf[:cap(w.buf)]
	maxOv := min(windowOverlap, int(w.lim.MaxFileBytes/4))
	ov := 0
	if show {
		ov = min(maxOv, len(head))
	}
	line := 1 + bytes.Count(head[:len(head)-ov], []byte{'\n'})
	copy(buf[:ov], head[len(head)-ov:])
	off := int64(len(head)) // bytes of the file read so far
	for {
		if err := w.ctx.Err(); err != nil {
			return w.check()
		}
		budget := min(int64(DefaultMaxStreamBytes)-off, w.lim.MaxTotalBytes-w.st.Bytes-w.st.Streamed)
		if budget <= 0 {
			if _, err := br.Peek(1); err == io.EOF {
				return nil
			}
			w.unread(p, UnreadFileTail, "%q: %d bytes long; only the first %d were read (the stream limit is %d bytes, the total %d): code after that was not seen", p, size, off, DefaultMaxStreamBytes, w.lim.MaxTotalBytes)
			return nil
		}
		want := max(min(w.lim.MaxFileBytes-int64(ov), budget), 1)
		m, err := io.ReadFull(br, buf[ov:int64(ov)+want])
		if h != nil {
			h.Write(buf[ov : ov+m])
		}
		off += int64(m)
		done := err == io.EOF || err == io.ErrUnexpectedEOF
		if err == nil {
			if _, perr := br.Peek(1); perr == io.EOF {
				done = true
			}
		} else if !done {
			w.unread(p, UnreadFileError, "%q: reading failed after %d bytes (%v); the rest was not read", p, off, err)
			return nil
		}
		if m > 0 && show {
			w.st.Bytes += int64(m)
			data := buf[:ov+m]
			w.file = File{Path: p, Size: size, Mode: mode.Perm(), Data: data, Truncated: true, Offset: off - int64(len(data)), Line: line}
			if done && h != nil {
				w.file.SHA256 = hex.EncodeToString(h.Sum(nil))
			}
			if err := w.fn(&w.file); err != nil {
				return &abort{err}
			}
			nov := min(maxOv, len(data))
			line += bytes.Count(data[:len(data)-nov], []byte{'\n'})
			copy(buf[:nov], data[len(data)-nov:])
			ov = nov
		} else {
			w.st.Streamed += int64(m)
		}
		if done {
			return nil
		}
	}
}

// decodeUTF16 returns data, which starts with a UTF-16 byte order mark
// (FF FE little-endian, FE FF big-endian), as UTF-8 without the mark, or
// false when it has no such mark. An odd last byte is dropped; unpaired
// surrogates become U+FFFD.
func decodeUTF16(data []byte) ([]byte, bool) {
	if len(data) < 2 {
		return nil, false
	}
	var order binary.ByteOrder
	switch {
	case data[0] == 0xFF && data[1] == 0xFE:
		if len(data) >= 4 && data[2] == 0 && data[3] == 0 {
			return nil, false // UTF-32 LE
		}
		order = binary.LittleEndian
	case data[0] == 0xFE && data[1] == 0xFF:
		order = binary.BigEndian
	default:
		return nil, false
	}
	units := make([]uint16, 0, (len(data)-2)/2)
	for i := 2; i+1 < len(data); i += 2 {
		units = append(units, order.Uint16(data[i:]))
	}
	out := make([]byte, 0, len(units)+len(units)/2)
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, true
}

// binaryHead says whether a file's first bytes are binary (a NUL byte in
// the first 8000, as git decides).
func binaryHead(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}

// archiveFile walks an archive file of a directory tree too large to
// hold in memory, reading it from the file.
func (w *walker) archiveFile(prefix, name string, kind archiveKind, f *os.File, size int64, depth int) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		w.note("%q: cannot be reread (%v), not opened", name, err)
		return nil
	}
	w.st.Archives++
	switch kind {
	case zipArchive:
		return w.zip(prefix, name, f, size, depth, false)
	case gzipArchive:
		return w.gzip(prefix, name, f, depth, false)
	default:
		return w.tar(prefix, name, f, depth, false)
	}
}

// emitLink hands a symbolic link to fn.
func (w *walker) emitLink(p, target string) error {
	return w.emitLinkData(p, target, nil)
}

// emitLinkData hands a symbolic link to fn with data, the content of its
// target when that is a regular file inside the tree.
func (w *walker) emitLinkData(p, target string, data []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	if len(target) > maxLink {
		target = target[:maxLink]
	}
	w.st.Files++
	w.st.Links++
	if inNodeModules(p) {
		w.st.NodeModulesFiles++
	}
	w.file = File{Path: p, Size: int64(len(target)), Mode: fs.ModeSymlink | 0o777, Link: target, Data: data, Line: 1}
	if data != nil {
		w.st.Bytes += int64(len(data))
	}
	if err := w.fn(&w.file); err != nil {
		return &abort{err}
	}
	return nil
}

// maxLinkDepth bounds how many directory links a walk follows one inside
// another, and maxDirLinks how many it follows in all: a tree of links
// to links (or to one big folder) cannot make a walk read the same files
// without end.
const (
	maxLinkDepth = 8
	maxDirLinks  = 256
)

// dir walks the directory root/rel, entries by name. A symbolic link is
// handed over as a link; one to a regular file inside the tree carries
// that file's content, one to a directory inside the tree is walked under
// the link's name (bounded, never twice in one chain of links), and
// nothing outside the tree is ever opened.
func (w *walker) dir(root, rel string) error {
	return w.dirAt(filepath.Join(root, filepath.FromSlash(rel)), rel)
}

// dirAt walks the directory at full (on disk) naming its entries under
// rel (the path tools would use: a directory reached through a link is
// named by the link).
func (w *walker) dirAt(full, rel string) error {
	entries, err := os.ReadDir(full)
	if err != nil {
		if rel == "" {
			return bulwark.Errorf(bulwark.EINVALID, "%s: the directory cannot be read (%v)", full, errors.Unwrap(err))
		}
		w.unread(rel, UnreadEntry, "%q: the directory cannot be read, skipped", rel)
		// ReadDir returns what it read before the error.
	}
	for _, e := range entries {
		p := e.Name()
		if rel != "" {
			p = rel + "/" + p
		}
		t := e.Type()
		switch {
		case t.IsDir():
			if err := w.dirAt(filepath.Join(full, e.Name()), p); err != nil {
				return err
			}
		case t&fs.ModeSymlink != 0:
			if err := w.link(filepath.Join(full, e.Name()), p); err != nil {
				return err
			}
		case t.IsRegular():
			if err := w.dirFile(filepath.Join(full, e.Name()), p); err != nil {
				return err
			}
		case t&fs.ModeSocket != 0:
			// A tool's socket (git's fsmonitor daemon): holds nothing.
			w.note("%q: a socket, not read", p)
		default:
			w.unread(p, UnreadNotRegular, "%q: not a regular file (%v), not opened: a named pipe or device holds nothing a clone ships, and opening one can block", p, t.Type())
		}
	}
	return nil
}

// link hands over the symbolic link at full (named p): with its target's
// content when that is a regular file inside the tree, followed by the
// target's files under p when it is a directory inside the tree.
func (w *walker) link(full, p string) error {
	target, err := os.Readlink(full)
	if err != nil {
		w.note("%q: a symbolic link that cannot be read, skipped", p)
		return nil
	}
	real, info := w.resolve(full, target)
	var data []byte
	switch {
	case info == nil:
	case info.Mode().IsRegular():
		data = w.readTarget(real)
	case info.IsDir():
	default:
		w.unread(p, UnreadNotRegular, "%q: a link to %q, which is not a regular file (%v): not opened (a named pipe or device can block a reader)", p, target, info.Mode().Type())
	}
	if err := w.emitLinkData(p, target, data); err != nil {
		return err
	}
	if info == nil || !info.IsDir() {
		return nil
	}
	if slices.Contains(w.linkStack, real) || w.isAncestor(real, full) {
		w.note("%q: a link to %q, a folder it is inside of (a link loop); not walked again", p, target)
		return nil
	}
	if len(w.linkStack) >= maxLinkDepth || w.dirLinks >= maxDirLinks {
		w.unread(p, UnreadLinkLimit, "%q: a link to the folder %q, past the %d links a walk follows (%d deep); its files were not read under this name", p, target, maxDirLinks, maxLinkDepth)
		return nil
	}
	w.dirLinks++
	w.linkStack = append(w.linkStack, real)
	defer func() { w.linkStack = w.linkStack[:len(w.linkStack)-1] }()
	return w.dirAt(real, p)
}

// isAncestor says whether real (resolved) is the folder holding full, the
// link, or one above it.
func (w *walker) isAncestor(real, full string) bool {
	parent, err := filepath.EvalSymlinks(filepath.Dir(full))
	if err != nil {
		return true
	}
	r, err := filepath.Rel(real, parent)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// resolve returns the link at full's target, every link on the way
// resolved, and its Stat, or nil when it is absolute, missing or not
// inside the tree: nothing outside the tree is ever read.
func (w *walker) resolve(full, target string) (string, fs.FileInfo) {
	if path.IsAbs(target) || filepath.IsAbs(target) || w.realRoot == "" {
		return "", nil
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", nil
	}
	if r, err := filepath.Rel(w.realRoot, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return "", nil
	}
	// Stat, not Open: opening a named pipe blocks until a writer comes.
	info, err := os.Stat(real)
	if err != nil {
		return "", nil
	}
	return real, info
}

// readTarget returns the content (at most MaxFileBytes) of the regular
// file real, a link's target inside the tree, or nil when it cannot be
// read: npm, VS Code and git read through a link, so the rules must see
// what they would read.
func (w *walker) readTarget(real string) []byte {
	f, err := openRegular(real)
	if err != nil {
		return nil
	}
	defer f.Close()
	n := min(w.lim.MaxFileBytes, w.lim.MaxTotalBytes-w.st.Bytes-w.st.Streamed)
	data, err := io.ReadAll(io.LimitReader(f, max(n, 0)))
	if err != nil {
		return nil
	}
	if data == nil {
		data = []byte{}
	}
	return data
}

// openRegular opens name for reading without blocking (O_NONBLOCK: a
// named pipe put in the file's place since it was listed does not wait
// for a writer) and returns it only when it is a regular file.
func openRegular(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, errNotRegular
	}
	return f, nil
}

// errNotRegular is openRegular's error for anything but a regular file.
var errNotRegular = errors.New("not a regular file")

// dirFile reads one regular file of a directory tree.
func (w *walker) dirFile(full, p string) error {
	f, err := openRegular(full)
	if errors.Is(err, errNotRegular) {
		// Replaced since it was listed.
		w.unread(p, UnreadNotRegular, "%q: no longer a regular file, not opened", p)
		return nil
	}
	if err != nil {
		w.unread(p, UnreadEntry, "%q: cannot be opened, skipped", p)
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		w.unread(p, UnreadEntry, "%q: cannot be read, skipped", p)
		return nil
	}
	reopen := func() (io.ReadCloser, error) {
		return io.NopCloser(io.NewSectionReader(f, 0, info.Size())), nil
	}
	err = w.emit(p, info.Size(), info.Mode(), f, 0, reopen)
	var a *abort
	if err != nil && !errors.As(err, &a) {
		w.unread(p, UnreadEntry, "%q: read failed part way (%v), skipped", p, err)
		return nil
	}
	return err
}

// gitObjectPath says whether p is named like a git object under a
// .git/objects or .git/modules/…/objects folder: a loose object (xx/
// followed by 38 or 62 hex digits) or a pack file (pack/pack-….pack,
// .idx, .rev).
func gitObjectPath(p string) bool {
	i := strings.LastIndex(p, ".git/")
	if i < 0 || (i > 0 && p[i-1] != '/' && p[i-1] != '!') {
		return false
	}
	j := strings.LastIndex(p, "/objects/")
	if j < i {
		return false
	}
	rest := p[j+len("/objects/"):]
	if strings.HasPrefix(rest, "pack/pack-") {
		e := path.Ext(rest)
		return e == ".pack" || e == ".idx" || e == ".rev"
	}
	if len(rest) != 41 && len(rest) != 65 || rest[2] != '/' {
		return false
	}
	for k := 0; k < len(rest); k++ {
		c := rest[k]
		if k != 2 && !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// isGitObject says whether head, a file's first bytes, starts as git
// stores an object: a zlib stream (loose object), "PACK", a pack index
// ("\xfftOc") or a reverse index ("RIDX"). A file named like an object
// that holds anything else (JavaScript a require could load) is read.
func isGitObject(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch string(head[:4]) {
	case "PACK", "\xfftOc", "RIDX":
		return true
	}
	return head[0] == 0x78 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0
}

// gitStore returns the objects folder holding p.
func gitStore(p string) string {
	return p[:strings.LastIndex(p, "/objects/")+len("/objects")]
}

// inNodeModules says whether p is under a node_modules directory.
func inNodeModules(p string) bool {
	return strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}
