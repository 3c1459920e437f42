package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// archiveKind is what a file's first bytes say it is.
type archiveKind int

const (
	notArchive archiveKind = iota
	zipArchive
	gzipArchive // a gzip stream, read as a compressed tar
	tarArchive
)

// sniff tells an archive by its signature: "PK\x03\x04" (or an empty
// zip's "PK\x05\x06"), gzip's 1f 8b 08, or "ustar" at offset 257.
func sniff(data []byte) archiveKind {
	switch {
	case len(data) >= 4 && (string(data[:4]) == "PK\x03\x04" || string(data[:4]) == "PK\x05\x06"):
		return zipArchive
	case len(data) >= 3 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8:
		return gzipArchive
	case len(data) >= 262 && string(data[257:262]) == "ustar":
		return tarArchive
	}
	return notArchive
}

// rootFile walks a file given as the tree: an archive by signature or
// name, or else a single file.
func (w *walker) rootFile(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return bulwark.Errorf(bulwark.EINVALID, "%s: cannot be opened (%v)", path, errors.Unwrap(err))
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return bulwark.Errorf(bulwark.EINVALID, "%s: cannot be read (%v)", path, err)
	}
	kind := sniff(head[:n])
	lower := strings.ToLower(path)
	if kind == notArchive {
		switch {
		case strings.HasSuffix(lower, ".zip"):
			kind = zipArchive // a self-extracting zip starts with a program
		case strings.HasSuffix(lower, ".tar"):
			kind = tarArchive // an old tar has no "ustar" signature
		case strings.HasSuffix(lower, ".tgz") || strings.HasSuffix(lower, ".tar.gz"):
			return bulwark.Errorf(bulwark.EINVALID, "%s: not a gzip-compressed tar: it does not start with gzip's signature (the file is corrupt or mislabelled)", path)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return bulwark.Errorf(bulwark.EINVALID, "%s: cannot be read (%v)", path, err)
	}
	switch kind {
	case zipArchive:
		w.st.Archives++
		return w.zip("", path, f, size, 0, true)
	case gzipArchive:
		w.st.Archives++
		return w.gzip("", path, f, 0, true)
	case tarArchive:
		w.st.Archives++
		return w.tar("", path, f, 0, true)
	}
	info, err := f.Stat()
	if err != nil {
		return bulwark.Errorf(bulwark.EINVALID, "%s: cannot be read (%v)", path, err)
	}
	reopen := func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(f, 0, size)), nil }
	err = w.emit(filepath.Base(path), size, info.Mode(), f, 0, reopen)
	var a *abort
	if err != nil && !errors.As(err, &a) {
		return bulwark.Errorf(bulwark.EINVALID, "%s: read failed (%v)", path, err)
	}
	return err
}

// archive walks an archive found inside the tree, held in data.
func (w *walker) archive(prefix, name string, kind archiveKind, data []byte, depth int) error {
	w.st.Archives++
	switch kind {
	case zipArchive:
		return w.zip(prefix, name, bytes.NewReader(data), int64(len(data)), depth, false)
	case gzipArchive:
		return w.gzip(prefix, name, bytes.NewReader(data), depth, false)
	default:
		return w.tar(prefix, name, bytes.NewReader(data), depth, false)
	}
}

// zip walks a zip archive's members in the order of its central
// directory. A root archive that cannot be opened is an error; a nested
// one is noted.
func (w *walker) zip(prefix, name string, ra io.ReaderAt, size int64, depth int, root bool) error {
	if n, ok := zipEntries(ra, size); ok && n > uint64(max(w.lim.MaxFiles-w.st.Files, 0)) {
		// zip.NewReader would hold the whole central directory (a few
		// hundred bytes per entry) before the file limit applies.
		w.unread(name, UnreadArchiveTooMany, "%q: declares %d entries, more than the %d files left under the file limit; not opened", name, n, max(w.lim.MaxFiles-w.st.Files, 0))
		return nil
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if root {
			return bulwark.Errorf(bulwark.EINVALID, "%s: not a readable zip archive (%v): the file is corrupt, truncated or not a zip", name, err)
		}
		w.unread(name, UnreadArchiveCut, "%q: a corrupt zip archive (%v), not opened", name, err)
		return nil
	}
	for _, f := range zr.File {
		if err := w.zipMember(prefix, name, f, depth); err != nil {
			return err
		}
	}
	return nil
}

