package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// scenario is one HTTP exchange against a fresh env. Strings in path,
// headers and body may name tokens: {admin} is admin's secret, {admin.id}
// its id (see env.expand).
type scenario struct {
	name      string
	configure func(*Config)
	setup     func(t *testing.T, e *env)

	method  string
	path    string
	headers map[string]string
	body    string

	wantStatus  int
	wantBody    []string          // substrings of the raw body
	notBody     []string          // must not appear in the raw body
	wantCode    string            // error code of an error body
	wantMsg     []string          // substrings of the error message
	wantField   string            // error field
	wantHeaders map[string]string // exact header values ("*": present)
	after       func(t *testing.T, e *env, rec *httptest.ResponseRecorder)
}

func runScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e := newEnv(t, sc.configure)
			if sc.setup != nil {
				sc.setup(t, e)
			}
			rec := e.do(sc.method, sc.path, sc.headers, sc.body)
			body := rec.Body.String()
			if rec.Code != sc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, sc.wantStatus, body)
			}
			for _, s := range sc.wantBody {
				if !strings.Contains(body, e.expand(s)) {
					t.Errorf("body lacks %q: %s", e.expand(s), body)
				}
			}
			for _, s := range sc.notBody {
				if strings.Contains(body, e.expand(s)) {
					t.Errorf("body contains %q: %s", e.expand(s), body)
				}
			}
			if sc.wantCode != "" || len(sc.wantMsg) > 0 || sc.wantField != "" {
				d := decodeErrorBody(t, rec.Body.Bytes())
				if sc.wantCode != "" && d.Code != sc.wantCode {
					t.Errorf("error code %q, want %q", d.Code, sc.wantCode)
				}
				for _, m := range sc.wantMsg {
					if !strings.Contains(d.Message, m) {
						t.Errorf("error message %q lacks %q", d.Message, m)
					}
				}
				if sc.wantField != "" && d.Field != sc.wantField {
					t.Errorf("error field %q, want %q", d.Field, sc.wantField)
				}
			}
			for k, v := range sc.wantHeaders {
				got := rec.Header().Get(k)
				if v == "*" && got == "" || v != "*" && got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			checkCommon(t, e, rec)
			if sc.after != nil {
				sc.after(t, e, rec)
			}
		})
	}
}

