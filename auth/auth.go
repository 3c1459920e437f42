package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// Role is a token's role.
type Role string

// Roles, from most to least privileged.
const (
	RoleAdmin   Role = "admin"
	RoleAnalyst Role = "analyst"
	RoleViewer  Role = "viewer"
)

// Permission is what a route or command needs.
type Permission string

// Permissions.
const (
	// PermRead reads results, lists and cases.
	PermRead Permission = "read"
	// PermAnalyze runs checks that record decisions (screen, verify, trace)
	// and dispositions matches.
	PermAnalyze Permission = "analyze"
	// PermAdmin manages tokens, reads the audit log and changes configuration.
	PermAdmin Permission = "admin"
)

var rolePerms = map[Role][]Permission{
	RoleAdmin:   {PermRead, PermAnalyze, PermAdmin},
	RoleAnalyst: {PermRead, PermAnalyze},
	RoleViewer:  {PermRead},
}

// Roles returns all roles, most privileged first.
func Roles() []Role { return []Role{RoleAdmin, RoleAnalyst, RoleViewer} }

// ParseRole returns the role named by s or an EINVALID error naming the field.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := rolePerms[r]; !ok {
		return "", bulwark.Invalid("role", "unknown role %q: use admin, analyst or viewer", s)
	}
	return r, nil
}