// zipMember reads one member of a zip archive.
func (w *walker) zipMember(prefix, name string, f *zip.File, depth int) error {
	mode := f.Mode()
	if mode.IsDir() || strings.HasSuffix(f.Name, "/") {
		return nil
	}
	p, why := safeName(f.Name)
	if why != "" {
		if p = w.unsafeMember(prefix, name, f.Name, why, mode.IsRegular()); p == "" {
			return nil
		}
	} else {
		p = prefix + p
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		rc, err := f.Open()
		if err != nil {
			w.note("%q: a symbolic link that cannot be read (%v), skipped", p, err)
			return nil
		}
		target, _, _, err := w.read(rc, maxLink, maxLink)
		rc.Close()
		if err != nil {
			w.note("%q: a symbolic link that cannot be read (%v), skipped", p, err)
			return nil
		}
		return w.emitLink(p, string(target))
	case mode&fs.ModeType != 0:
		w.note("%q: not a regular file (%v), not read", p, mode.Type())
		return nil
	}
	u, c := f.UncompressedSize64, f.CompressedSize64
	if u > math.MaxInt64/2 {
		w.note("%q: declares %d bytes, impossible; skipped", p, u)
		return nil
	}
	// A member over the ratio limit (a zip bomb?) is read like any other:
	// MaxFileBytes, DefaultMaxStreamBytes and MaxTotalBytes bound what
	// reading it costs, and skipping it would hide what it holds. It is
	// not reread to be hashed.
	var reopen reopener
	if u <= ratioFloor || (c != 0 && u/c <= uint64(w.lim.MaxRatio)) {
		reopen = f.Open
	}
	rc, err := f.Open()
	if err != nil {
		w.unread(p, UnreadEntry, "%q: cannot be decompressed (%v), skipped", p, err)
		return nil
	}
	err = w.emit(p, int64(u), mode, rc, depth, reopen)
	rc.Close()
	var a *abort
	switch {
	case err == nil || errors.As(err, &a):
		return err
	case errors.Is(err, zip.ErrFormat):
		w.unread(p, UnreadEntry, "%q: decompresses beyond its declared %d bytes (a zip bomb?) or is corrupt; skipped", p, u)
	case errors.Is(err, zip.ErrChecksum):
		w.unread(p, UnreadEntry, "%q: fails its checksum (corrupt or tampered); skipped", p)
	default:
		w.unread(p, UnreadEntry, "%q: cannot be decompressed (%v); skipped", p, err)
	}
	return nil
}

// gzip walks a gzip-compressed tar, cutting the stream when it expands
// beyond MaxTotalBytes.
func (w *walker) gzip(prefix, name string, r io.Reader, depth int, root bool) error {
	in := &countingReader{r: r}
	gz, err := gzip.NewReader(in)
	if err != nil {
		if root {
			return bulwark.Errorf(bulwark.EINVALID, "%s: not a readable gzip stream (%v): the file is corrupt or truncated", name, err)
		}
		w.unread(name, UnreadArchiveCut, "%q: a corrupt gzip stream (%v), not opened", name, err)
		return nil
	}
	defer gz.Close()
	return w.tar(prefix, name, &boundedReader{r: gz, max: w.lim.MaxTotalBytes}, depth, root)
}

// tar walks a tar stream's entries in order.
func (w *walker) tar(prefix, name string, r io.Reader, depth int, root bool) error {
	tr := tar.NewReader(r)
	for entries := 0; ; entries++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err == nil {
			err = w.tarEntry(prefix, tr, hdr, depth)
		}
		var a *abort
		if err == nil || errors.As(err, &a) {
			if err != nil {
				return err
			}
			continue
		}
		return w.tarError(name, err, entries, root)
	}
}