// checkCommon checks what every response must satisfy.
func checkCommon(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	for k, v := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	} {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if h.Get(RequestIDHeader) == "" {
		t.Errorf("no %s header", RequestIDHeader)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") { // /metrics
		if got := h.Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", got)
		}
		if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Errorf("body is not JSON: %s", rec.Body.String())
		}
	}
	if rec.Code == http.StatusUnauthorized && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: Bearer (got %q)", h.Get("WWW-Authenticate"))
	}
	logs := e.logs.String()
	for name, secret := range e.secrets {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("body contains the secret of %s", name)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("log contains the secret of %s", name)
		}
	}
	if strings.Contains(logs, "Bearer") || strings.Contains(logs, "bwk_") {
		t.Errorf("log contains credentials: %s", logs)
	}
	for _, en := range e.auditEntries() {
		b, _ := json.Marshal(en)
		if strings.Contains(string(b), "bwk_") || strings.Contains(string(b), "Bearer") {
			t.Errorf("audit entry %d carries a secret: %s", en.Seq, b)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	storeDown := bulwark.Errorf(bulwark.EUNAVAILABLE, "the store does not answer")
	runScenarios(t, []scenario{
		{name: "healthz needs no token", method: "GET", path: "/healthz",
			wantStatus: 200, wantBody: []string{`{"status":"ok"}`},
			wantHeaders: map[string]string{"Content-Type": "application/json; charset=utf-8"}},
		{name: "healthz echoes a safe request id", method: "GET", path: "/healthz",
			headers:    map[string]string{RequestIDHeader: "req-42.a:b_c"},
			wantStatus: 200, wantHeaders: map[string]string{RequestIDHeader: "req-42.a:b_c"}},
		{name: "healthz replaces an unsafe request id", method: "GET", path: "/healthz",
			headers:    map[string]string{RequestIDHeader: "evil id\u00e9<script>"},
			wantStatus: 200,
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				if got := rec.Header().Get(RequestIDHeader); strings.ContainsAny(got, " <") || len(got) != 24 {
					t.Errorf("request id %q was not replaced", got)
				}
			}},
		{name: "readyz without checks", method: "GET", path: "/readyz",
			wantStatus: 200, wantBody: []string{`{"status":"ready"}`}},
		{name: "readyz ready", method: "GET", path: "/readyz",
			configure:  func(c *Config) { c.Ready = func(context.Context) error { return nil } },
			wantStatus: 200, wantBody: []string{`"status":"ready"`, `"ready":"ok"`}},
		{name: "readyz not ready", method: "GET", path: "/readyz",
			configure:  func(c *Config) { c.Ready = func(context.Context) error { return storeDown } },
			wantStatus: 503, wantBody: []string{`"status":"not_ready"`, `"ready":"the store does not answer"`}},
		{name: "readyz hides internal errors", method: "GET", path: "/readyz",
			configure: func(c *Config) {
				c.Ready = func(context.Context) error { return errors.New("open /var/lib/secret/path: permission denied") }
			},
			wantStatus: 503, wantBody: []string{`"ready":"internal error"`}, notBody: []string{"/var/lib"}},
		{name: "readyz named checks, one panicking", method: "GET", path: "/readyz",
			configure: func(c *Config) {
				c.Ready = func(context.Context) error { return nil }
				c.ReadyChecks = map[string]ReadyCheck{
					"lists": func(context.Context) error { panic("boom") },
					"node":  func(context.Context) error { return nil },
				}
			},
			wantStatus: 503, wantBody: []string{`"lists":"internal error"`, `"node":"ok"`, `"ready":"ok"`},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if !strings.Contains(e.logs.String(), "readiness check panicked") {
					t.Error("the panicking check was not logged")
				}
			}},
		{name: "readyz check that overruns", method: "GET", path: "/readyz",
			configure: func(c *Config) {
				c.ReadyTimeout = 20e6 // 20ms
				c.Ready = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
			},
			wantStatus: 503, wantBody: []string{`"status":"not_ready"`}},
	})
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "metrics need a token", method: "GET", path: "/metrics",
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED},
		{name: "metrics with a viewer token", method: "GET", path: "/metrics", headers: bearerFor("viewer"),
			setup: func(t *testing.T, e *env) {
				mustStatus(t, e.do("GET", "/healthz", nil, ""), 200)
				mustStatus(t, e.do("DELETE", "/api/v1/tokens/{analyst.id}", bearerFor("admin"), ""), 200)
			},
			wantStatus: 200,
			wantBody: []string{
				`bulwark_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
				`bulwark_http_request_duration_seconds_bucket{code="200",method="GET",route="GET /healthz",le=`,
				`route="DELETE /api/v1/tokens/{id}"`,
				"bulwark_http_requests_in_flight 1",
				`bulwark_build_info{version="test-1.0"} 1`,
				"go_goroutines", "process_cpu_seconds_total",
			},
			notBody: []string{"{analyst.id}"}, // route patterns, never raw paths
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("Content-Type %q", ct)
				}
			}},
		{name: "metrics public", method: "GET", path: "/metrics",
			configure:  func(c *Config) { c.MetricsPublic = true },
			wantStatus: 200, wantBody: []string{"bulwark_http_requests_in_flight"}},
		{name: "odd methods fold into one label", method: "GET", path: "/metrics", headers: bearerFor("viewer"),
			setup: func(t *testing.T, e *env) {
				mustStatus(t, e.do("BREW", "/healthz", nil, ""), 405)
			},
			wantStatus: 200, wantBody: []string{`code="405",method="other",route="/"`}, notBody: []string{"BREW"}},
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	badAuth := []string{"invalid or expired token"}
	runScenarios(t, []scenario{
		{name: "no header", method: "GET", path: "/api/v1/whoami",
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED, wantMsg: []string{"missing Authorization header"},
			wantHeaders: map[string]string{"WWW-Authenticate": `Bearer realm="bulwark"`}},
		{name: "basic scheme", method: "GET", path: "/api/v1/whoami",
			headers:    map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="},
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED, wantMsg: []string{"malformed Authorization header"}},
		{name: "bearer without token", method: "GET", path: "/api/v1/whoami",
			headers:    map[string]string{"Authorization": "Bearer "},
			wantStatus: 401, wantMsg: []string{"malformed"}},
		{name: "garbage token", method: "GET", path: "/api/v1/whoami",
			headers:    map[string]string{"Authorization": "Bearer hunter2"},
			wantStatus: 401, wantMsg: badAuth, notBody: []string{"hunter2"}},
		{name: "unknown well-formed token", method: "GET", path: "/api/v1/whoami",
			headers:    map[string]string{"Authorization": "Bearer bwk_0123456789abcdef_" + strings.Repeat("ab", 32)},
			wantStatus: 401, wantMsg: badAuth},
		{name: "known id, wrong secret", method: "GET", path: "/api/v1/whoami",
			headers:    map[string]string{"Authorization": "Bearer bwk_{admin.id}_" + strings.Repeat("00", 32)},
			wantStatus: 401, wantMsg: badAuth},
		{name: "revoked token", method: "GET", path: "/api/v1/whoami", headers: bearerFor("revoked"),
			wantStatus: 401, wantMsg: badAuth},
		{name: "expired token", method: "GET", path: "/api/v1/whoami", headers: bearerFor("expired"),
			wantStatus: 401, wantMsg: badAuth},
		{name: "viewer whoami", method: "GET", path: "/api/v1/whoami", headers: bearerFor("viewer"),
			wantStatus: 200,
			wantBody:   []string{`"id":"{viewer.id}"`, `"name":"viewer"`, `"role":"viewer"`, `"permissions":["read"]`, `"serverVersion":"test-1.0"`},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if !strings.Contains(e.logs.String(), `"token":"`+e.ids["viewer"]+`"`) {
					t.Error("the access log lacks the token id")
				}
			}},
		{name: "scheme is case-insensitive", method: "GET", path: "/api/v1/whoami",
			headers:    map[string]string{"Authorization": "bearer {admin}"},
			wantStatus: 200, wantBody: []string{`"permissions":["read","analyze","admin"]`}},
		{name: "viewer may not list tokens", method: "GET", path: "/api/v1/tokens", headers: bearerFor("viewer"),
			wantStatus: 403, wantCode: bulwark.EFORBIDDEN, wantMsg: []string{"role viewer", "admin permission"}},
		{name: "analyst may not create tokens", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("analyst"),
			body: `{"name":"x","role":"admin"}`, wantStatus: 403, wantCode: bulwark.EFORBIDDEN,
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if n := len(e.auditEntries()); n != 0 {
					t.Errorf("a refused call wrote %d audit entries", n)
				}
			}},
		{name: "viewer may not revoke", method: "DELETE", path: "/api/v1/tokens/{admin.id}", headers: bearerFor("viewer"),
			wantStatus: 403, wantCode: bulwark.EFORBIDDEN},
		{name: "viewer may not read the audit log", method: "GET", path: "/api/v1/audit", headers: bearerFor("viewer"),
			wantStatus: 403},
		{name: "analyst may not verify the audit log", method: "GET", path: "/api/v1/audit/verify", headers: bearerFor("analyst"),
			wantStatus: 403},
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "admin lists tokens", method: "GET", path: "/api/v1/tokens", headers: bearerFor("admin"),
			wantStatus: 200,
			wantBody:   []string{`"tokens":[`, `"name":"viewer"`, `"name":"revoked"`, `"revokedAt":`},
			notBody:    []string{`"hash"`, `"Hash"`}},
		{name: "create a token", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body:       `{"name":"ci-bot","role":"analyst"}`,
			wantStatus: 201, wantBody: []string{`"secret":"bwk_`, `"name":"ci-bot"`, `"role":"analyst"`, `"createdBy":"token:{admin.id}"`, `"auditSeq":1`},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				var resp createTokenResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatal(err)
				}
				entries := e.auditEntries()
				if len(entries) != 1 {
					t.Fatalf("%d audit entries, want 1", len(entries))
				}
				en := entries[0]
				if en.Actor != "token:"+e.ids["admin"] || en.Action != "token.create" || en.Target != "token:"+resp.Token.ID {
					t.Errorf("audit entry %+v", en)
				}
				if !strings.Contains(string(en.Details), `"role":"analyst"`) || !strings.Contains(string(en.Details), `"requestId":"`+rec.Header().Get(RequestIDHeader)+`"`) {
					t.Errorf("audit details %s", en.Details)
				}
				_, secretPart, _ := strings.Cut(strings.TrimPrefix(resp.Secret, "bwk_"), "_")
				b, _ := json.Marshal(en)
				if strings.Contains(string(b), secretPart) || strings.Contains(e.logs.String(), secretPart) {
					t.Error("the new secret reached the audit log or the log")
				}
				// The new token works at once.
				who := e.do("GET", "/api/v1/whoami", map[string]string{"Authorization": "Bearer " + resp.Secret}, "")
				mustStatus(t, who, 200)
				if !strings.Contains(who.Body.String(), `"name":"ci-bot"`) {
					t.Errorf("whoami %s", who.Body)
				}
			}},
		{name: "create with a ttl in days", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"temp","role":"viewer","ttl":"30d"}`, wantStatus: 201,
			wantBody: []string{`"expiresAt":"2026-02-01T05:04:05Z"`}},
		{name: "create with a Go duration ttl", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"temp","role":"viewer","ttl":"90m"}`, wantStatus: 201,
			wantBody: []string{`"expiresAt":"2026-01-02T06:34:05Z"`}},
		{name: "create: unknown role", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"x","role":"root"}`, wantStatus: 400, wantCode: bulwark.EINVALID,
			wantMsg: []string{`unknown role "root"`}, wantField: "role"},
		{name: "create: missing role", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"x"}`, wantStatus: 400, wantMsg: []string{"role: is required"}, wantField: "role"},
		{name: "create: bad name", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"has space","role":"viewer"}`, wantStatus: 400, wantField: "name", wantMsg: []string{"token name"}},
		{name: "create: duplicate name", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"viewer","role":"viewer"}`, wantStatus: 409, wantCode: bulwark.ECONFLICT,
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if n := len(e.auditEntries()); n != 0 {
					t.Errorf("a failed call wrote %d audit entries", n)
				}
			}},
		{name: "create: bad ttl", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"x","role":"viewer","ttl":"forever"}`, wantStatus: 400, wantField: "ttl", wantMsg: []string{`"forever" is not a duration`}},
		{name: "create: negative ttl", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body: `{"name":"x","role":"viewer","ttl":"-5m"}`, wantStatus: 400, wantField: "ttl", wantMsg: []string{"must be positive"}},
		{name: "revoke a token", method: "DELETE", path: "/api/v1/tokens/{viewer.id}", headers: bearerFor("admin"),
			wantStatus: 200, wantBody: []string{`"id":"{viewer.id}"`, `"revokedAt":"`, `"auditSeq":1`},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				// Revocation takes effect at once.
				mustStatus(t, e.do("GET", "/api/v1/whoami", bearerFor("viewer"), ""), 401)
				entries := e.auditEntries()
				if len(entries) != 1 || entries[0].Action != "token.revoke" || entries[0].Target != "token:"+e.ids["viewer"] ||
					entries[0].Actor != "token:"+e.ids["admin"] {
					t.Errorf("audit entries %+v", entries)
				}
			}},
		{name: "revoke an unknown token", method: "DELETE", path: "/api/v1/tokens/0123456789abcdef", headers: bearerFor("admin"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND},
		{name: "revoke a malformed id", method: "DELETE", path: "/api/v1/tokens/nope", headers: bearerFor("admin"),
			wantStatus: 400, wantField: "id", wantMsg: []string{"16 lower-case hex digits"}},
	})
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	create := e.do("POST", "/api/v1/tokens", jsonHeaders("admin"), `{"name":"ops","role":"admin","ttl":"1h"}`)
	mustStatus(t, create, 201)
	var created createTokenResponse
	if err := json.Unmarshal(create.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	opsAuth := map[string]string{"Authorization": "Bearer " + created.Secret}

	// The new admin token creates and revokes another.
	c2 := e.do("POST", "/api/v1/tokens", map[string]string{"Authorization": "Bearer " + created.Secret, "Content-Type": "application/json"}, `{"name":"tmp","role":"viewer"}`)
	mustStatus(t, c2, 201)
	var tmp createTokenResponse
	if err := json.Unmarshal(c2.Body.Bytes(), &tmp); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.do("DELETE", "/api/v1/tokens/"+tmp.Token.ID, opsAuth, ""), 200)
	mustStatus(t, e.do("GET", "/api/v1/whoami", map[string]string{"Authorization": "Bearer " + tmp.Secret}, ""), 401)

	// The list shows both, the second revoked.
	list := e.do("GET", "/api/v1/tokens", opsAuth, "")
	mustStatus(t, list, 200)
	var got struct {
		Tokens []struct{ ID, Name, RevokedAt string }
	}
	if err := json.Unmarshal(list.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tk := range got.Tokens {
		seen[tk.Name] = true
		if tk.Name == "tmp" && tk.RevokedAt == "" {
			t.Error("tmp is not shown revoked")
		}
	}
	if !seen["ops"] || !seen["tmp"] {
		t.Errorf("list %s", list.Body)
	}

	// The ops token expires with its TTL.
	e.clock.Advance(61 * 60e9)
	mustStatus(t, e.do("GET", "/api/v1/whoami", opsAuth, ""), 401)

	// Exactly one audit entry per change, chained, without secrets.
	entries := e.auditEntries()
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action+" "+en.Actor)
		b, _ := json.Marshal(en)
		for _, secret := range []string{created.Secret, tmp.Secret} {
			_, part, _ := strings.Cut(strings.TrimPrefix(secret, "bwk_"), "_")
			if strings.Contains(string(b), part) {
				t.Errorf("entry %d carries a secret", en.Seq)
			}
		}
	}
	want := []string{
		"token.create token:" + e.ids["admin"],
		"token.create token:" + created.Token.ID,
		"token.revoke token:" + created.Token.ID,
	}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("audit actions %q, want %q", actions, want)
	}
	rep, err := audit.Verify(context.Background(), e.db, nil)
	if err != nil || !rep.Intact() {
		t.Errorf("chain not intact: %+v %v", rep, err)
	}
}

