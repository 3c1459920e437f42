package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// funcs are the functions every template may call. None returns
// template.HTML or another trusted type: whatever a page shows is escaped
// by html/template.
func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		// static "console.css" is the content-hashed URL of a static file.
		"static": c.static.url,
		// htmx and cytoscape are the URLs of the vendored libraries.
		"htmx":      func() (string, error) { return c.static.url(vendorHTMX) },
		"cytoscape": func() (string, error) { return c.static.url(vendorCytoscape) },
		// utc formats a time as "2006-01-02 15:04:05 UTC" ("" for zero).
		"utc": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		// age is how long ago t was, in words ("3 h 5 min").
		"age": func(t time.Time) string { return age(time.Since(t)) },
		// short cuts a long hex value to its first and last characters
		// ("0x1234…cdef"), for tables; the full value stays in the title.
		"short": func(s string) string {
			if len(s) <= 14 {
				return s
			}
			return s[:8] + "…" + s[len(s)-4:]
		},
		// unix formats Unix seconds as utc does.
		"unix": func(sec int64) string { return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04:05 UTC") },
		"join": strings.Join,
		// listAge is how old a list version is (since publication, else
		// import).
		"listAge": func(l screening.ListInfo) string { return age(screening.ListAge(l, time.Now())) },
		// dict builds a map for a partial: dict "Key" value ...
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"add": func(a, b int) int { return a + b },
	}
}

// age says a duration in words, coarsely: "45 s", "12 min", "3 h 5 min",
// "4 days 2 h".
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days %d h", int(d.Hours())/24, int(d.Hours())%24)
}
