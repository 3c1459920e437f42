package httpapi

import (
	"container/list"
	"math"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
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

// blocked reports how long key must wait before it has budget again, or 0
// when it has budget now, without spending any.
func (t *limiterTable) blocked(key string, now time.Time) time.Duration {
	lim := t.get(key, false)
	if lim == nil {
		return 0
	}
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(t.limit) * float64(time.Second))
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

// clientKey is the limiter key of a connection's remote address: the IPv4
// address, or the /64 prefix of an IPv6 address (one host usually owns a
// whole /64, so keying by address would let it rotate past the limit).
// X-Forwarded-For is not trusted: behind a reverse proxy every client shares
// the proxy's key.
func clientKey(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