// Allows reports whether role r holds permission p.
func (r Role) Allows(p Permission) bool {
	for _, q := range rolePerms[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Token is a stored API token. The secret itself is never stored: Hash is
// SHA-256 over the whole token string.
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Person names the person the token belongs to ("" when it names
	// none): the co-signer counts one approval per person, whatever
	// tokens they hold (compared with PersonKey).
	Person string `json:"person,omitempty"`
	// User, when set, marks a principal standing for a signed-in console
	// user (see Principal) rather than an API token: ID is then the
	// session's public id and User the user's name.
	User       string     `json:"user,omitempty"`
	Hash       []byte     `json:"-"`
	CreatedAt  time.Time  `json:"createdAt"`
	CreatedBy  string     `json:"createdBy"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// Active reports whether the token may be used at time now.
func (t *Token) Active(now time.Time) bool {
	if t.RevokedAt != nil {
		return false
	}
	return t.ExpiresAt == nil || now.Before(*t.ExpiresAt)
}

// Actor names who acts with t in audit entries: "token:<id>" for an API
// token, "user:<name>" for a signed-in user.
func (t *Token) Actor() string {
	if t.User != "" {
		return "user:" + t.User
	}
	return "token:" + t.ID
}

// AuditTarget names t in audit entries: "token:<id>".
func (t *Token) AuditTarget() string { return "token:" + t.ID }

// AuditDetails are the details of the audit entry of t's creation (by
// the CLI, the API or the first start): name, role and expiry, never the
// secret or its hash.
func (t *Token) AuditDetails() map[string]any {
	details := map[string]any{"name": t.Name, "role": t.Role}
	if t.Person != "" {
		details["person"] = t.Person
	}
	if t.ExpiresAt != nil {
		details["expiresAt"] = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return details
}

// TokenStore persists tokens. Implementations return an *bulwark.Error with
// ENOTFOUND for a missing id and ECONFLICT for a duplicate id or name.
type TokenStore interface {
	// CreateToken stores a new token.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByID returns the token with the given public id.
	TokenByID(ctx context.Context, id string) (*Token, error)
	// ListTokens returns every token, revoked ones included, oldest first.
	ListTokens(ctx context.Context) ([]*Token, error)
	// RevokeToken marks a token revoked at the given time. Revoking a revoked
	// token is not an error and keeps the first time.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// TouchToken records that a token was used at the given time.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// CountTokens returns how many tokens were ever created, revoked included.
	CountTokens(ctx context.Context) (int, error)
}

// TokenChanges is implemented by a TokenStore that can tell every process
// using it that a token changed, cheaply enough to ask on every request
// (the SQLite store shares a counter in memory mapped from a file). With
// it, a revocation made by one process (the CLI) reaches the token cache
// of another (serve) on that process's next request, not after CacheTTL.
type TokenChanges interface {
	// TokenGeneration returns a number that changes whenever any process
	// calls TokensChanged.
	TokenGeneration() uint64
	// TokensChanged tells every process that tokens changed. It is called
	// once the change has committed.
	TokensChanged()
}

const (
	tokenPrefix = "bwk_"
	idBytes     = 8  // public id: 64 bits, enough to avoid collisions, not a secret
	secretBytes = 32 // secret: 256 bits
	// touchEvery bounds how often a token's last-used time is written.
	touchEvery = time.Minute
)

var (
	idPattern   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)
)

// ValidateName checks a token name: 1-64 characters of letters, digits and
// . _ @ -, starting with a letter or digit.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return bulwark.Invalid("name", "token name %q must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	return nil
}

// MaxPersonLen bounds a token's person, in bytes of UTF-8.
const MaxPersonLen = 100

// ValidatePerson checks and returns a token's person, spaces trimmed: ""
// (none), or up to MaxPersonLen bytes of UTF-8 text without control
// characters.
func ValidatePerson(person string) (string, error) {
	p := strings.TrimSpace(person)
	switch {
	case !utf8.ValidString(p):
		return "", bulwark.Invalid("person", "not valid UTF-8")
	case len(p) > MaxPersonLen:
		return "", bulwark.Invalid("person", "%d bytes: a person's name is at most %d", len(p), MaxPersonLen)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return "", bulwark.Invalid("person", "contains a control character (%U)", r)
		}
	}
	return p, nil
}

// PersonKey is how two persons are compared: case-folded, inner spaces
// collapsed, so "Alice  Smith" and "alice smith" are one person.
func PersonKey(person string) string {
	return strings.ToLower(strings.Join(strings.Fields(person), " "))
}

// ValidateID checks a public token id (16 lower-case hex digits).
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return bulwark.Invalid("id", "token id %q must be 16 lower-case hex digits (see 'bulwark token list')", id)
	}
	return nil
}

// HashToken returns the stored form of a presented token.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// splitToken returns the public id of a well-formed token: the prefix, 16
// lower-case hex digits (what idPattern matches), "_" and 2*secretBytes
// bytes of secret (whose digits the hash comparison checks). It runs on
// every request, so it checks the bytes itself rather than through
// idPattern.
func splitToken(token string) (id string, ok bool) {
	const idLen = 2 * idBytes
	if len(token) != len(tokenPrefix)+idLen+1+2*secretBytes || token[:len(tokenPrefix)] != tokenPrefix {
		return "", false
	}
	id = token[len(tokenPrefix) : len(tokenPrefix)+idLen]
	for i := 0; i < idLen; i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	if token[len(tokenPrefix)+idLen] != '_' {
		return "", false
	}
	return id, true
}

// Service issues, checks and revokes tokens.
type Service struct {
	Store TokenStore
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Rand is the source of randomness; nil means crypto/rand.
	Rand io.Reader
	// CacheTTL, when positive, keeps a token read from the store for that
	// long, so a busy API does not read the store on every request. The
	// presented secret is still hashed and compared on every request, and
	// a revocation through this Service takes effect at once. A revocation
	// made by another process (the CLI) takes effect on the next request
	// when the store implements TokenChanges, else within CacheTTL.
	CacheTTL time.Duration

	cacheMu sync.Mutex
	cache   map[string]cachedToken
}

// cachedToken is a token as read from the store, when, and the store's
// token generation before it was read. t is shared by every request that
// authenticates with it and is never modified: a change makes a new one.
type cachedToken struct {
	t    *Token
	read time.Time
	gen  uint64
}

// maxCachedTokens bounds the token cache; it is emptied when full.
const maxCachedTokens = 10000

// tokenByID reads a token through the cache.
func (s *Service) tokenByID(ctx context.Context, id string, now time.Time) (*Token, error) {
	if s.CacheTTL <= 0 {
		return s.Store.TokenByID(ctx, id)
	}
	var gen uint64
	changes, shared := s.Store.(TokenChanges)
	if shared {
		gen = changes.TokenGeneration()
	}
	s.cacheMu.Lock()
	c, ok := s.cache[id]
	s.cacheMu.Unlock()
	if ok && now.Sub(c.read) < s.CacheTTL && now.Sub(c.read) >= 0 && c.gen == gen {
		return c.t, nil
	}
	// gen was read before the token: a change committed in between makes
	// the next request read it again.
	t, err := s.Store.TokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	if s.cache == nil || len(s.cache) >= maxCachedTokens {
		s.cache = make(map[string]cachedToken)
	}
	cached := *t // the store's own may change under it
	s.cache[id] = cachedToken{t: &cached, read: now, gen: gen}
	s.cacheMu.Unlock()
	return t, nil
}

// Forget drops a token from the cache, so the next request reads it from
// the store, and tells other processes sharing the store to do the same
// (TokenChanges). Revoke calls it; a caller that revokes inside a
// transaction calls it again once the transaction has committed.
func (s *Service) Forget(id string) {
	s.cacheMu.Lock()
	delete(s.cache, id)
	s.cacheMu.Unlock()
	if c, ok := s.Store.(TokenChanges); ok {
		c.TokensChanged()
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) random(n int) (string, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot read random bytes for a token")
	}
	return hex.EncodeToString(b), nil
}

// CreateOptions are the optional settings of a new token.
type CreateOptions struct {
	// CreatedBy names who created it, as the audit log names actors:
	// "token:<id>" for an API caller, "cli:<user>" or "system".
	CreatedBy string
	// TTL, when positive, makes the token expire after that long.
	TTL time.Duration
	// Person names the person the token belongs to (ValidatePerson);
	// optional.
	Person string
}

// Create issues a new token and returns its secret form, which is shown once
// and never stored, together with the stored record.
func (s *Service) Create(ctx context.Context, name string, role Role, opt CreateOptions) (string, *Token, error) {
	if err := ValidateName(name); err != nil {
		return "", nil, err
	}
	if _, ok := rolePerms[role]; !ok {
		return "", nil, bulwark.Invalid("role", "unknown role %q: use admin, analyst or viewer", role)
	}
	if opt.TTL < 0 {
		return "", nil, bulwark.Invalid("ttl", "must not be negative")
	}
	person, err := ValidatePerson(opt.Person)
	if err != nil {
		return "", nil, err
	}
	id, err := s.random(idBytes)
	if err != nil {
		return "", nil, err
	}
	secret, err := s.random(secretBytes)
	if err != nil {
		return "", nil, err
	}
	plain := tokenPrefix + id + "_" + secret
	now := s.now()
	t := &Token{ID: id, Name: name, Role: role, Person: person, Hash: HashToken(plain), CreatedAt: now, CreatedBy: opt.CreatedBy}
	if opt.TTL > 0 {
		exp := now.Add(opt.TTL)
		t.ExpiresAt = &exp
	}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return plain, t, nil
}

// errBadToken is the one answer for every authentication failure, so that a
// caller learns nothing about which part was wrong.
func errBadToken() error {
	return bulwark.Errorf(bulwark.EUNAUTHORIZED, "invalid or expired token: send 'Authorization: Bearer TOKEN' with a token from 'bulwark token create'")
}

// Authenticate checks a presented token and returns its record. Every
// failure is EUNAUTHORIZED with the same message. The hash comparison runs
// in constant time. The record may be shared with other requests (see
// CacheTTL): callers read it and never modify it.
func (s *Service) Authenticate(ctx context.Context, presented string) (*Token, error) {
	return s.AuthenticateAt(ctx, presented, time.Time{})
}

// AuthenticateAt is Authenticate at time now, a clock read the caller has
// made already (a server's, as the request arrived), so that it costs no
// read of its own; the zero time, or a Service with its own Now, reads the
// service's clock.
func (s *Service) AuthenticateAt(ctx context.Context, presented string, now time.Time) (*Token, error) {
	id, ok := splitToken(presented)
	if !ok {
		return nil, errBadToken()
	}
	if now.IsZero() || s.Now != nil {
		now = s.now()
	} else {
		now = now.UTC()
	}
	t, err := s.tokenByID(ctx, id, now)
	var buf [128]byte                                   // a token's length, so that hashing it allocates nothing
	sum := sha256.Sum256(append(buf[:0], presented...)) // HashToken, on the stack
	if bulwark.IsCode(err, bulwark.ENOTFOUND) {
		// Compare anyway so a miss costs about what a hit costs.
		var zero [sha256.Size]byte
		subtle.ConstantTimeCompare(sum[:], zero[:])
		return nil, errBadToken()
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(sum[:], t.Hash) != 1 {
		return nil, errBadToken()
	}
	if !t.Active(now) {
		return nil, errBadToken()
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		// Best effort: a failed touch must not fail the request.
		_ = s.Store.TouchToken(ctx, t.ID, now)
		used := now   // a copy, so that now stays on the stack when nothing is touched
		touched := *t // t may be the cache's, which other requests read
		touched.LastUsedAt = &used
		t = &touched
		if s.CacheTTL > 0 {
			s.cacheMu.Lock()
			if c, ok := s.cache[t.ID]; ok {
				c.t = t
				s.cache[t.ID] = c
			}
			s.cacheMu.Unlock()
		}
	}
	return t, nil
}

// ErrAlreadyRevoked is the cause of Revoke's error for a token that was
// revoked before: nothing changed (and nothing should be audited). The
// error is ECONFLICT; Revoke returns the token with it.
var ErrAlreadyRevoked = errors.New("token already revoked")

// Revoke revokes the token with the given id and returns it. Revoking a
// revoked token changes nothing: Revoke returns the token, with the time
// of its first revocation, and an ECONFLICT error whose cause is
// ErrAlreadyRevoked (callers that treat revocation as idempotent check for
// it with errors.Is). Inside a transaction (audit.Log.Do) the check and the
// change are one step.
func (s *Service) Revoke(ctx context.Context, id string) (*Token, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	defer s.Forget(id)
	t, err := s.Store.TokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return t, bulwark.Wrap(ErrAlreadyRevoked, bulwark.ECONFLICT,
			fmt.Sprintf("token %s (%s) was already revoked at %s; nothing changed", t.ID, t.Name, t.RevokedAt.UTC().Format(time.RFC3339)))
	}
	if err := s.Store.RevokeToken(ctx, id, s.now()); err != nil {
		return nil, err
	}
	return s.Store.TokenByID(ctx, id)
}

// List returns every token, oldest first.
func (s *Service) List(ctx context.Context) ([]*Token, error) { return s.Store.ListTokens(ctx) }

// Bootstrap creates the first admin token when the store has never held
// one, and returns its secret form; on a store that has tokens it returns "".
func (s *Service) Bootstrap(ctx context.Context) (string, *Token, error) {
	n, err := s.Store.CountTokens(ctx)
	if err != nil {
		return "", nil, err
	}
	if n > 0 {
		return "", nil, nil
	}
	return s.Create(ctx, "admin", RoleAdmin, CreateOptions{CreatedBy: "bootstrap"})
}

// Authorize returns nil when t's role holds p, else EFORBIDDEN.
func Authorize(t *Token, p Permission) error {
	if t == nil {
		return errBadToken()
	}
	if !t.Role.Allows(p) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "role %s may not do this (needs %s permission)", t.Role, p)
	}
	return nil
}

type ctxKey struct{}

// NewContext returns a context carrying the authenticated token.
func NewContext(ctx context.Context, t *Token) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// FromContext returns the authenticated token carried by ctx, or nil.
func FromContext(ctx context.Context) *Token {
	t, _ := ctx.Value(ctxKey{}).(*Token)
	return t
}

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the limiter key of the client behind
// a request (its address, or the /64 of an IPv6 address), as the HTTP
// server derives it through its trusted proxies, so that the console's
// sign-in limits key on the same client the API's rate limits do.
func WithClientAddr(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, key)
}

// ClientAddrFrom returns the key WithClientAddr put in ctx.
func ClientAddrFrom(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(clientAddrKey{}).(string)
	return k, ok && k != ""
}
