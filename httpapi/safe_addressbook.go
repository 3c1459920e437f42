package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

const (
	routeSafeBookGet    = "GET /api/v1/safe/address-book"
	routeSafeBookPut    = "PUT /api/v1/safe/address-book"
	routeSafeBookAdd    = "POST /api/v1/safe/address-book/entries"
	routeSafeBookRemove = "DELETE /api/v1/safe/address-book/entries/{address}"
)

// The sources of the address book in force (policy.BookAnswer.InForce).
const (
	bookInForceStore = "store"
	bookInForceFile  = "file"
)

func (s *Server) safeBookRoutes() {
	s.handle(routeSafeBookGet, auth.PermRead, s.getSafeBook)
	s.handleChange(routeSafeBookPut, auth.PermAdmin, s.putSafeBook)
	s.handleChange(routeSafeBookAdd, auth.PermAdmin, s.addSafeBookEntry)
	s.handleChange(routeSafeBookRemove, auth.PermAdmin, s.removeSafeBookEntry)
}

// storedAnswer is the body of GET /api/v1/safe/address-book and of a
// change for the store's book (the book in force).
func storedAnswer(b *policy.StoredBook) policy.BookAnswer {
	a := b.Answer()
	a.InForce = bookInForceStore
	return a
}

// bookStore returns the store of the book, or why the routes cannot
// answer.
func (s *Server) bookStore() (policy.BookStore, error) {
	if s.cfg.SafeBooks == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "the address book is not managed on this server")
	}
	return s.cfg.SafeBooks, nil
}

// bookWritable refuses a change while the file of serve --address-book is
// the book in force.
func (s *Server) bookWritable() (policy.BookStore, error) {
	if s.cfg.SafeBookFile != "" {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "the address book in force is the file %s given with serve --address-book, so it is not changed through the API: edit the file and restart serve, or start serve without --address-book to manage the book here", s.cfg.SafeBookFile)
	}
	return s.bookStore()
}

// getSafeBook answers GET /api/v1/safe/address-book: the book in force
// (the store's, or the file's under serve --address-book), with an ETag
// of its version.
func (s *Server) getSafeBook(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	if b := s.cfg.SafeAddressBook; s.cfg.SafeBookFile != "" && b != nil {
		s.writeJSON(w, r, http.StatusOK, policy.BookAnswer{Digest: b.Digest, Source: b.Source, InForce: bookInForceFile, BookDoc: b.Doc()})
		return nil
	}
	store, err := s.bookStore()
	if err != nil {
		return err
	}
	b, err := store.StoredAddressBook(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(b.Version, 10)))
	s.writeJSON(w, r, http.StatusOK, storedAnswer(b))
	return nil
}

// ifMatch reads the optional If-Match header: the version the change
// expects the book to be at ("3" or 3).
func ifMatch(r *http.Request) (*int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || n < 0 {
		return nil, badInput("If-Match", "If-Match: want the version of the address book the change applies to (as GET answers it, e.g. \"3\"; 0 before any book was stored), not %q", bulwark.Echo(h))
	}
	return &n, nil
}

// readBody reads a body of one of the media types (UTF-8), at most limit
// bytes, and returns its media type and content.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, types ...string) (string, []byte, error) {
	want := strings.Join(types, " or ")
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		return "", nil, badInput("Content-Type", "Content-Type must be %s (the header is missing)", want)
	case err != nil || !slices.Contains(types, mt):
		return "", nil, badInput("Content-Type", "Content-Type must be %s, not %q", want, bulwark.Echo(ct))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "", nil, badInput("Content-Type", "the body must be UTF-8, not charset %q", bulwark.Echo(cs))
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", nil, bulwark.Errorf(bulwark.ETOOLARGE, "request body is larger than the limit of %s", byteSize(tooLarge.Limit))
		}
		return "", nil, bulwark.Wrap(err, bulwark.EINVALID, "cannot read the request body")
	}
	if len(data) == 0 {
		return "", nil, badInput("body", "the request body is empty")
	}
	return mt, data, nil
}

// readBookBody reads a PUT body: JSON (application/json) or TOML
// (application/toml), at most the book's size bound (or the server's body
// limit when higher).
//
// The body is read as its Content-Type says, never by its first
// character; a JSON body's version key (a GET answer sent back) is
// returned as the version the change expects.
func (s *Server) readBookBody(w http.ResponseWriter, r *http.Request) (*policy.AddressBook, *int64, error) {
	mt, data, err := readBody(w, r, s.bodyLimitAtLeast(policy.MaxAddressBookSize), "application/json", "application/toml")
	if err != nil {
		return nil, nil, err
	}
	if mt == "application/toml" {
		b, err := policy.ParseAddressBookTOML("body", data)
		return b, nil, err
	}
	return policy.ParseBookDocJSON("body", data)
}