// tarError says what a failed read of a tar stream means: a bomb cut
// short or a truncated archive is noted (what came before was read); a
// root archive that is not a tar, or is corrupt, is an error.
func (w *walker) tarError(name string, err error, entries int, root bool) error {
	var bomb *bombError
	switch {
	case errors.As(err, &bomb):
		w.unread(name, UnreadArchiveCut, "%q: %s; the stream was cut there, after %d entries", name, bomb.msg, entries)
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		w.unread(name, UnreadArchiveCut, "%q: the archive is truncated (it ends part way through entry %d); the entries before were read", name, entries+1)
		return nil
	case root && entries == 0:
		return bulwark.Errorf(bulwark.EINVALID, "%s: not a readable tar archive (%v): the file is corrupt or not a tar", name, err)
	case entries == 0:
		// A nested gzip file holding something other than a tar (a
		// compressed asset): handed over as it is, not opened.
		w.note("%q: compressed data that is not a tar archive, not opened", name)
		return nil
	case root:
		w.unread(name, UnreadArchiveCut, "%q: the archive is corrupt at entry %d (%v)", name, entries+1, err)
		return bulwark.Errorf(bulwark.EINVALID, "%s: the archive is corrupt at entry %d (%v); the entries before were read", name, entries+1, err)
	}
	w.unread(name, UnreadArchiveCut, "%q: a corrupt archive (%v) at entry %d; the entries before were read", name, err, entries+1)
	return nil
}

// tarEntry reads one tar entry: regular files and symbolic links are
// handed over, the rest noted.
func (w *walker) tarEntry(prefix string, tr *tar.Reader, hdr *tar.Header, depth int) error {
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeXGlobalHeader:
		return nil
	}
	p, why := safeName(hdr.Name)
	if why != "" {
		regular := hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeCont || hdr.Typeflag == tar.TypeGNUSparse
		if p = w.unsafeMember(prefix, strings.TrimSuffix(prefix, "!/"), hdr.Name, why, regular); p == "" {
			return nil
		}
	} else {
		p = prefix + p
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		return w.emit(p, hdr.Size, fs.FileMode(hdr.Mode).Perm(), tr, depth, nil)
	case tar.TypeSymlink:
		return w.emitLink(p, hdr.Linkname)
	case tar.TypeLink:
		w.unread(p, UnreadHardLink, "%q: a hard link to %q, not followed (its content is that member's)", p, hdr.Linkname)
		// A hard link is also handed over as a link, so that it is
		// reported as one: out of the archive (absolute, or climbing out
		// with ..) as SYMLINK-SENSITIVE-TARGET or SYMLINK-OUTSIDE-TREE,
		// inside it at or to a file tools run by themselves as
		// SYMLINK-AUTORUN.
		return w.emitLink(p, hardLinkTarget(p, hdr.Linkname))
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		w.note("%q: a device or pipe, not read", p)
	default:
		w.note("%q: a tar entry of type %q, not read", p, string(hdr.Typeflag))
	}
	return nil
}

