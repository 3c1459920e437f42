// Package safetxservice reads the queue of a Safe from a Safe Transaction
// Service (Safe's own, or any service with its API) and pushes
// confirmations to it: the adapter of the queue watch (package
// safe/queue).
//
// Everything the service answers is untrusted: anyone the service accepts
// a proposal from can put a transaction in a Safe's queue, and the
// service itself may be compromised or impersonated. An answer is read
// strictly and within bounds (its size, its entries, its pages); a
// pagination link that leaves the service's origin or its listing is
// refused; each entry's fields are read by policy.ReadServiceTx, so the
// queue accepts what 'bulwark safe verify' accepts, and an entry that
// does not read is returned as such, never dropped, so it can be alerted.
package safetxservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/queue"
)

// Defaults of a Client.
const (
	// DefaultTimeout bounds one HTTP request, its body read included.
	DefaultTimeout = 15 * time.Second
	// DefaultMaxPageBytes bounds one page of a listing.
	DefaultMaxPageBytes = 16 << 20
	// DefaultMaxEntries bounds the pending transactions read of one Safe:
	// the lowest nonces, which are the next to execute.
	DefaultMaxEntries = 200
	// PageSize is the limit asked of the service per page.
	PageSize = 50
	// maxErrorBody bounds what of an error answer is read and echoed.
	maxErrorBody = 4 << 10
	// maxConfirmations bounds the confirmations read of one entry.
	maxConfirmations = 256
)

// Options tune a Client.
type Options struct {
	// HTTPClient makes the requests; nil uses one with Timeout that
	// follows no redirect out of the service's origin.
	HTTPClient *http.Client
	// Timeout bounds one request (0: DefaultTimeout).
	Timeout time.Duration
	// MaxPageBytes and MaxEntries bound what is read (0: the defaults).
	MaxPageBytes int64
	MaxEntries   int
	// UserAgent is sent with every request ("" : "bulwark").
	UserAgent string
}

// Client is a Safe Transaction Service's API.
type Client struct {
	base       *url.URL
	http       *http.Client
	maxPage    int64
	maxEntries int
	userAgent  string
}

var (
	_ queue.Source = (*Client)(nil)
	_ queue.Pusher = (*Client)(nil)
)

// New returns the client of the service at rawURL, its base URL (such as
// https://safe-transaction-mainnet.safe.global, or a path under which a
// proxy serves /api/v1). Errors name field (a flag or a key).
func New(field, rawURL string, opt Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	switch {
	case rawURL == "":
		return nil, bulwark.Invalid(field, "required: the base URL of a Safe Transaction Service, such as https://safe-transaction-mainnet.safe.global")
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return nil, bulwark.Invalid(field, "want the http(s) base URL of a Safe Transaction Service, such as https://safe-transaction-mainnet.safe.global, got %q", Redact(rawURL))
	case u.User != nil:
		return nil, bulwark.Invalid(field, "%s: credentials in the URL are not sent; put the service behind a proxy that adds them", Redact(rawURL))
	case u.RawQuery != "" || u.Fragment != "":
		return nil, bulwark.Invalid(field, "%s: give the base URL without a query or fragment", Redact(rawURL))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, http: opt.HTTPClient, maxPage: opt.MaxPageBytes, maxEntries: opt.MaxEntries, userAgent: opt.UserAgent}
	if c.maxPage <= 0 {
		c.maxPage = DefaultMaxPageBytes
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultMaxEntries
	}
	if c.userAgent == "" {
		c.userAgent = "bulwark"
	}
	if c.http == nil {
		timeout := opt.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		c.http = &http.Client{Timeout: timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if !sameOrigin(req.URL, c.base) {
				return fmt.Errorf("redirected out of the service's origin, to %s://%s", req.URL.Scheme, req.URL.Host)
			}
			return nil
		}}
	}
	return c, nil
}

// URL is the service's base URL.
func (c *Client) URL() string { return c.base.String() }

// Redact returns rawURL as scheme://host/path, without credentials, query
// or fragment (where tokens hide).
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(a URL that does not parse)"
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// listPath is the path of safe's multisig-transaction listing.
func (c *Client) listPath(safe common.Address) string {
	return c.base.Path + "/api/v1/safes/" + safe.Hex() + "/multisig-transactions/"
}