// bookChange is the change of an address-book route: edit applied to
// the stored book as the token, expecting version want (nil: any).
func (s *Server) bookChange(w http.ResponseWriter, store policy.BookStore, tok *auth.Token, action string, want *int64, status int, edit policy.BookEdit) *change {
	var c *policy.BookChange
	answer := func() policy.BookAnswer {
		a := storedAnswer(c.After)
		w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.After.Version, 10)))
		return a
	}
	return &change{
		action: action,
		apply: func(ctx context.Context) (string, map[string]any, error) {
			var err error
			c, err = policy.ChangeBook(ctx, store, "token:"+tok.ID, want, edit)
			if errors.Is(err, policy.ErrBookUnchanged) {
				// Not wrapped: audit.Log.Do would take it for its own
				// ErrUnchanged and answer without an error.
				return "", nil, fmt.Errorf("%w: %v", errUnchanged, err)
			}
			if err != nil {
				return "", nil, err
			}
			return c.Target(), c.Details(), nil
		},
		status: status,
		body: func(e *audit.Entry) any {
			a := answer()
			a.Changes, a.AuditSeq = &c.Diff, e.Seq
			return a
		},
		committed: func() {
			if s.cfg.SafeLiveBook != nil {
				// Forward only: a newer version put in force meanwhile
				// (by serve's follower, or a later change) stays.
				s.cfg.SafeLiveBook.Advance(c.After.Version, c.After.Book)
			}
		},
		unchanged: func() any {
			a := answer()
			a.Unchanged = true
			return a
		},
	}
}

// putSafeBook answers PUT /api/v1/safe/address-book: the whole book, as
// JSON or TOML, replaces the stored one (200 with the new version and
// what changed; 200 "unchanged" when it is the same content; 409 on an
// If-Match version, or a JSON body's version, that is not the stored
// one, or under serve --address-book).
func (s *Server) putSafeBook(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	store, err := s.bookWritable()
	if err != nil {
		return nil, err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return nil, err
	}
	want, err := ifMatch(r)
	if err != nil {
		return nil, err
	}
	b, bodyVersion, err := s.readBookBody(w, r)
	if err != nil {
		return nil, err
	}
	if want, err = policy.BookIfMatch(want, bodyVersion, "If-Match"); err != nil {
		return nil, err
	}
	edit := policy.ReplaceBook(b)
	if s.cfg.Approvals != nil {
		// A change that lowers a value limit waits for a second person.
		if err := policy.GuardBookChange(dualContext(r), s.cfg.Approvals, store, "token:"+tok.ID, policy.ActionBookSet, want, edit); err != nil {
			return nil, err
		}
	}
	return s.bookChange(w, store, tok, policy.ActionBookSet, want, http.StatusOK, edit), nil
}

// addSafeBookEntry answers POST /api/v1/safe/address-book/entries with
// one entry (JSON): 201 with the new version; 409 when the address is
// listed already for that chain.
func (s *Server) addSafeBookEntry(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	store, err := s.bookWritable()
	if err != nil {
		return nil, err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return nil, err
	}
	want, err := ifMatch(r)
	if err != nil {
		return nil, err
	}
	_, data, err := readBody(w, r, s.cfg.MaxBodyBytes, "application/json")
	if err != nil {
		return nil, err
	}
	e, err := policy.ParseEntryJSON("body", data)
	if err != nil {
		return nil, err
	}
	return s.bookChange(w, store, tok, policy.ActionBookAdd, want, http.StatusCreated, policy.AddEntry(e)), nil
}

// removeSafeBookEntry answers DELETE
// /api/v1/safe/address-book/entries/{address}[?chainId=N]: the address's
// entry for chain N, or without chainId every entry of the address; 404
// when there is none.
func (s *Server) removeSafeBookEntry(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	store, err := s.bookWritable()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if err := onlyParams(q, "chainId"); err != nil {
		return nil, err
	}
	addr, err := safe.ParseAddress("address", r.PathValue("address"))
	if err != nil {
		return nil, err
	}
	var chain *big.Int
	if q.Has("chainId") {
		n, err := strconv.ParseInt(q.Get("chainId"), 10, 64)
		if err != nil || n <= 0 {
			return nil, badInput("chainId", "chainId: %q is not a chain id (a positive integer such as 1; leave it out to remove every entry of the address)", bulwark.Echo(q.Get("chainId")))
		}
		chain = big.NewInt(n)
	}
	want, err := ifMatch(r)
	if err != nil {
		return nil, err
	}
	return s.bookChange(w, store, tok, policy.ActionBookRemove, want, http.StatusOK, policy.RemoveEntry(addr, chain)), nil
}