func TestDecodingErrors(t *testing.T) {
	t.Parallel()
	post := func(name, body string, headers map[string]string, status int, code string, msg ...string) scenario {
		if headers == nil {
			headers = jsonHeaders("admin")
		}
		sc := scenario{name: name, method: "POST", path: "/api/v1/tokens", headers: headers, body: body,
			wantStatus: status, wantCode: code, wantMsg: msg}
		if status >= 400 {
			sc.after = func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				if n := len(e.auditEntries()); n != 0 {
					t.Errorf("a rejected body wrote %d audit entries", n)
				}
			}
		}
		return sc
	}
	withCT := func(ct string) map[string]string {
		h := bearerFor("admin")
		if ct != "" {
			h["Content-Type"] = ct
		}
		return h
	}
	tooLarge := post("too large", `{"name":"x","role":"viewer","ttl":"`+strings.Repeat("1", 2000)+`"}`, nil,
		413, bulwark.ETOOLARGE, "larger than the limit of 1 KiB")
	tooLarge.configure = func(c *Config) { c.MaxBodyBytes = 1024 }
	runScenarios(t, []scenario{
		post("syntax error", `{"name":"a",}`, nil, 400, bulwark.EINVALID, "invalid JSON body: syntax error at byte 13"),
		post("unknown field", `{"name":"x","rol":"admin"}`, nil, 400, bulwark.EINVALID, `unknown field "rol"`, "known fields: name, person, role, ttl"),
		post("wrong type", `{"name":"x","role":5}`, nil, 400, bulwark.EINVALID, `field "role": want string, got number at byte 20`),
		post("wrong type: object", `{"name":{"a":1},"role":"viewer"}`, nil, 400, bulwark.EINVALID, `field "name": want string, got object`),
		post("not an object", `["name"]`, nil, 400, bulwark.EINVALID, "want a JSON object, got array"),
		post("null", `null`, nil, 400, bulwark.EINVALID, "want a JSON object, got null"),
		post("empty body", ``, nil, 400, bulwark.EINVALID, "request body is empty"),
		post("truncated", `{"name":"x"`, nil, 400, bulwark.EINVALID, "unexpected end of input at byte 11"),
		post("two values", `{"name":"x","role":"viewer"} {"name":"y"}`, nil, 400, bulwark.EINVALID, "unexpected data after the JSON object at byte 29"),
		post("trailing garbage", `{"name":"x","role":"viewer"}]`, nil, 400, bulwark.EINVALID, "at byte 28"),
		tooLarge,
		post("text/plain", `{"name":"x","role":"viewer"}`, withCT("text/plain"), 400, bulwark.EINVALID, "Content-Type must be application/json"),
		post("form", `name=x`, withCT("application/x-www-form-urlencoded"), 400, bulwark.EINVALID, "Content-Type must be application/json"),
		post("no content type", `{"name":"x","role":"viewer"}`, withCT(""), 400, bulwark.EINVALID, "Content-Type must be application/json"),
		post("latin1", `{"name":"x","role":"viewer"}`, withCT("application/json; charset=latin1"), 400, bulwark.EINVALID, "UTF-8"),
		post("charset utf-8 is fine", `{"name":"x","role":"viewer"}`, withCT("application/json; charset=UTF-8"), 201, ""),
	})
}

