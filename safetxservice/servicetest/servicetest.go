// Package servicetest is a small fake Safe Transaction Service for tests,
// at the HTTP boundary: it lists the pending multisig-transactions given
// to it, paginated as the real service does (limit and offset, "next" and
// "previous" links on its own origin), and takes confirmations.
package servicetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common"
)

// Confirmation is a confirmation the fake took.
type Confirmation struct {
	SafeTxHash string
	Signature  string
}

// Service is the fake. Its zero value is not usable: see New.
type Service struct {
	*httptest.Server
	mu      sync.Mutex
	queues  map[common.Address][]json.RawMessage
	pages   map[string]string // a raw page by listing path, served as is
	confirm []Confirmation
	// fail, when set, answers every request it returns a status for
	// (not 0) with that status.
	fail func(r *http.Request) int
	// requests counts the requests served.
	requests int
}

// New starts a fake service; it is closed when the test ends (call Close
// otherwise).
func New() *Service {
	s := &Service{queues: map[common.Address][]json.RawMessage{}, pages: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetQueue sets safe's pending transactions, as JSON objects.
func (s *Service) SetQueue(safe common.Address, entries ...json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queues[safe] = entries
}

// SetPage serves body as is for GET path, with every occurrence of
// "https://safe-transaction-mainnet.safe.global" replaced by the fake's
// URL (recorded pages link to the real service).
func (s *Service) SetPage(path, query, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path+"?"+query] = strings.ReplaceAll(body, "https://safe-transaction-mainnet.safe.global", s.URL)
}

// FailWith makes the fake answer with the status f returns (0: as usual).
func (s *Service) FailWith(f func(r *http.Request) int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = f
}

// Confirmations returns the confirmations taken, in order.
func (s *Service) Confirmations() []Confirmation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Confirmation(nil), s.confirm...)
}

// Requests returns how many requests were served.
func (s *Service) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	fail := s.fail
	body, ok := s.pages[r.URL.Path+"?"+r.URL.RawQuery]
	s.mu.Unlock()
	if fail != nil {
		if code := fail(r); code != 0 {
			http.Error(w, `{"detail": "failing as told"}`, code)
			return
		}
	}
	if ok {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && len(parts) == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "safes" && parts[4] == "multisig-transactions":
		s.list(w, r, parts[3])
	case r.Method == http.MethodPost && len(parts) == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "multisig-transactions" && parts[4] == "confirmations":
		var body struct {
			Signature string `json:"signature"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil || body.Signature == "" {
			http.Error(w, `{"signature": ["This field is required."]}`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.confirm = append(s.confirm, Confirmation{SafeTxHash: parts[3], Signature: body.Signature})
		s.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	default:
		http.NotFound(w, r)
	}
}

func (s *Service) list(w http.ResponseWriter, r *http.Request, addr string) {
	if !common.IsHexAddress(addr) || common.HexToAddress(addr).Hex() != addr {
		http.Error(w, `{"code": 1, "message": "Checksum address validation failed"}`, http.StatusUnprocessableEntity)
		return
	}
	q := r.URL.Query()
	if q.Get("executed") != "false" {
		http.Error(w, `{"detail": "the fake lists pending transactions only"}`, http.StatusBadRequest)
		return
	}
	limit, offset := 100, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 200)
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v > 0 {
		offset = v
	}
	s.mu.Lock()
	entries := s.queues[common.HexToAddress(addr)]
	s.mu.Unlock()
	end := min(offset+limit, len(entries))
	page := []json.RawMessage{}
	if offset < len(entries) {
		page = entries[offset:end]
	}
	link := func(off int) *string {
		u, _ := url.Parse(s.URL + r.URL.Path)
		v := url.Values{"executed": {"false"}, "limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(off)}}
		if o := q.Get("ordering"); o != "" {
			v.Set("ordering", o)
		}
		u.RawQuery = v.Encode()
		str := u.String()
		return &str
	}
	out := struct {
		Count            int               `json:"count"`
		Next             *string           `json:"next"`
		Previous         *string           `json:"previous"`
		Results          []json.RawMessage `json:"results"`
		CountUniqueNonce int               `json:"countUniqueNonce"`
	}{Count: len(entries), Results: page, CountUniqueNonce: len(entries)}
	if end < len(entries) {
		out.Next = link(end)
	}
	if offset > 0 {
		out.Previous = link(max(offset-limit, 0))
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		panic(fmt.Sprint("servicetest: ", err))
	}
}
