package httpapi

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeAPIExamplesHaveTheRole runs each curl example of the README's
// "Using the API" section with a token of the role its variable names
// ($ADMIN, $ANALYST, $VIEWER): none may be refused for its role (403) or
// its token (401), as an example that made an analyst token and then read
// the audit log was.
func TestReadmeAPIExamplesHaveTheRole(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "## Using the API")
	if !ok {
		t.Fatal(`README.md has no "## Using the API" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	section = strings.ReplaceAll(section, "\\\n", " ")
	bearer := regexp.MustCompile(`Bearer \$([A-Z]+)`)
	url := regexp.MustCompile(`'?localhost:8080(/[^' ]*)'?`)
	body := regexp.MustCompile(`-d '([^']*)'`)
	checked := 0
	for _, line := range strings.Split(section, "\n") {
		line, _, _ = strings.Cut(line, " #")
		if !strings.HasPrefix(strings.TrimSpace(line), "curl ") {
			continue
		}
		u := url.FindStringSubmatch(line)
		if u == nil {
			t.Errorf("a curl example without a localhost:8080 URL: %s", line)
			continue
		}
		b := bearer.FindStringSubmatch(line)
		if b == nil {
			continue // a route without a token (/healthz)
		}
		role := strings.ToLower(b[1])
		if role != "admin" && role != "analyst" && role != "viewer" {
			t.Errorf("$%s: name the token variable by its role ($ADMIN, $ANALYST or $VIEWER): %s", b[1], line)
			continue
		}
		method, data := "GET", ""
		if d := body.FindStringSubmatch(line); d != nil {
			method, data = "POST", d[1]
		}
		e := newEnv(t, nil)
		headers := bearerFor(role)
		if data != "" {
			headers = jsonHeaders(role)
		}
		rec := e.do(method, u[1], headers, data)
		if rec.Code == 401 || rec.Code == 403 {
			t.Errorf("%s %s with a %s token: %d %s", method, u[1], role, rec.Code, rec.Body)
		}
		checked++
	}
	if checked < 3 {
		t.Errorf("only %d curl examples with a token found in the README", checked)
	}
}