// Pending returns safe's transactions not executed yet, lowest nonce
// first (GET /api/v1/safes/{address}/multisig-transactions/?executed=false,
// following "next"), at most MaxEntries of them (Truncated then). A
// listing that goes on past the pages MaxEntries needs, or an empty page
// with a next one, is refused (EINVALID): a hostile service cannot keep
// the watch reading.
func (c *Client) Pending(ctx context.Context, safe common.Address) (queue.Listing, error) {
	first := *c.base
	first.Path = c.listPath(safe)
	first.RawQuery = url.Values{"executed": {"false"}, "ordering": {"nonce"}, "limit": {strconv.Itoa(PageSize)}}.Encode()
	next := first.String()
	var out queue.Listing
	seen := map[string]bool{}
	// A hostile service can link page after page forever: at most the
	// pages MaxEntries fill at PageSize, and one more that may be empty.
	maxPages := (c.maxEntries+PageSize-1)/PageSize + 1
	for pages := 0; next != ""; pages++ {
		if len(out.Entries) >= c.maxEntries {
			out.Truncated = true
			break
		}
		if pages == maxPages {
			return queue.Listing{}, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s: the service's pagination goes on past %d pages with %d transactions read (%d asked per page): refused",
				safe.Hex(), maxPages, len(out.Entries), PageSize)
		}
		u, err := c.checkNext(safe, next, seen)
		if err != nil {
			return queue.Listing{}, err
		}
		body, err := c.get(ctx, safe, u)
		if err != nil {
			return queue.Listing{}, err
		}
		page, err := ParsePage(body, safe, len(out.Entries))
		if err != nil {
			return queue.Listing{}, bulwark.Wrap(err, bulwark.ErrorCode(err), fmt.Sprintf("the queue of Safe %s at %s: %s", safe.Hex(), Redact(u.String()), bulwark.ErrorMessage(err)))
		}
		if len(page.Entries) == 0 && page.Next != "" {
			return queue.Listing{}, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s at %s: an empty page links to a next one: refused",
				safe.Hex(), Redact(u.String()))
		}
		room := c.maxEntries - len(out.Entries)
		if len(page.Entries) > room {
			page.Entries, out.Truncated = page.Entries[:room], true
		}
		out.Entries = append(out.Entries, page.Entries...)
		next = page.Next
	}
	return out, nil
}

// checkNext parses a page's URL: the first one, or a "next" link the
// service gave, which must stay on the service's origin and on safe's
// listing, and not come back to a page already read.
func (c *Client) checkNext(safe common.Address, next string, seen map[string]bool) (*url.URL, error) {
	u, err := url.Parse(next)
	if err != nil || !u.IsAbs() {
		return nil, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s: next: the service's pagination link is not an absolute URL", safe.Hex())
	}
	if !sameOrigin(u, c.base) || u.User != nil {
		return nil, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s: next: the service's pagination link leaves its origin (%s://%s, not %s://%s): refused",
			safe.Hex(), u.Scheme, bulwark.Echo(u.Host), c.base.Scheme, c.base.Host)
	}
	if !strings.EqualFold(u.Path, c.listPath(safe)) {
		return nil, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s: next: the service's pagination link leaves the Safe's listing (%s): refused",
			safe.Hex(), bulwark.Echo(u.Path))
	}
	if q := u.Query(); q.Get("executed") != "false" {
		return nil, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s: next: the service's pagination link drops executed=false: refused", safe.Hex())
	}
	if seen[u.String()] {
		return nil, bulwark.Errorf(bulwark.EINVALID, "the queue of Safe %s: next: the service's pagination comes back to a page already read", safe.Hex())
	}
	seen[u.String()] = true
	return u, nil
}

// get reads one page, bounded.
func (c *Client) get(ctx context.Context, safe common.Address, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot build the request")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, fmt.Sprintf("the queue of Safe %s", safe.Hex()), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(fmt.Sprintf("the queue of Safe %s", safe.Hex()), c.base, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxPage+1))
	if err != nil {
		return nil, c.transportError(ctx, fmt.Sprintf("the queue of Safe %s", safe.Hex()), err)
	}
	if int64(len(body)) > c.maxPage {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "the queue of Safe %s: a page of the service's answer is over %d MiB: refused", safe.Hex(), c.maxPage>>20)
	}
	return body, nil
}

// Confirm adds signature as a confirmation of safeTxHash (POST
// /api/v1/multisig-transactions/{safeTxHash}/confirmations/).
func (c *Client) Confirm(ctx context.Context, safeTxHash common.Hash, signature []byte) error {
	what := "the confirmation of " + safeTxHash.Hex()
	if len(signature) != 65 {
		return bulwark.Invalid("signature", "%d bytes: an owner's signature is 65 bytes (r, s, v)", len(signature))
	}
	u := *c.base
	u.Path = c.base.Path + "/api/v1/multisig-transactions/" + safeTxHash.Hex() + "/confirmations/"
	body, _ := json.Marshal(map[string]string{"signature": "0x" + common.Bytes2Hex(signature)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot build the request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(what, c.base, resp)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return nil
}

func (c *Client) transportError(ctx context.Context, what string, err error) error {
	code := bulwark.EUNAVAILABLE
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		code = bulwark.ETIMEOUT
	}
	if ctx.Err() != nil {
		code = bulwark.ETIMEOUT
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error() // the URL is named once, redacted
	}
	return bulwark.Wrap(err, code, fmt.Sprintf("%s: the Safe Transaction Service at %s did not answer: %s", what, Redact(c.base.String()), msg))
}

// statusError describes an answer that is not a success, with a bounded,
// printable excerpt of its body.
func statusError(what string, base *url.URL, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	excerpt := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(b))
	code := bulwark.EUNAVAILABLE
	switch {
	case resp.StatusCode == http.StatusNotFound:
		code = bulwark.ENOTFOUND
	case resp.StatusCode == http.StatusTooManyRequests:
		code = bulwark.ERATELIMITED
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		code = bulwark.EINVALID
	}
	msg := fmt.Sprintf("%s: the Safe Transaction Service at %s answered %s", what, Redact(base.String()), resp.Status)
	if excerpt = strings.TrimSpace(excerpt); excerpt != "" {
		msg += ": " + bulwark.Echo(excerpt)
	}
	return bulwark.Errorf(code, "%s", msg)
}
