package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// SignInLimits bound failed sign-in attempts. Failures are counted twice:
// per client address and per account, each in a token bucket that refills
// over time. Only failures spend a bucket, and a bucket is only consulted
// before the password is hashed, so:
//
//   - an address that has spent its failures is refused (for every
//     account) until its bucket refills; other addresses are not affected;
//   - an account whose failures are spent is refused from addresses that
//     never completed a sign-in to it, while its owner, signing in from
//     an address that did, is let through: an attacker guessing one
//     account's password from many addresses cannot lock its owner out,
//     and no other account is touched.
//
// Nothing is written to the user's record: the limits live in memory and
// a restart forgets them.
type SignInLimits struct {
	// PerAddress failures, then one more every AddressEvery.
	PerAddress   int
	AddressEvery time.Duration
	// PerAccount failures, then one more every AccountEvery.
	PerAccount   int
	AccountEvery time.Duration
	// MaxKeys bounds each table (addresses, accounts, known pairs); when
	// full, buckets that have refilled are dropped, else the table is
	// emptied.
	MaxKeys int
}

// DefaultSignInLimits: 20 failures per address then one a minute; 10 per
// account then one every 5 minutes; 100,000 keys per table.
var DefaultSignInLimits = SignInLimits{PerAddress: 20, AddressEvery: time.Minute, PerAccount: 10, AccountEvery: 5 * time.Minute, MaxKeys: 100000}

// signInLimiter holds the buckets of SignInLimits.
type signInLimiter struct {
	cfg SignInLimits

	mu       sync.Mutex
	addrs    map[string]*bucket
	accounts map[string]*bucket
	known    map[string]struct{} // account + "\x00" + address of completed sign-ins
}

type bucket struct {
	lim *rate.Limiter
	// reported is set once a refusal has been audited, so that a flood
	// writes one entry per trip, not one per attempt.
	reported bool
}

func newSignInLimiter(cfg SignInLimits) *signInLimiter {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultSignInLimits.MaxKeys
	}
	return &signInLimiter{cfg: cfg, addrs: map[string]*bucket{}, accounts: map[string]*bucket{}, known: map[string]struct{}{}}
}

// limitDecision is the outcome of checking an attempt.
type limitDecision struct {
	refused bool
	// what is "address" or "account" when refused.
	what string
	// report is true for the first refusal of a trip (to be audited).
	report bool
	// retry is how long until the bucket allows another failure.
	retry time.Duration
}

func (l *signInLimiter) table(m map[string]*bucket, key string, burst int, every time.Duration, create bool) *bucket {
	b := m[key]
	if b == nil && create {
		if len(m) >= l.cfg.MaxKeys {
			now := time.Now()
			for k, o := range m {
				if o.lim.TokensAt(now) >= float64(o.lim.Burst()) {
					delete(m, k)
				}
			}
			if len(m) >= l.cfg.MaxKeys {
				clear(m)
			}
		}
		b = &bucket{lim: rate.NewLimiter(rate.Every(every), burst)}
		m[key] = b
	}
	return b
}

// check decides whether an attempt on account from addr may go ahead (the
// password be hashed), at now.
func (l *signInLimiter) check(account, addr string, now time.Time) limitDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	refuse := func(b *bucket, what string) limitDecision {
		d := limitDecision{refused: true, what: what, report: !b.reported}
		b.reported = true
		r := b.lim.ReserveN(now, 1)
		d.retry = r.DelayFrom(now)
		r.CancelAt(now)
		return d
	}
	if b := l.table(l.addrs, addr, l.cfg.PerAddress, l.cfg.AddressEvery, false); b != nil && b.lim.TokensAt(now) < 1 {
		return refuse(b, "address")
	}
	if b := l.table(l.accounts, account, l.cfg.PerAccount, l.cfg.AccountEvery, false); b != nil && b.lim.TokensAt(now) < 1 {
		if _, ok := l.known[account+"\x00"+addr]; !ok {
			return refuse(b, "account")
		}
	}
	return limitDecision{}
}

// fail spends one failure of addr's and account's buckets.
func (l *signInLimiter) fail(account, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range []*bucket{
		l.table(l.addrs, addr, l.cfg.PerAddress, l.cfg.AddressEvery, true),
		l.table(l.accounts, account, l.cfg.PerAccount, l.cfg.AccountEvery, true),
	} {
		if b.lim.AllowN(now, 1) {
			b.reported = false
		}
	}
}

// succeeded remembers that addr completed a sign-in to account.
func (l *signInLimiter) succeeded(account, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.known) >= l.cfg.MaxKeys {
		clear(l.known)
	}
	l.known[account+"\x00"+addr] = struct{}{}
}
