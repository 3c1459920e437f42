package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
)

// ErrorBody is the JSON body of every error response:
// {"error":{"code":"...","message":"...","field":"..."}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
	// Approval is the request an action under dual control now waits on
	// (code approval_pending, status 202).
	Approval *approval.Request `json:"approval,omitempty"`
}

// ErrorDetail carries a bulwark.Error's code, its user-facing message and,
// when known, the input field at fault.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeJSON writes v as the JSON body with the given status. The security
// headers, Content-Type included, were set by the base middleware.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, bulwark.Wrap(err, bulwark.EINTERNAL, "internal error"))
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers with err's code, message and status from the
// statuses table. Errors that map to a 5xx status are logged with their full
// chain; users see the bulwark.Error message without internal locations
// (see withhold), and "internal error" for EINTERNAL and for any error
// that is not a *bulwark.Error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = contextError(err)
	status, code, message, withheld := Public(err)
	detail := ErrorDetail{Code: code, Message: message}
	var be *bulwark.Error
	if errors.As(err, &be) {
		detail.Field = be.Field
	}
	info := infoFrom(r.Context())
	if info != nil {
		info.errCode = detail.Code
		if withheld {
			detail.Message += " (the server log has the details under request id " + info.requestID + ")"
		}
	}
	if status >= 500 {
		attrs := []any{"code", detail.Code, "err", err.Error()}
		if info != nil {
			attrs = append(attrs, "route", info.route, "request_id", info.requestID, "token", info.tokenID)
		}
		s.log.ErrorContext(r.Context(), "request failed", attrs...)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="bulwark"`)
	}
	body := ErrorBody{Error: detail}
	if p := approval.PendingRequest(err); p != nil && detail.Code == bulwark.EPENDING {
		body.Approval = p
		w.Header().Set("Location", "/api/v1/approvals/"+p.ID)
	}
	s.writeJSON(w, r, status, body)
}

// Public returns what a caller may be shown of err, as the API's error
// bodies show it: the HTTP status of its code, the code, and the
// user-facing message, "internal error" for EINTERNAL (a bug's text, Go
// names and paths, is for the log) and with internal locations replaced
// by Withheld (withheld reports whether any were). The console's error
// pages use it too.
func Public(err error) (status int, code, message string, withheld bool) {
	err = contextError(err)
	status, code, message = httpStatus(err), bulwark.ErrorCode(err), bulwark.ErrorMessage(err)
	if code == bulwark.EINTERNAL {
		return status, code, "internal error", false
	}
	if w := withhold(message, status >= 500); w != message {
		return status, code, w, true
	}
	return status, code, message, false
}

// contextError turns a bare context error (the handler deadline, a client
// that went away) into a bulwark.Error; a *bulwark.Error keeps its own code.
func contextError(err error) error {
	var be *bulwark.Error
	if errors.As(err, &be) {
		return err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return bulwark.Wrap(err, bulwark.ETIMEOUT, "the request did not finish in time")
	case errors.Is(err, context.Canceled):
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "the request was cancelled")
	}
	return err
}

// Withheld is what an error body shows in place of an internal location.
const Withheld = "[withheld]"

// internalLocation matches what an error body must not show a caller: URLs,
// IP addresses, host:port pairs and the host of a DNS lookup (a node, a
// list source, the resolver). serverPath also matches absolute file paths,
// which 5xx bodies must not show either (the data directory).
var (
	internalLocation = regexp.MustCompile(`(?i)` +
		`\b[a-z][a-z0-9+.-]*://[^\s;,()"'<>]*[^\s;,()"'<>:.]` + // URL
		`|\blookup [^\s:;,()"']+` + // "lookup HOST on …"
		`|\[[0-9a-z:.%_-]*:[0-9a-z:.%_-]*\](?::\d{1,5})?` + // [IPv6]:port
		`|\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b` + // IPv4[:port]
		`|(?:\b[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:?)*[0-9a-f]{0,4}` + // IPv6 with ::
		`|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b` + // full IPv6
		`|\b[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*:\d{1,5}\b`) // host:port
	serverPath = regexp.MustCompile(`(?:^|[\s(="'])(/[^\s;,()"']+)`)
)

// withhold replaces internal locations in an error message with Withheld;
// serverError also withholds absolute file paths. The server log keeps the
// whole message.
func withhold(msg string, serverError bool) string {
	out := internalLocation.ReplaceAllStringFunc(msg, func(m string) string {
		if strings.HasPrefix(strings.ToLower(m), "lookup ") {
			return m[:7] + Withheld
		}
		return Withheld
	})
	if serverError {
		out = serverPath.ReplaceAllStringFunc(out, func(m string) string {
			if m[0] == '/' {
				return Withheld
			}
			return m[:1] + Withheld
		})
	}
	return out
}