func TestAuditRoutes(t *testing.T) {
	t.Parallel()
	seed := func(n int) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			for i := 0; i < n; i++ {
				if _, err := e.log.Record(context.Background(), audit.Event{Actor: "system", Action: "test.event", Target: fmt.Sprint(i + 1)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	page := func(t *testing.T, rec *httptest.ResponseRecorder, wantSeqs []int64, wantNext *int64) {
		t.Helper()
		var p struct {
			Entries []audit.Entry
			Next    *int64
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, en := range p.Entries {
			seqs = append(seqs, en.Seq)
		}
		if fmt.Sprint(seqs) != fmt.Sprint(wantSeqs) {
			t.Errorf("seqs %v, want %v", seqs, wantSeqs)
		}
		if (p.Next == nil) != (wantNext == nil) || p.Next != nil && *p.Next != *wantNext {
			t.Errorf("next %v, want %v (%s)", p.Next, wantNext, rec.Body)
		}
	}
	i64 := func(v int64) *int64 { return &v }
	bad := func(name, query, msg string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/audit" + query, headers: bearerFor("admin"),
			wantStatus: 400, wantCode: bulwark.EINVALID, wantMsg: []string{msg}}
	}
	runScenarios(t, []scenario{
		{name: "empty log", method: "GET", path: "/api/v1/audit", headers: bearerFor("admin"),
			wantStatus: 200, wantBody: []string{`{"entries":[],"next":null}`}},
		{name: "first page", method: "GET", path: "/api/v1/audit?limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200, wantBody: []string{`"action":"test.event"`, `"prevHash":"` + audit.GenesisHash},
			after: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{1, 2}, i64(2)) }},
		{name: "middle page", method: "GET", path: "/api/v1/audit?after=2&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{3, 4}, i64(4)) }},
		{name: "last page", method: "GET", path: "/api/v1/audit?after=4&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{5}, nil) }},
		{name: "exact last page", method: "GET", path: "/api/v1/audit?after=3&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{4, 5}, nil) }},
		{name: "default limit", method: "GET", path: "/api/v1/audit", headers: bearerFor("admin"), setup: seed(101),
			wantStatus: 200,
			after: func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
				var want []int64
				for i := int64(1); i <= 100; i++ {
					want = append(want, i)
				}
				page(t, rec, want, i64(100))
			}},
		{name: "newest first", method: "GET", path: "/api/v1/audit?order=newest&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{5, 4}, i64(4)) }},
		{name: "newest first, older page", method: "GET", path: "/api/v1/audit?order=newest&before=4&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{3, 2}, i64(2)) }},
		{name: "newest first, oldest page", method: "GET", path: "/api/v1/audit?order=newest&before=2&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{1}, nil) }},
		{name: "newest first, empty log", method: "GET", path: "/api/v1/audit?order=newest", headers: bearerFor("admin"),
			wantStatus: 200, wantBody: []string{`{"entries":[],"next":null}`}},
		{name: "order oldest is the default", method: "GET", path: "/api/v1/audit?order=oldest&limit=2", headers: bearerFor("admin"), setup: seed(5),
			wantStatus: 200,
			after:      func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) { page(t, rec, []int64{1, 2}, i64(2)) }},
		bad("unknown order", "?order=random", "order: want oldest or newest"),
		bad("before without newest", "?before=3", "before: goes with order=newest"),
		bad("after with newest", "?order=newest&after=3", "after: goes with order=oldest"),
		bad("negative before", "?order=newest&before=-1", "before: must be a whole number"),
		bad("limit zero", "?limit=0", "limit: must be a whole number from 1 to 1000"),
		bad("limit too big", "?limit=1001", "from 1 to 1000"),
		bad("negative after", "?after=-1", "after: must be a whole number"),
		bad("after not a number", "?after=abc", `not "abc"`),
		bad("repeated", "?limit=1&limit=2", "give it once"),
		bad("unknown parameter", "?aftr=5", `unknown query parameter "aftr"`),
		{name: "a slow store runs into the handler timeout", method: "GET", path: "/api/v1/audit", headers: bearerFor("admin"),
			configure: func(c *Config) {
				c.HandlerTimeout = 50 * time.Millisecond
				c.AuditStore = slowAuditReads{Store: c.Audit.Store}
			},
			wantStatus: 504, wantCode: bulwark.ETIMEOUT, wantMsg: []string{"did not finish in time"}},
		{name: "verify intact", method: "GET", path: "/api/v1/audit/verify", headers: bearerFor("admin"), setup: seed(3),
			wantStatus: 200, wantBody: []string{`"entries":3`, `"intact":true`, `"verdict":"ok"`, `"head":{"seq":3`}},
		{name: "verify broken", method: "GET", path: "/api/v1/audit/verify", headers: bearerFor("admin"),
			setup: func(t *testing.T, e *env) {
				seed(3)(t, e)
				e.tamper(`UPDATE audit_log SET target = 'tampered' WHERE seq = 2`)
			},
			wantStatus: 200, wantBody: []string{`"intact":false`, `"verdict":"critical"`, `"broken":{"seq":2`}},
	})
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "unknown api route without token", method: "GET", path: "/api/v1/secrets",
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED},
		{name: "unknown api route", method: "GET", path: "/api/v1/secrets", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"no such route"}},
		{name: "unknown path", method: "GET", path: "/wp-admin",
			wantStatus: 404, wantCode: bulwark.ENOTFOUND},
		{name: "wrong method on whoami", method: "DELETE", path: "/api/v1/whoami", headers: bearerFor("viewer"),
			wantStatus: 405, wantCode: bulwark.EMETHOD, wantMsg: []string{"method DELETE is not allowed", "GET"},
			wantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{name: "wrong method without token", method: "DELETE", path: "/api/v1/whoami",
			wantStatus: 401},
		{name: "wrong method on healthz", method: "POST", path: "/healthz",
			wantStatus: 405, wantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{name: "wrong method on tokens", method: "PUT", path: "/api/v1/tokens", headers: bearerFor("admin"),
			wantStatus: 405, wantHeaders: map[string]string{"Allow": "GET, HEAD, POST"}},
		{name: "wrong method on a token", method: "GET", path: "/api/v1/tokens/{viewer.id}", headers: bearerFor("admin"),
			wantStatus: 405, wantHeaders: map[string]string{"Allow": "DELETE"}},
		{name: "head on healthz", method: "HEAD", path: "/healthz", wantStatus: 200},
		// A route's path written another way answers 404 naming the route,
		// for every route (TestEveryRouteNamedFromItsVariants); under
		// /api/v1 only after authentication.
		{name: "trailing slash", method: "GET", path: "/api/v1/whoami/", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"no such route: paths take no trailing slash; the route is GET /api/v1/whoami"}},
		{name: "trailing slash without token", method: "GET", path: "/api/v1/whoami/",
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED, notBody: []string{"whoami"}},
		{name: "trailing slash, another method", method: "POST", path: "/api/v1/whoami/", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"the route is /api/v1/whoami (GET, HEAD)"}},
		{name: "trailing slash on an unknown path", method: "GET", path: "/api/v1/secrets/", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"no such route"}, notBody: []string{"the route is"}},
		{name: "repeated slash, not redirected", method: "GET", path: "/api/v1//whoami", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"paths take no repeated slash or dot segment; the route is GET /api/v1/whoami"}},
		{name: "repeated slash without token", method: "GET", path: "//api/v1/whoami",
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED},
		{name: "dot segment", method: "GET", path: "/api/v1/tokens/../whoami", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"the route is GET /api/v1/whoami"}},
		{name: "the API root", method: "GET", path: "/api/v1", headers: bearerFor("viewer"),
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"no such route"}},
		{name: "the API root without token", method: "GET", path: "/api/v1",
			wantStatus: 401, wantCode: bulwark.EUNAUTHORIZED},
		{name: "trailing slash on healthz", method: "GET", path: "/healthz/",
			wantStatus: 404, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"the route is GET /healthz"}},
	})
}

// TestEveryRouteNamedFromItsVariants: every route, requested with a
// trailing slash or a repeated slash, answers the JSON 404 that names it
// (never the mux's bare redirect or "no such route").
func TestEveryRouteNamedFromItsVariants(t *testing.T) {
	t.Parallel()
	// Two requests a route from one token: more than the default burst.
	e := newEnv(t, func(c *Config) { c.RateLimit = -1 })
	if len(e.srv.patterns) < 20 {
		t.Fatalf("only %d routes registered: %q", len(e.srv.patterns), e.srv.patterns)
	}
	for _, pat := range e.srv.patterns {
		method, p, ok := strings.Cut(pat, " ")
		if !ok {
			continue // the fallbacks
		}
		// A concrete path: every {wildcard} segment becomes "x".
		segs := strings.Split(p, "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") {
				segs[i] = "x"
			}
		}
		p = strings.Join(segs, "/")
		for _, variant := range []string{p + "/", strings.Replace(p, "/", "//", 2)} {
			t.Run(method+" "+variant, func(t *testing.T) {
				t.Parallel()
				rec := e.do(method, variant, bearerFor("admin"), "")
				if rec.Code != http.StatusNotFound {
					t.Fatalf("status %d, want 404; body %s", rec.Code, rec.Body)
				}
				d := decodeErrorBody(t, rec.Body.Bytes())
				if want := "the route is " + method + " " + p; d.Code != bulwark.ENOTFOUND || !strings.HasSuffix(d.Message, want) {
					t.Errorf("error %+v, want %s ending in %q", d, bulwark.ENOTFOUND, want)
				}
			})
		}
	}
}

// TestExactRoutesAsTheMux: a request route serves without the mux (see
// exactRoute) is one the mux serves with the same route, for every
// route's path under every method and as the request line can spell it
// (escaped, with an escaped slash, a trailing or repeated slash, a dot
// segment); and the hot routes do take the short way.
func TestExactRoutesAsTheMux(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var paths []string
	for _, pat := range e.srv.patterns {
		if _, p, ok := strings.Cut(pat, " "); ok {
			paths = append(paths, p)
		}
	}
	paths = append(paths, "/", "/api/v1", "/api/v1/", "/nope")
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "get", "BREW"}
	taken := map[string]bool{}
	for _, p := range paths {
		variants := []string{p, p + "/", strings.Replace(p, "/", "//", 2), strings.Replace(p, "/v1/", "/v1/./", 1),
			strings.Replace(p, "e", "%65", 1), "/" + strings.Replace(p[1:], "/", "%2F", 2)}
		for _, v := range variants {
			for _, m := range methods {
				r := httptest.NewRequest("GET", "http://bulwark"+v, nil)
				r.Method = m
				_, muxPattern := e.srv.mux.Handler(r)
				if ex := e.srv.exactRoute(r); ex != nil {
					taken[ex.pattern] = true
					if ex.pattern != muxPattern {
						t.Errorf("%s %s: the short way serves %q, the mux %q", m, v, ex.pattern, muxPattern)
					}
				}
			}
		}
	}
	for _, hot := range []string{routeScreenAddress, routeScreenName, routeWhoami, routeHealthz} {
		if !taken[hot] {
			t.Errorf("%s does not take the short way", hot)
		}
	}
}

func TestAuditFailure(t *testing.T) {
	t.Parallel()
	down := errors.New("disk I/O error at /var/lib/bulwark")
	ctx := context.Background()
	// internalError checks that the answer is the bare "internal error" and
	// that the cause was logged.
	internalError := func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		if d := decodeErrorBody(t, rec.Body.Bytes()); d.Message != "internal error" || d.Field != "" {
			t.Errorf("error %+v, want only \"internal error\"", d)
		}
		if !strings.Contains(e.logs.String(), "disk I/O error") {
			t.Error("the cause was not logged")
		}
	}
	// noEntries checks that the audit log is still empty.
	noEntries := func(t *testing.T, e *env) {
		t.Helper()
		if entries := e.auditEntries(); len(entries) != 0 {
			t.Errorf("the audit log holds %d entries, want none: %+v", len(entries), entries[0])
		}
		if head, err := e.db.AuditHead(ctx); err != nil || head != (audit.Head{Seq: 0, Hash: audit.GenesisHash}) {
			t.Errorf("audit head %+v (%v), want the genesis", head, err)
		}
	}
	// oneEntry checks that the audit log holds exactly one entry, for the
	// given action by admin on target, and that the chain verifies.
	oneEntry := func(t *testing.T, e *env, action, target string) {
		t.Helper()
		entries := e.auditEntries()
		if len(entries) != 1 {
			t.Fatalf("%d audit entries, want 1: %+v", len(entries), entries)
		}
		if en := entries[0]; en.Seq != 1 || en.Actor != "token:"+e.ids["admin"] || en.Action != action || en.Target != target {
			t.Errorf("audit entry %+v, want %s by admin on %s", en, action, target)
		}
		rep, err := audit.Verify(ctx, e.db, nil)
		if err != nil || !rep.Intact() || rep.Entries != 1 || rep.Head.Seq != 1 || rep.Head.Hash != entries[0].Hash {
			t.Errorf("verify: %+v %v", rep, err)
		}
	}
	created := func(t *testing.T, rec *httptest.ResponseRecorder) createTokenResponse {
		t.Helper()
		var resp createTokenResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	runScenarios(t, []scenario{
		{name: "create is rolled back when the audit append fails", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body:       `{"name":"ghost","role":"admin"}`,
			configure:  failAppends(down),
			wantStatus: 500, wantCode: bulwark.EINTERNAL, wantMsg: []string{"internal error"},
			notBody: []string{"bwk_", "secret", "ghost", "/var/lib", "disk I/O"},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				internalError(t, e, rec)
				// The token was never kept: the list does not show it ...
				toks, err := e.db.ListTokens(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range toks {
					if tk.Name == "ghost" {
						t.Errorf("the unaudited token is in the store: %+v", tk)
					}
				}
				if n, err := e.db.CountTokens(ctx); err != nil || n != len(e.ids) {
					t.Errorf("the store holds %d tokens (%v), want the %d of the set-up", n, err, len(e.ids))
				}
				noEntries(t, e)
				// ... and its name is free again: an audited create of the
				// same name succeeds and is the log's first entry.
				var tok *auth.Token
				en, err := e.log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
					var err error
					_, tok, err = e.auth.Create(ctx, "ghost", auth.RoleAdmin, auth.CreateOptions{CreatedBy: "test"})
					if err != nil {
						return audit.Event{}, err
					}
					return audit.Event{Actor: "token:" + e.ids["admin"], Action: "token.create", Target: "token:" + tok.ID}, nil
				})
				if err != nil {
					t.Fatalf("create ghost after the rollback: %v", err)
				}
				if en.Seq != 1 || en.PrevHash != audit.GenesisHash {
					t.Errorf("entry after the rollback %+v, want seq 1 on the genesis", en)
				}
				oneEntry(t, e, "token.create", "token:"+tok.ID)
			}},
		{name: "revoke is rolled back when the audit append fails", method: "DELETE", path: "/api/v1/tokens/{viewer.id}", headers: bearerFor("admin"),
			configure:  failAppends(down),
			wantStatus: 500, wantCode: bulwark.EINTERNAL, wantMsg: []string{"internal error"},
			notBody: []string{"/var/lib", "disk I/O", "revokedAt"},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				internalError(t, e, rec)
				// The revocation was not kept: the token is active and
				// still authenticates.
				tok, err := e.db.TokenByID(ctx, e.ids["viewer"])
				if err != nil {
					t.Fatal(err)
				}
				if tok.RevokedAt != nil {
					t.Errorf("the unaudited revocation was kept: revoked at %v", tok.RevokedAt)
				}
				mustStatus(t, e.do("GET", "/api/v1/whoami", bearerFor("viewer"), ""), 200)
				noEntries(t, e)
			}},
		{name: "create is audited once", method: "POST", path: "/api/v1/tokens", headers: jsonHeaders("admin"),
			body:       `{"name":"audited","role":"viewer"}`,
			wantStatus: 201, wantBody: []string{`"secret":"bwk_`, `"name":"audited"`, `"auditSeq":1`},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				resp := created(t, rec)
				tok, err := e.db.TokenByID(ctx, resp.Token.ID)
				if err != nil || tok.Name != "audited" || tok.RevokedAt != nil {
					t.Errorf("stored token %+v (%v)", tok, err)
				}
				oneEntry(t, e, "token.create", "token:"+resp.Token.ID)
			}},
		{name: "revoke is audited once", method: "DELETE", path: "/api/v1/tokens/{viewer.id}", headers: bearerFor("admin"),
			wantStatus: 200, wantBody: []string{`"id":"{viewer.id}"`, `"revokedAt":"`, `"auditSeq":1`},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				tok, err := e.db.TokenByID(ctx, e.ids["viewer"])
				if err != nil || tok.RevokedAt == nil {
					t.Errorf("stored token %+v (%v), want it revoked", tok, err)
				}
				mustStatus(t, e.do("GET", "/api/v1/whoami", bearerFor("viewer"), ""), 401)
				oneEntry(t, e, "token.revoke", "token:"+e.ids["viewer"])
				// Revoking it again is idempotent: 200, the first time
				// kept, no second entry.
				again := e.do("DELETE", "/api/v1/tokens/"+e.ids["viewer"], bearerFor("admin"), "")
				if again.Code != 200 || !strings.Contains(again.Body.String(), `"alreadyRevoked":true`) ||
					!strings.Contains(again.Body.String(), `"revokedAt":"`+tok.RevokedAt.UTC().Format(time.RFC3339Nano)) || strings.Contains(again.Body.String(), "auditSeq") {
					t.Errorf("second revoke: %d %s", again.Code, again.Body)
				}
				oneEntry(t, e, "token.revoke", "token:"+e.ids["viewer"])
			}},
	})
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	var tokens *panickyTokens
	runScenarios(t, []scenario{
		{name: "a panicking store gives a JSON 500", method: "GET", path: "/api/v1/whoami", headers: bearerFor("viewer"),
			configure: func(c *Config) {
				tokens = &panickyTokens{TokenStore: c.Auth.Store}
				c.Auth = &auth.Service{Store: tokens, Now: c.Auth.Now}
			},
			setup:      func(t *testing.T, e *env) { tokens.panicking.Store(true) },
			wantStatus: 500, wantCode: bulwark.EINTERNAL, wantMsg: []string{"internal error"},
			notBody: []string{"goroutine", "simulated bug"},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				logs := e.logs.String()
				for _, s := range []string{"panic serving request", "simulated bug", "goroutine", `"status":500`} {
					if !strings.Contains(logs, s) {
						t.Errorf("log lacks %q", s)
					}
				}
				// The server goes on serving.
				tokens.panicking.Store(false)
				mustStatus(t, e.do("GET", "/api/v1/whoami", bearerFor("viewer"), ""), 200)
			}},
	})
}

func TestRateLimitPerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RateLimit = 0.01; c.Burst = 2 })
	for i := 0; i < 2; i++ {
		mustStatus(t, e.do("GET", "/api/v1/whoami", bearerFor("viewer"), ""), 200)
	}
	rec := e.do("GET", "/api/v1/whoami", bearerFor("viewer"), "")
	mustStatus(t, rec, 429)
	if got := rec.Header().Get("Retry-After"); got != "100" {
		t.Errorf("Retry-After %q, want 100", got)
	}
	if d := decodeErrorBody(t, rec.Body.Bytes()); d.Code != bulwark.ERATELIMITED || !strings.Contains(d.Message, "retry after 100 seconds") {
		t.Errorf("error %+v", d)
	}
	// Another token has its own budget.
	mustStatus(t, e.do("GET", "/api/v1/whoami", bearerFor("admin"), ""), 200)
	checkCommon(t, e, rec)
}