// hardLinkTarget returns a tar hard link's target, named from the
// archive's root, as a symbolic link's target would be written (relative
// to the link's folder), or as it is when absolute.
func hardLinkTarget(p, target string) string {
	if rel, out := hardLinkOutside(p, target); out {
		return rel
	}
	inner := p
	if i := strings.LastIndex(inner, "!/"); i >= 0 {
		inner = inner[i+2:]
	}
	return strings.Repeat("../", strings.Count(inner, "/")) + path.Clean(strings.ReplaceAll(target, `\`, "/"))
}

// hardLinkOutside says whether a tar hard link's target, named from the
// archive's root, is absolute or outside the archive, and returns it as a
// symbolic link's target would be written (relative to the link's
// folder), for linkFinding.
func hardLinkOutside(p, target string) (string, bool) {
	t := strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(t, "/") || len(t) > 1 && t[1] == ':' || strings.HasPrefix(t, "~") {
		return target, true
	}
	c := path.Clean(t)
	if c != ".." && !strings.HasPrefix(c, "../") {
		return "", false
	}
	inner := p
	if i := strings.LastIndex(inner, "!/"); i >= 0 {
		inner = inner[i+2:]
	}
	return strings.Repeat("../", strings.Count(inner, "/")) + c, true
}

// unsafeMember lists a member of the archive name whose name is unsafe
// (why) as unread with UnreadUnsafeName — the scanner reports it as path
// traversal — and returns the name, under prefix, its content is handed
// over as when it is a regular file: its name with the unsafe parts
// dropped, what most extractors write. It returns "" when the content is
// not handed over. Nothing is ever written or read outside the archive.
func (w *walker) unsafeMember(prefix, archive, name, why string, regular bool) string {
	if prefix == "" {
		archive = "the archive"
	}
	msg := bulwark.Sprintf("%q in %q: %s; never extracted", name, archive, why)
	stripped := strippedName(name)
	if regular && stripped != "" {
		msg += bulwark.Sprintf("; its content is read as %q, where an extractor that drops the unsafe parts writes it", stripped)
	}
	w.unread(prefix+strings.ReplaceAll(name, `\`, "/"), UnreadUnsafeName, "%s", msg)
	if !regular || stripped == "" {
		return ""
	}
	return prefix + stripped
}

// strippedName returns an unsafe member name with its drive letter,
// leading slashes and "." and ".." elements dropped, or "" when nothing is
// left or it holds a NUL byte.
func strippedName(name string) string {
	if strings.IndexByte(name, 0) >= 0 {
		return ""
	}
	n := strings.ReplaceAll(name, `\`, "/")
	if len(n) >= 2 && n[1] == ':' && ('a' <= n[0]|0x20 && n[0]|0x20 <= 'z') {
		n = n[2:]
	}
	var out []string
	for _, e := range strings.Split(n, "/") {
		if e != "" && e != "." && e != ".." {
			out = append(out, e)
		}
	}
	return strings.Join(out, "/")
}

// safeName cleans an archive member's name into a relative slash path,
// or says why it is unsafe: empty, absolute, a Windows drive letter, a
// ".." element, a NUL byte. Backslashes count as separators.
func safeName(name string) (string, string) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", "a NUL byte in the name"
	}
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") {
		return "", "an absolute path"
	}
	if len(n) >= 2 && n[1] == ':' && ('a' <= n[0]|0x20 && n[0]|0x20 <= 'z') {
		return "", "a Windows drive letter"
	}
	elems := strings.Split(n, "/")
	out := elems[:0]
	for _, e := range elems {
		switch e {
		case "", ".":
			continue
		case "..":
			return "", `a ".." element (path traversal)`
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return "", "an empty name"
	}
	return strings.Join(out, "/"), ""
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// bombError is a decompressed stream cut at a limit.
type bombError struct{ msg string }

func (e *bombError) Error() string { return e.msg }

// boundedReader fails once the stream it decompresses has given more
// than max bytes. The ratio is not checked on the whole stream: one
// highly compressible member (3 MiB of zeros) must not cut the members
// after it; max bounds what decompressing costs.
type boundedReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	m, err := b.r.Read(p)
	b.n += int64(m)
	if b.n > b.max {
		return 0, &bombError{bulwark.Sprintf("the gzip stream expands beyond %d bytes, the total limit (a gzip bomb?)", b.max)}
	}
	return m, err
}

// zipEntries reads the entry count a zip's end of central directory
// record (or its zip64 record) declares, without reading the directory.
func zipEntries(ra io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen, maxComment = 22, 65535
	tail := min(size, eocdLen+maxComment)
	if tail < eocdLen {
		return 0, false
	}
	buf := make([]byte, tail)
	if _, err := ra.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if n != 0xffff {
		return n, true
	}
	// zip64: the locator sits just before the record and points at the
	// zip64 end of central directory record.
	if i < 20 || string(buf[i-20:i-16]) != "PK\x06\x07" {
		return 0, false
	}
	off := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
	var rec [56]byte
	if off < 0 || off > size-56 {
		return 0, false
	}
	if _, err := ra.ReadAt(rec[:], off); err != nil || string(rec[:4]) != "PK\x06\x06" {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}
