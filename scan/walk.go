package scan

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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
	// Incomplete is set when part of the tree was not read for a reason
	// other than a single file's: MaxFiles or MaxTotalBytes reached, an
	// archive truncated or corrupt part way, a gzip stream over the ratio
	// limit. Skipped says which. A caller should not call such a tree
	// clear.
	Incomplete bool `json:"incomplete"`
}

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
//     f.Truncated set when there was more. f and f.Data belong to Walk and
//     are reused for the next file: fn must copy what it keeps.
//   - A symbolic link is a File with fs.ModeSymlink in Mode, its target in
//     Link and no Data. Links are never followed (a link to ".." or "/etc"
//     cannot make Walk read outside the tree, and a link loop cannot make
//     it loop).
//
// Order is deterministic: a directory's entries by name, depth first; an
// archive's members in the archive's order; an archive inside the tree
// right after the archive file itself.
//
// Safety: an archive member whose name is absolute, has a Windows drive
// letter or a ".." element (backslashes count as separators) is skipped
// and reported in WalkStats.Skipped, as are hard links, devices, pipes
// and sockets. A zip member that decompresses beyond its declared size,
// or whose declared ratio exceeds lim.MaxRatio, is skipped; a gzip stream
// that expands beyond lim.MaxTotalBytes or lim.MaxRatio is cut there.
// Archives inside the tree (found by their signature, not their name) are
// opened to lim.MaxDepth levels: one in a directory whatever its size,
// one inside an archive when it fits in lim.MaxFileBytes. Git's
// object store (.git/objects) is not read; .git/hooks and .git/config
// are. node_modules is read and counted. When lim.MaxFiles or
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

// check returns an abort when the context is done or a count limit is
// reached.
func (w *walker) check() error {
	if err := w.ctx.Err(); err != nil {
		return &abort{bulwark.Wrap(err, bulwark.ETIMEOUT, bulwark.Sprintf("the scan stopped after %d files: %v", w.st.Files, err))}
	}
	if w.st.Files >= w.lim.MaxFiles {
		w.incomplete("stopped after %d files, the file limit; the rest of the tree was not read", w.st.Files)
		return &abort{}
	}
	if w.st.Bytes >= w.lim.MaxTotalBytes {
		w.incomplete("stopped after %d bytes, the total limit; the rest of the tree was not read", w.st.Bytes)
		return &abort{}
	}
	return nil
}

// read reads at most n bytes of r into the walk's buffer (sized from
// hint, the declared size), and reports whether there was more.
func (w *walker) read(r io.Reader, n, hint int64) ([]byte, bool, error) {
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
			return nil, false, err
		}
	}
	w.buf = buf[:0]
	if int64(len(buf)) > n {
		return buf[:n], true, nil
	}
	return buf, false, nil
}

// emit reads one regular file from r, hands it to fn and opens it as a
// nested archive when it is one and depth allows. A read error is
// returned as it is (the caller says what it means); an abort stops the
// walk.
func (w *walker) emit(p string, size int64, mode fs.FileMode, r io.Reader, depth int) error {
	if err := w.check(); err != nil {
		return err
	}
	n := min(w.lim.MaxFileBytes, w.lim.MaxTotalBytes-w.st.Bytes)
	data, truncated, err := w.read(r, n, size)
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
			w.note("%q: an archive larger than %d bytes (the file limit), not opened", p, w.lim.MaxFileBytes)
		} else if !truncated {
			nested = append([]byte(nil), data...)
		}
	} else if kind != notArchive {
		w.note("%q: an archive nested deeper than %d levels, not opened", p, w.lim.MaxDepth)
	}
	w.st.Files++
	w.st.Bytes += int64(len(data))
	if truncated {
		w.st.Truncated++
	}
	if inNodeModules(p) {
		w.st.NodeModulesFiles++
	}
	w.file = File{Path: p, Size: size, Mode: mode.Perm(), Data: data, Truncated: truncated}
	if err := w.fn(&w.file); err != nil {
		return &abort{err}
	}
	switch {
	case nested != nil:
		return w.archive(p+"!/", p, kind, nested, depth+1)
	case truncated && onDisk && kind != notArchive && depth < w.lim.MaxDepth:
		return w.archiveFile(p+"!/", p, kind, file, size, depth+1)
	}
	return nil
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
	w.file = File{Path: p, Size: int64(len(target)), Mode: fs.ModeSymlink | 0o777, Link: target}
	if err := w.fn(&w.file); err != nil {
		return &abort{err}
	}
	return nil
}

// dir walks the directory root/rel, entries by name, never following a
// symbolic link.
func (w *walker) dir(root, rel string) error {
	full := filepath.Join(root, filepath.FromSlash(rel))
	entries, err := os.ReadDir(full)
	if err != nil {
		if rel == "" {
			return bulwark.Errorf(bulwark.EINVALID, "%s: the directory cannot be read (%v)", root, errors.Unwrap(err))
		}
		w.note("%q: the directory cannot be read, skipped", rel)
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
			if isGitObjects(p) {
				w.note("%q: git's object store (compressed history, not the working tree), not read", p)
				continue
			}
			if err := w.dir(root, p); err != nil {
				return err
			}
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(filepath.Join(full, e.Name()))
			if err != nil {
				w.note("%q: a symbolic link that cannot be read, skipped", p)
				continue
			}
			if err := w.emitLink(p, target); err != nil {
				return err
			}
		case t.IsRegular():
			if err := w.dirFile(filepath.Join(full, e.Name()), p); err != nil {
				return err
			}
		default:
			w.note("%q: not a regular file (%v), not read", p, t.Type())
		}
	}
	return nil
}

// dirFile reads one regular file of a directory tree.
func (w *walker) dirFile(full, p string) error {
	f, err := os.Open(full)
	if err != nil {
		w.note("%q: cannot be opened, skipped", p)
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		// Replaced since it was listed.
		w.note("%q: no longer a regular file, skipped", p)
		return nil
	}
	err = w.emit(p, info.Size(), info.Mode(), f, 0)
	var a *abort
	if err != nil && !errors.As(err, &a) {
		w.note("%q: read failed part way, skipped", p)
		return nil
	}
	return err
}

// isGitObjects says whether the directory p is a git object store
// (.git/objects, .git/modules/x/objects).
func isGitObjects(p string) bool {
	if !strings.HasSuffix(p, "/objects") {
		return false
	}
	return strings.HasPrefix(p, ".git/") || strings.Contains(p, "/.git/")
}

// inNodeModules says whether p is under a node_modules directory.
func inNodeModules(p string) bool {
	return strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}