func TestRateLimitFailedAuth(t *testing.T) {
	t.Parallel()
	bad := "Bearer bwk_0123456789abcdef_" + strings.Repeat("cd", 32)
	from := func(remote, auth string, xff ...string) map[string]string {
		h := map[string]string{"RemoteAddr": remote, "Authorization": auth}
		if len(xff) > 0 {
			h["X-Forwarded-For"] = strings.Join(xff, ", ")
		}
		return h
	}
	// spend makes burst failed attempts answered 401, then checks that the
	// next is 429 with Retry-After.
	spend := func(t *testing.T, e *env, burst int, h map[string]string) {
		t.Helper()
		for i := 0; i < burst; i++ {
			mustStatus(t, e.do("GET", "/api/v1/whoami", h, ""), 401)
		}
		rec := e.do("GET", "/api/v1/whoami", h, "")
		mustStatus(t, rec, 429)
		if rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		if d := decodeErrorBody(t, rec.Body.Bytes()); d.Code != bulwark.ERATELIMITED || !strings.Contains(d.Message, "failed authentications") {
			t.Errorf("error %+v", d)
		}
	}

	t.Run("valid token from a locked address", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil) // the defaults: 10 failures
		spend(t, e, DefaultAuthFailureBurst, from("198.51.100.7:5555", bad))
		// The guesser's address is locked for bad tokens, but a token that
		// verifies is let through, from the same address.
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("198.51.100.7:6666", "Bearer {admin}"), ""), 200)
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("198.51.100.7:6667", "Bearer {viewer}"), ""), 200)
		// Guessing stays limited from that address...
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("198.51.100.7:5556", bad), ""), 429)
		// ...and only from it.
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("203.0.113.9:1", bad), ""), 401)
		// Public routes stay open for the locked address.
		mustStatus(t, e.do("GET", "/healthz", map[string]string{"RemoteAddr": "198.51.100.7:1"}, ""), 200)
	})

	t.Run("X-Forwarded-For of an untrusted peer is ignored", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *Config) {
			c.AuthFailureBurst = 3
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		})
		// The peer is not a trusted proxy: a new X-Forwarded-For each
		// time does not buy a new budget.
		for i := 0; i < 3; i++ {
			mustStatus(t, e.do("GET", "/api/v1/whoami", from("198.51.100.7:5555", bad, fmt.Sprintf("203.0.113.%d", i)), ""), 401)
		}
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("198.51.100.7:5555", bad, "203.0.113.200"), ""), 429)
	})

	t.Run("X-Forwarded-For ignored without trusted proxies", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *Config) { c.AuthFailureBurst = 3 })
		for i := 0; i < 3; i++ {
			mustStatus(t, e.do("GET", "/api/v1/whoami", from("10.0.0.1:5555", bad, fmt.Sprintf("203.0.113.%d", i)), ""), 401)
		}
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("10.0.0.1:5555", bad, "203.0.113.200"), ""), 429)
	})

	t.Run("clients behind a trusted proxy are limited separately", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *Config) {
			c.AuthFailureBurst = 3
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
		})
		// Client A, through two trusted proxies; it prepends a spoofed hop
		// of its own, which is not read.
		a := from("10.0.0.1:40000", bad, "192.0.2.99", "198.51.100.7", "10.1.2.3")
		spend(t, e, 3, a)
		// Spoofing another address left of its own does not help A.
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("10.0.0.1:40000", bad, "192.0.2.1", "198.51.100.7", "10.1.2.3"), ""), 429)
		// Client B, through the same proxy, has its own budget.
		b := from("10.0.0.1:40001", bad, "203.0.113.9")
		mustStatus(t, e.do("GET", "/api/v1/whoami", b, ""), 401)
		// A's valid token goes through.
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("10.0.0.1:40002", "Bearer {admin}", "198.51.100.7"), ""), 200)
		// Over IPv6, the proxy and the client both v6.
		spend(t, e, 3, from("[fd00::1]:443", bad, "2001:db8::1"))
		mustStatus(t, e.do("GET", "/api/v1/whoami", from("[fd00::1]:443", bad, "2001:db8:1::1"), ""), 401)
	})
}

