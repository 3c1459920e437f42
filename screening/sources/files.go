package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// File is one list file as read from its origin.
type File struct {
	// Name is the file's base name ("sdn.csv"); parsers route on it.
	Name string
	Data []byte
	// Origin is where it came from: a path or a URL.
	Origin string
}

// MaxFileBytes bounds one list file (the OFAC advanced XML is about
// 100 MB).
const MaxFileBytes = 512 << 20

// DefaultURLs are the official publication addresses that
// `bulwark lists update` fetches when given no --from: OFAC's SDN CSV set
// (the format whose parser is proven on real publications; give the
// advanced XML, SDN_ADVANCED.XML, with --from to use it instead) and the UN
// consolidated list.
func DefaultURLs() []string {
	const ofac = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
	return []string{
		ofac + "SDN.CSV", ofac + "ADD.CSV", ofac + "ALT.CSV", ofac + "SDN_COMMENTS.CSV",
		"https://scsanctions.un.org/resources/xml/en/consolidated.xml",
	}
}

// ReadDir reads every regular file directly in dir (not recursing; hidden
// files and README/PROVENANCE notes skipped), sorted by name.
func ReadDir(dir string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, bulwark.Invalid("from", "cannot read directory %s: %v", dir, err)
	}
	var files []File
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() || isNote(name) {
			continue
		}
		f, err := ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, bulwark.Invalid("from", "%s holds no list files", dir)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

// isNote reports whether a file name is documentation beside the lists.
func isNote(name string) bool {
	u := strings.ToUpper(name)
	for _, p := range []string{"README", "PROVENANCE", "LICENSE", "NOTICE"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return strings.HasSuffix(u, ".MD")
}

// ReadFile reads one list file.
func ReadFile(p string) (File, error) {
	fh, err := os.Open(p)
	if err != nil {
		return File{}, bulwark.Invalid("from", "cannot read %s: %v", p, err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return File{}, bulwark.Invalid("from", "cannot read %s: %v", p, err)
	}
	if len(data) > MaxFileBytes {
		return File{}, bulwark.Errorf(bulwark.ETOOLARGE, "from: %s is larger than %d MB", p, MaxFileBytes>>20)
	}
	return File{Name: filepath.Base(p), Data: data, Origin: p}, nil
}

// Fetch downloads each URL with client (nil: a client with a 5-minute
// timeout). A non-2xx answer, a network error or an oversized body fails
// the whole fetch, naming the URL.
func Fetch(ctx context.Context, client *http.Client, urls []string) ([]File, error) {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	var files []File
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, bulwark.Invalid("from", "%q is not an http(s) URL or a directory", raw)
		}
		f, err := fetchOne(ctx, client, u)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// shown is u as errors and list sources show it: scheme, host and path,
// without user-info or query, which may carry credentials.
func shown(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}

func fetchOne(ctx context.Context, client *http.Client, u *url.URL) (File, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return File{}, bulwark.Invalid("from", "%v", err)
	}
	req.Header.Set("User-Agent", "bulwark-lists/1")
	resp, err := client.Do(req)
	if err != nil {
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err // a url.Error repeats the whole URL, query included
		}
		return File{}, bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("fetch %s: %v", shown(u), cause))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return File{}, bulwark.Errorf(bulwark.EUNAVAILABLE, "fetch %s: HTTP %s", shown(u), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxFileBytes+1))
	if err != nil {
		return File{}, bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("fetch %s: %v", shown(u), err))
	}
	if len(data) > MaxFileBytes {
		return File{}, bulwark.Errorf(bulwark.ETOOLARGE, "fetch %s: larger than %d MB", shown(u), MaxFileBytes>>20)
	}
	name := path.Base(u.Path)
	if name == "." || name == "/" || name == "" {
		name = u.Host
	}
	return File{Name: name, Data: data, Origin: shown(u)}, nil
}
