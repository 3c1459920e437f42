package httpapi

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// The access log line, written by hand when Config.AccessLog is set: slog's
// handlers format a line through their generic attribute machinery, which
// was a fifth of the time the server spends on a request outside the
// screening itself. The line is byte for
// byte what slog.TextHandler (or slog.JSONHandler) without options
// other than a level writes for the same record (TestAccessLineAsSlog and
// FuzzAccessLineAsSlog hold it to that). A line with a value outside
// plainValue's alphabet goes through the Logger instead, which cannot happen
// for the values the server logs (route patterns, fixed methods, request
// ids and token ids of checked alphabets, error codes) but keeps the
// formats equal if it ever did.

// accessLine is what an access log line says.
type accessLine struct {
	time      time.Time
	level     slog.Level
	method    string
	route     string
	status    int
	duration  time.Duration
	bytes     int64
	requestID string
	token     string // "" when none
	code      string // "" when none
}

const accessMsg = "http request"

// record is the line as a slog record.
func (l *accessLine) record() slog.Record {
	rec := slog.NewRecord(l.time, l.level, accessMsg, 0)
	rec.AddAttrs(
		slog.String("method", l.method),
		slog.String("route", l.route),
		slog.Int("status", l.status),
		slog.Duration("duration", l.duration),
		slog.Int64("bytes", l.bytes),
		slog.String("request_id", l.requestID),
	)
	if l.token != "" {
		rec.AddAttrs(slog.String("token", l.token))
	}
	if l.code != "" {
		rec.AddAttrs(slog.String("code", l.code))
	}
	return rec
}

// plain reports whether every string of l is a plainValue, so that
// appendText and appendJSON write what slog would.
func (l *accessLine) plain() bool {
	if y := l.time.Year(); y < 0 || y >= 10000 {
		return false // slog's JSON writes an error beside it
	}
	return plainValue(l.method) && plainValue(l.route) && plainValue(l.requestID) &&
		(l.token == "" || plainValue(l.token)) && (l.code == "" || plainValue(l.code))
}

// plainValue reports whether s is non-empty and made of letters, digits,
// space and . _ : - / { } $ only: a string that JSON writes between quotes
// as it is, and slog's text format as it is, or between quotes when it
// holds a space.
func plainValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == ' ' || c == '.' || c == '_' || c == ':' || c == '-' || c == '/' || c == '{' || c == '}' || c == '$') {
			return false
		}
	}
	return true
}

// appendText appends l as slog.TextHandler writes it, newline included.
func (l *accessLine) appendText(b []byte) []byte {
	b = append(b, "time="...)
	b = appendRFC3339Millis(b, l.time.Round(0))
	b = append(b, " level="...)
	b = append(b, l.level.String()...)
	b = append(b, ` msg="`+accessMsg+`" method=`...)
	b = appendTextString(b, l.method)
	b = append(b, " route="...)
	b = appendTextString(b, l.route)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, " duration="...)
	b = append(b, l.duration.String()...)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, l.bytes, 10)
	b = append(b, " request_id="...)
	b = appendTextString(b, l.requestID)
	if l.token != "" {
		b = append(b, " token="...)
		b = appendTextString(b, l.token)
	}
	if l.code != "" {
		b = append(b, " code="...)
		b = appendTextString(b, l.code)
	}
	return append(b, '\n')
}

// appendTextString appends a plainValue as slog's text format does: quoted
// when it holds a space.
func appendTextString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			b = append(b, '"')
			b = append(b, s...)
			return append(b, '"')
		}
	}
	return append(b, s...)
}

// appendRFC3339Millis is slog's text time format: RFC 3339 with exactly
// three digits of milliseconds.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	// RFC3339Nano trims trailing zeros: add a tenth of a millisecond so
	// there are four digits, then drop the fourth (as slog does).
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}

// appendJSON appends l as slog.JSONHandler writes it, newline included.
func (l *accessLine) appendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = l.time.Round(0).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, l.level.String()...)
	b = append(b, `","msg":"`+accessMsg+`","method":"`...)
	b = append(b, l.method...)
	b = append(b, `","route":"`...)
	b = append(b, l.route...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, int64(l.duration), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, l.bytes, 10)
	b = append(b, `,"request_id":"`...)
	b = append(b, l.requestID...)
	if l.token != "" {
		b = append(b, `","token":"`...)
		b = append(b, l.token...)
	}
	if l.code != "" {
		b = append(b, `","code":"`...)
		b = append(b, l.code...)
	}
	return append(b, "\"}\n"...)
}

// writeAccessLine writes l: to Config.AccessLog in one Write when it is
// set and l is plain (see accessLine.plain), else through the Logger.
func (s *Server) writeAccessLine(ctx context.Context, l *accessLine) {
	if s.cfg.AccessLog == nil || !l.plain() {
		_ = s.log.Handler().Handle(ctx, l.record())
		return
	}
	bp, _ := s.accessBufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 512)
		bp = &b
	}
	b := (*bp)[:0]
	if s.cfg.AccessLogJSON {
		b = l.appendJSON(b)
	} else {
		b = l.appendText(b)
	}
	_, _ = s.cfg.AccessLog.Write(b)
	if cap(b) <= 4<<10 {
		*bp = b
		s.accessBufs.Put(bp)
	}
}
