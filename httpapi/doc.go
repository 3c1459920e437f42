// Package httpapi is Bulwark's JSON API over HTTP: routes, bearer-token
// authentication, rate limits, metrics, the access log and the mapping of
// bulwark error codes onto HTTP statuses (one table, status.go; exit codes
// are the root package's).
//
// # Routes
//
//	GET    /healthz                 no token; {"status":"ok"} while the process runs
//	GET    /readyz                  no token; 200 {"status":"ready"} or
//	                                503 {"status":"not_ready","checks":{"ready":"..."}}
//	GET    /metrics                 Prometheus text; a token with read permission
//	                                unless Config.MetricsPublic
//	GET    /api/v1/whoami           read: the calling token's id, name, role, permissions
//	GET    /api/v1/tokens           admin: {"tokens":[...]}, revoked ones included
//	POST   /api/v1/tokens           admin: {"name","role","ttl"?} → 201
//	                                {"secret","token":{...},"auditSeq"}; the secret is shown once
//	DELETE /api/v1/tokens/{id}      admin: revoke → {"token":{...},"auditSeq"}
//	GET    /api/v1/audit            admin: ?after=N&limit=M (default 100, at most 1000) →
//	                                {"entries":[...],"next":N|null}; ?order=newest&before=N
//	                                lists newest first, next being the next page's before
//	GET    /api/v1/audit/verify     admin: the audit.Report plus "intact" and "verdict"
//
// Every /api/v1 route needs "Authorization: Bearer TOKEN": without it, or
// with a token that is malformed, unknown, revoked or expired, the answer is
// 401 with "WWW-Authenticate: Bearer"; a role without the route's permission
// gets 403. An unknown /api/v1 path is 404 only after authentication, so
// probing without a token learns nothing. A known path with the wrong method
// is 405 with an Allow header.
//
// # Errors
//
// Every error body is {"error":{"code":"...","message":"...","field":"..."}}
// with the code and message of the bulwark.Error and the status its code
// maps to in status.go ("field" only when known). Errors that are not a
// *bulwark.Error show as "internal error"; 5xx errors are logged in full. A
// panic in a handler is recovered into a 500 "internal error"; the stack goes
// to the log only.
//
// JSON bodies must be sent with Content-Type application/json (else 400),
// be at most Config.MaxBodyBytes (else 413 too_large naming the limit), hold
// exactly one object and only known fields; messages name the field, the
// wanted type and the byte offset of the problem.
//
// # Audit
//
// Every state-changing call (POST, PUT, PATCH, DELETE under /api/v1) is
// appended to the audit log with actor "token:<id>", an action such as
// "token.create" or "token.revoke", the target ("token:<id>") and details that include
// the request id — never a secret, never the Authorization header. The
// change and its entry are written in one store transaction (audit.Log.Do),
// and only then is the response sent: the log holds every change that was
// made, even across a crash, and a caller never gets a success (nor a new
// token's secret) for a change the log does not hold. If the entry cannot
// be written, the change is rolled back and the caller gets a 500. The
// request body is read and checked before the transaction opens, so a slow
// client never holds the store's writer.
// Failed and refused calls are not audited; the access log records them.
// The co-signer's routes (/api/v1/safe/cosign, /api/v1/safe/approvals) are
// the exception: the co-signer audits every request, refusals included,
// and a request refused before it reaches it (a body or path that does
// not parse) is audited as refused too, under the token.
//
// # Limits
//
// Each token may send Config.RateLimit requests per second with bursts of
// Config.Burst; past that the answer is 429 rate_limited with Retry-After.
// Each client address (IPv6 by /64) may fail authentication
// Config.AuthFailureBurst times, refilled at Config.AuthFailureRate per
// second; once spent, its further failures are answered 429 instead of 401.
// A token that verifies is always let through, so a guesser on the same
// address (or behind the same proxy) cannot lock out valid callers. The client
// address is the connection's peer; only when the peer is one of
// Config.TrustedProxies is X-Forwarded-For read, right to left, up to the
// first hop that is not a trusted proxy. Both tables are bounded LRUs.
// Each request's context carries a deadline of Config.HandlerTimeout.
//
// # Logs, metrics, headers
//
// The access log (log/slog) has method, route pattern, status, duration,
// bytes, request id and token id: never a token, a body, a raw path or a
// query string. The metrics are bulwark_http_requests_total,
// bulwark_http_request_duration_seconds (labels route, method, code),
// bulwark_http_requests_in_flight and bulwark_build_info, plus the Go and
// process collectors, on a registry owned by the Server. Every response
// carries X-Request-Id (the caller's, if safe, else a new one),
// "Content-Type: application/json; charset=utf-8", "X-Content-Type-Options:
// nosniff", "Cache-Control: no-store", a deny-all Content-Security-Policy
// (frame-ancestors 'none' refuses framing, so X-Frame-Options is not
// sent, nor Referrer-Policy, which a JSON answer has no use for) and, over
// TLS, Strict-Transport-Security.
//
// # Serving
//
// Server.Serve and Server.ListenAndServe run until their context is
// cancelled and then shut down gracefully. With TLSCertFile and TLSKeyFile
// the server speaks TLS 1.2 or later; without them on a non-loopback address
// it logs a warning, since tokens would cross the network in clear text.
package httpapi