func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	for _, through := range []string{"AccessLog", "Logger"} {
		t.Run(through, func(t *testing.T) {
			t.Parallel()
			var configure func(*Config)
			if through == "Logger" {
				configure = func(c *Config) { c.AccessLog = nil }
			}
			noSecretsInLogs(t, newEnv(t, configure))
		})
	}
}

func noSecretsInLogs(t *testing.T, e *env) {
	rec := e.do("POST", "/api/v1/tokens?token=querysecret", jsonHeaders("admin"), `{"name":"logcheck","role":"viewer"}`)
	mustStatus(t, rec, 201)
	var resp createTokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	logs := e.logs.String()
	for _, s := range []string{resp.Secret, "querysecret", "logcheck", "Bearer"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q", s)
		}
	}
	for _, s := range []string{`"route":"POST /api/v1/tokens"`, `"status":201`, `"token":"` + e.ids["admin"] + `"`, `"bytes":`} {
		if !strings.Contains(logs, s) {
			t.Errorf("access log lacks %s: %s", s, logs)
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	base := Config{Auth: e.srv.auth, Audit: e.log}
	for name, mutate := range map[string]func(*Config){
		"no auth":        func(c *Config) { c.Auth = nil },
		"no audit":       func(c *Config) { c.Audit = nil },
		"cert only":      func(c *Config) { c.TLSCertFile = "x.pem" },
		"missing files":  func(c *Config) { c.TLSCertFile, c.TLSKeyFile = "/nonexistent/c.pem", "/nonexistent/k.pem" },
		"negative body":  func(c *Config) { c.MaxBodyBytes = -1 },
		"negative burst": func(c *Config) { c.Burst = -1 },
		"reserved check": func(c *Config) {
			c.ReadyChecks = map[string]ReadyCheck{"ready": func(context.Context) error { return nil }}
		},
	} {
		c := base
		mutate(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted it", name)
		} else if bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(base); err != nil {
		t.Fatal(err)
	}
}

func TestStateChangingRoutesMustBeAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "handleChange") {
			t.Errorf("handle accepted an unaudited state-changing route (%v)", p)
		}
	}()
	e.srv.handle("POST /api/v1/things", "", func(http.ResponseWriter, *http.Request) error { return nil })
}
