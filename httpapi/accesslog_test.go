package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

// slogLine is what slog's text or JSON handler writes for l.
func slogLine(t testing.TB, l *accessLine, json bool) string {
	var buf bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	var h slog.Handler = slog.NewTextHandler(&buf, opts)
	if json {
		h = slog.NewJSONHandler(&buf, opts)
	}
	if err := h.Handle(context.Background(), l.record()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkAccessLine fails when a plain l is not written as slog writes it.
func checkAccessLine(t testing.TB, l *accessLine) {
	t.Helper()
	if !l.plain() {
		return
	}
	if got, want := string(l.appendText(nil)), slogLine(t, l, false); got != want {
		t.Errorf("text line\n%s differs from slog's\n%s", got, want)
	}
	if got, want := string(l.appendJSON(nil)), slogLine(t, l, true); got != want {
		t.Errorf("JSON line\n%s differs from slog's\n%s", got, want)
	}
}

// TestAccessLineAsSlog: the access line the server writes itself is
// slog's, in both formats, for the values a request gives it; a value
// slog would write otherwise is not plain (and goes through the Logger).
func TestAccessLineAsSlog(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*3600)
	base := accessLine{
		time: time.Date(2026, 12, 7, 4, 51, 35, 600123456, time.UTC), level: slog.LevelInfo,
		method: "POST", route: routeScreenAddress, status: 200, duration: 1234567 * time.Nanosecond, bytes: 512,
		requestID: "0123456789abcdef01234567",
	}
	for _, tc := range []struct {
		name string
		edit func(l *accessLine)
	}{
		{"plain", func(*accessLine) {}},
		{"token and code", func(l *accessLine) { l.token, l.code, l.status = "0123456789abcdef", "rate_limited", 429 }},
		{"debug probe", func(l *accessLine) { l.level, l.route, l.method = slog.LevelDebug, routeHealthz, "GET" }},
		{"wildcard route", func(l *accessLine) { l.route = routeScreenDecision }},
		{"unrouted", func(l *accessLine) { l.route, l.method = "unrouted", "other" }},
		{"fallback route", func(l *accessLine) { l.route = routeFallback }},
		{"caller's request id", func(l *accessLine) { l.requestID = "req-1.a_b:c" }},
		{"whole milliseconds", func(l *accessLine) { l.time = l.time.Truncate(time.Millisecond) }},
		{"whole seconds", func(l *accessLine) { l.time = l.time.Truncate(time.Second) }},
		{"another zone", func(l *accessLine) { l.time = l.time.In(tokyo) }},
		{"monotonic clock", func(l *accessLine) { l.time = time.Now() }},
		{"microseconds", func(l *accessLine) { l.duration = 850 * time.Microsecond }},
		{"zero duration", func(l *accessLine) { l.duration = 0 }},
		{"long duration", func(l *accessLine) { l.duration = 90 * time.Minute }},
		{"no body", func(l *accessLine) { l.bytes, l.status = 0, 204 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := base
			tc.edit(&l)
			if !l.plain() {
				t.Fatal("not plain")
			}
			checkAccessLine(t, &l)
		})
	}
	for _, s := range []string{"", `a"b`, "a=b", "a\\b", "é", "a\nb", "<x>", "a&b"} {
		l := base
		l.requestID = s
		if l.plain() {
			t.Errorf("request id %q is plain", s)
		}
	}
	l := base
	l.time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if l.plain() {
		t.Error("a time past year 9999 is plain")
	}
}

// FuzzAccessLineAsSlog: every plain line is slog's, in both formats.
func FuzzAccessLineAsSlog(f *testing.F) {
	f.Add(int64(1796619095600123456), 0, "POST", routeScreenAddress, 200, int64(1234567), int64(512), "0123456789abcdef01234567", "", "")
	f.Add(int64(0), -4, "GET", "GET /healthz", 200, int64(0), int64(0), "r", "0123456789abcdef", "rate_limited")
	f.Add(int64(-1), 8, "other", "unrouted", 999, int64(-5), int64(-1), "a b", "x y", "z=w")
	f.Fuzz(func(t *testing.T, unixNano int64, level int, method, route string, status int, d, n int64, reqID, token, code string) {
		l := accessLine{time: time.Unix(0, unixNano), level: slog.Level(level), method: method, route: route, status: status,
			duration: time.Duration(d), bytes: n, requestID: reqID, token: token, code: code}
		checkAccessLine(t, &l)
	})
}
