package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

//go:embed static
var staticFS embed.FS

//go:embed templates
var templateFS embed.FS

// Vendored library paths under static/ (see static/vendor/README.md).
const (
	vendorHTMX      = "vendor/htmx-2.0.11/htmx.min.js"
	vendorCytoscape = "vendor/cytoscape-3.35.0/cytoscape.min.js"
)

// staticPrefix is where the static files are served: /static/<hash>/<path>,
// <hash> the first hashLen hex digits of the file's SHA-256, so a URL
// names one content and may be cached for a year.
const (
	staticPrefix = "/static/"
	hashLen      = 16
)

// asset is one embedded static file.
type asset struct {
	body  []byte
	hash  string // hex prefix of its SHA-256
	ctype string
}

// assets are the embedded static files by path under static/.
type assets struct {
	files map[string]*asset
}

// newAssets reads and hashes every embedded static file once.
func newAssets() (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		case "", ".md":
			ctype = "text/plain; charset=utf-8" // LICENSE, README.md
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[strings.TrimPrefix(p, "static/")] = &asset{body: body, hash: hex.EncodeToString(sum[:])[:hashLen], ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot read the console's static files")
	}
	return a, nil
}

// url returns the content-hashed URL of the static file at name (a path
// under static/), or an error for a file that is not there (a template
// naming a missing file fails when it is rendered, in the tests).
func (a *assets) url(name string) (string, error) {
	f := a.files[name]
	if f == nil {
		return "", bulwark.Errorf(bulwark.EINTERNAL, "web: no static file %s", name)
	}
	return staticPrefix + f.hash + "/" + name, nil
}

// ServeHTTP serves /static/<hash>/<path>: the file when the hash is its
// content's, cached for a year as immutable; 404 otherwise (an old page's
// URL after an upgrade gets the error, not stale content under a new
// name).
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, staticPrefix)
	hash, name, _ := strings.Cut(rest, "/")
	f := a.files[name]
	if f == nil || hash != f.hash {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("not found\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", strconv.Quote(f.hash))
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
}
