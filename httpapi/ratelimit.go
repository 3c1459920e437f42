package httpapi

import (
	"container/list"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/bulwark-sec/bulwark"
)

// limiterTable holds one token-bucket limiter per key (a token id or a
// client address) in a bounded LRU table: when it is full, the least
// recently used key is dropped. A dropped key starts again with a full
// bucket, so the bound trades a little precision under a flood of distinct
// keys for memory that cannot grow without limit.
type limiterTable struct {
	limit rate.Limit
	burst int
	max   int

	mu    sync.Mutex
	order *list.List // front = most recently used; values are *limiterEntry
	byKey map[string]*list.Element
}

type limiterEntry struct {
	key string
	lim *rate.Limiter
}

func newLimiterTable(perSecond float64, burst, max int) *limiterTable {
	return &limiterTable{
		limit: rate.Limit(perSecond),
		burst: burst,
		max:   max,
		order: list.New(),
		byKey: make(map[string]*list.Element),
	}
}

// get returns key's limiter, creating it (and evicting the least recently
// used one if the table is full) when needed. create=false returns nil for
// an unknown key instead.
func (t *limiterTable) get(key string, create bool) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.byKey[key]; ok {
		t.order.MoveToFront(el)
		return el.Value.(*limiterEntry).lim
	}
	if !create {
		return nil
	}
	if t.order.Len() >= t.max {
		if last := t.order.Back(); last != nil {
			t.order.Remove(last)
			delete(t.byKey, last.Value.(*limiterEntry).key)
		}
	}
	e := &limiterEntry{key: key, lim: rate.NewLimiter(t.limit, t.burst)}
	t.byKey[key] = t.order.PushFront(e)
	return e.lim
}

// len reports how many keys the table holds.
func (t *limiterTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order.Len()
}

// take spends one request of key's budget. It returns 0 when the request
// may go ahead, else how long until it could.
func (t *limiterTable) take(key string, now time.Time) time.Duration {
	lim := t.get(key, true)
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Duration(math.MaxInt64)
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// retryAfter renders a wait as whole seconds for the Retry-After header,
// rounding up and never below 1.
func retryAfter(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// ParseTrustedProxies parses a comma-separated list of trusted reverse
// proxies: CIDR prefixes ("10.0.0.0/8", "2001:db8::/48") or single addresses
// ("192.0.2.7", "::1"). field names the setting in errors. An empty string
// is an empty list.
func ParseTrustedProxies(field, s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(part) > 64 {
			return nil, bulwark.Invalid(field, "%q… is not an address or CIDR prefix: want e.g. 10.0.0.0/8 or 192.0.2.7", part[:20])
		}
		var p netip.Prefix
		if strings.Contains(part, "/") {
			pp, err := netip.ParsePrefix(part)
			if err != nil || pp.Addr().Zone() != "" {
				return nil, bulwark.Invalid(field, "%q is not a CIDR prefix: want e.g. 10.0.0.0/8 or fd00::/8", part)
			}
			p = pp
		} else {
			a, err := netip.ParseAddr(part)
			if err != nil || a.Zone() != "" {
				return nil, bulwark.Invalid(field, "%q is not an IP address or CIDR prefix: want e.g. 192.0.2.7 or 10.0.0.0/8", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// trusted reports whether ip is one of the trusted proxies.
func trusted(ip netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHost parses "IP", "IP:port", "[IPv6]:port" or "[IPv6]" into an
// address without a zone, IPv4-mapped IPv6 addresses unmapped.
func parseHost(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// clientAddr returns the address of the client behind a request: the
// connection's peer (remoteAddr), unless the peer is one of the trusted
// proxies. Then the X-Forwarded-For values (xff, in header order) are read
// right to left, each hop appended by the proxy it reached, and the first
// hop that is not itself a trusted proxy is the client. Entries left of it
// were written by the client and are never read. A malformed entry stops the
// walk at the last trusted hop, so that a proxy relaying garbage is limited
// as one client. With no trusted proxies X-Forwarded-For is ignored. ok is
// false when remoteAddr itself is not an address.
func clientAddr(remoteAddr string, xff []string, proxies []netip.Prefix) (ip netip.Addr, ok bool) {
	ip, ok = parseHost(remoteAddr)
	if !ok || len(proxies) == 0 || !trusted(ip, proxies) {
		return ip, ok
	}
	for i := len(xff) - 1; i >= 0; i-- {
		v := xff[i]
		for v != "" {
			hop := v
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				hop, v = v[j+1:], v[:j]
			} else {
				v = ""
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue
			}
			next, ok := parseHost(hop)
			if !ok {
				return ip, true
			}
			ip = next
			if !trusted(ip, proxies) {
				return ip, true
			}
		}
	}
	return ip, true
}

// clientKey is the limiter key of a client address: the IPv4 address, or
// the /64 prefix of an IPv6 address (one host usually owns a whole /64, so
// keying by address would let it rotate past the limit).
func clientKey(ip netip.Addr) string {
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// clientKeyOf is the limiter key of the client behind r (see clientAddr):
// its address, or the raw remote address when that is not one.
func (s *Server) clientKeyOf(r *http.Request) string {
	var xff []string
	if len(s.cfg.TrustedProxies) > 0 {
		xff = r.Header.Values("X-Forwarded-For")
	}
	ip, ok := clientAddr(r.RemoteAddr, xff, s.cfg.TrustedProxies)
	if !ok {
		return r.RemoteAddr
	}
	return clientKey(ip)
}
