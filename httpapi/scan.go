package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/scan"
)

const routeScan = "POST /api/v1/scan"

// DefaultScanMaxBytes is the largest upload POST /api/v1/scan accepts
// when Config.ScanMaxBytes is zero: 64 MiB, a repository with its
// dependencies zipped.
const DefaultScanMaxBytes = 64 << 20

// RepoScanner scans the tree, tarball or zip at a path (a *scan.Scanner).
type RepoScanner interface {
	Scan(ctx context.Context, path string) (*scan.Report, error)
}

// scanKinds maps an upload's media type to the file name the archive is
// kept under, whose extension tells the walk what it is.
var scanKinds = map[string]string{
	"application/zip":              "upload.zip",
	"application/x-zip-compressed": "upload.zip",
	"application/gzip":             "upload.tgz",
	"application/x-gzip":           "upload.tgz",
	"application/x-tgz":            "upload.tgz",
	"application/x-compressed-tar": "upload.tgz",
	"application/x-tar":            "upload.tar",
}

const scanTypes = "application/zip, application/gzip (a .tgz or .tar.gz), application/x-tar, or multipart/form-data with one file"

func (s *Server) scanRoutes() {
	// A scan changes no state, but its verdict is a decision that goes to
	// the audit log: handleChange records it before the caller sees it.
	s.handleChange(routeScan, auth.PermAnalyze, s.scanUpload)
}

// scanResponse is the answer of POST /api/v1/scan: the report as 'bulwark
// scan repo --json' prints it, the upload's SHA-256 and the audit entry.
type scanResponse struct {
	*scan.Report
	SHA256   string `json:"sha256"`
	AuditSeq int64  `json:"auditSeq"`
}

// scanUpload answers POST /api/v1/scan: the body is a zip, a gzipped tar
// or a tar, raw or as the one file of a multipart form. It is written to
// a private temporary file (mode 0600 in a 0700 folder), never extracted,
// scanned and removed before the answer is written; nothing in it is run.
func (s *Server) scanUpload(w http.ResponseWriter, r *http.Request, _ *auth.Token) (*change, error) {
	if s.cfg.Scanner == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "repository scanning is not configured on this server")
	}
	limit := s.cfg.ScanMaxBytes
	if r.ContentLength > limit {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "the upload is larger than the limit of %s (bulwark serve --scan-max-bytes)", byteSize(limit))
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, badInput("Content-Type", "Content-Type must be %s (the header is missing)", scanTypes)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, badInput("Content-Type", "Content-Type must be %s, not %q", scanTypes, bulwark.Echo(ct))
	}
	dir, err := os.MkdirTemp("", "bulwark-scan-")
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "internal error")
	}
	defer os.RemoveAll(dir)
	body := http.MaxBytesReader(w, r.Body, limit)
	var (
		src  io.Reader
		name string // the upload's name in messages
		file string // the temporary file's base name
	)
	switch {
	case scanKinds[mt] != "":
		src, name, file = body, "the upload", scanKinds[mt]
	case mt == "multipart/form-data":
		part, err := onePart(body, params["boundary"])
		if err != nil {
			return nil, tooLarge(err, limit)
		}
		src, name, file = part, "the upload "+quoteName(part.FileName()), kindOf(part)
		if file == "" {
			return nil, badInput("file", "%s: not a .zip, .tgz, .tar.gz or .tar file (by its name and Content-Type %q); send a repository as one of those", name, bulwark.Echo(part.Header.Get("Content-Type")))
		}
	default:
		return nil, badInput("Content-Type", "Content-Type must be %s, not %q", scanTypes, bulwark.Echo(mt))
	}
	path := filepath.Join(dir, file)
	sum, size, err := saveUpload(path, src)
	if err != nil {
		return nil, tooLarge(err, limit)
	}
	if size == 0 {
		return nil, badInput("body", "%s is empty: send a zip, .tgz or .tar of the repository", name)
	}
	rep, err := s.cfg.Scanner.Scan(r.Context(), path)
	if err != nil {
		// The walk names the file it read: the temporary file, which is
		// the server's business.
		msg := strings.ReplaceAll(bulwark.ErrorMessage(err), path, name)
		msg = strings.ReplaceAll(msg, dir, "the upload's folder")
		return nil, &bulwark.Error{Code: bulwark.ErrorCode(err), Field: "body", Message: msg, Err: err}
	}
	return &change{
		action: "scan.repo",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			return "sha256:" + sum, scanAuditDetails(rep, size, name), nil
		},
		status: http.StatusOK,
		body: func(e *audit.Entry) any {
			return scanResponse{Report: rep, SHA256: sum, AuditSeq: e.Seq}
		},
	}, nil
}

// scanAuditDetails are what the audit entry of a scan records: the
// verdict, the ids of the rules that fired (not the snippets, which
// carry the upload's content), counts and the upload's size and name.
func scanAuditDetails(rep *scan.Report, size int64, name string) map[string]any {
	d := map[string]any{"verdict": rep.Verdict, "rules": rep.RuleIDs(), "findings": len(rep.Findings),
		"files": rep.Files, "bytes": size, "upload": name}
	if rep.Incomplete {
		d["incomplete"] = true
	}
	return d
}

// onePart returns the first file part of a multipart body; a form
// without one is refused.
func onePart(body io.Reader, boundary string) (*multipart.Part, error) {
	if boundary == "" {
		return nil, badInput("Content-Type", "multipart/form-data needs a boundary parameter")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, badInput("body", "the multipart form holds no file: send the repository as one file field (curl -F file=@repo.zip)")
		}
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINVALID, bulwark.Sprintf("the multipart form cannot be read: %v", err))
		}
		if part.FileName() != "" {
			return part, nil
		}
		if _, err := io.Copy(io.Discard, io.LimitReader(part, 1<<20)); err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINVALID, bulwark.Sprintf("the multipart form cannot be read: %v", err))
		}
	}
}

// kindOf returns the temporary file name for a multipart file, by its
// file name's extension, else its Content-Type; "" when neither says an
// archive.
func kindOf(p *multipart.Part) string {
	n := strings.ToLower(p.FileName())
	switch {
	case strings.HasSuffix(n, ".zip"):
		return "upload.zip"
	case strings.HasSuffix(n, ".tgz"), strings.HasSuffix(n, ".tar.gz"):
		return "upload.tgz"
	case strings.HasSuffix(n, ".tar"):
		return "upload.tar"
	}
	mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
	return scanKinds[mt]
}

// quoteName quotes an uploaded file's name for messages and the audit
// log: its base name, shortened, control characters escaped.
func quoteName(n string) string {
	n = n[strings.LastIndexAny(n, `/\`)+1:]
	return bulwark.Sprintf("%q", n)
}

// saveUpload copies src to a new file at path (mode 0600), returning the
// SHA-256 of what it wrote and its size.
func saveUpload(path string, src io.Reader) (string, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, bulwark.Wrap(err, bulwark.EINTERNAL, "internal error")
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = bulwark.Wrap(cerr, bulwark.EINTERNAL, "internal error")
	}
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// tooLarge turns the body reader's over-limit error into ETOOLARGE; a
// bulwark error is kept, any other read error is EINVALID.
func tooLarge(err error, limit int64) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return bulwark.Errorf(bulwark.ETOOLARGE, "the upload is larger than the limit of %s (bulwark serve --scan-max-bytes)", byteSize(limit))
	}
	var be *bulwark.Error
	if errors.As(err, &be) {
		return err
	}
	return bulwark.Wrap(err, bulwark.EINVALID, "cannot read the request body")
}
