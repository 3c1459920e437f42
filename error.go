package bulwark

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error codes. They are part of the public API: JSON error bodies carry them
// in "error.code", and scripts may branch on them.
const (
	EINVALID      = "invalid"            // the caller sent something malformed or out of range
	ENOTFOUND     = "not_found"          // the thing asked for does not exist
	EUNAUTHORIZED = "unauthorized"       // no credentials, or credentials that do not check out
	EFORBIDDEN    = "forbidden"          // valid credentials whose role may not do this
	ECONFLICT     = "conflict"           // the request clashes with what is stored
	EMETHOD       = "method_not_allowed" // an HTTP method the route does not take
	ERATELIMITED  = "rate_limited"       // too many requests for this credential
	ETOOLARGE     = "too_large"          // a request body or input over its limit
	EUNAVAILABLE  = "unavailable"        // a dependency (node, store, list) cannot be reached
	ETIMEOUT      = "timeout"            // the work did not finish in its time
	EINTEGRITY    = "integrity"          // stored evidence failed verification (e.g. a broken audit chain)
	EINTERNAL     = "internal"           // a bug or an unexpected failure; details are logged, not shown
	EPENDING      = "approval_pending"   // the action waits for a second person's approval (dual control)
)

// Error is Bulwark's one error type. Code is machine-readable; Message is what
// a user sees and must never carry secrets or internals. Field, when set,
// names the input that was wrong. Err keeps the underlying cause for logs and
// errors.Is/As; it is never shown to users.
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error
}

// Error implements the error interface with the user-facing message, cut
// to MaxMessageBytes.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	if len(e.Message) > MaxMessageBytes {
		return cut(e.Message, MaxMessageBytes, "bytes")
	}
	return e.Message
}

// Limits on what an error message repeats of a caller's input. Errorf and
// Invalid apply them to their string arguments, so a caller cannot make a
// message (or the log line and the JSON body carrying it) echo a megabyte
// it sent; Error applies MaxMessageBytes to every message.
const (
	// MaxEcho is how many characters of a value quoted with %q a message
	// shows.
	MaxEcho = 64
	// maxEchoPlain is how many characters of a string formatted with %s or
	// %v a message shows (such strings are usually Bulwark's own text, such
	// as a path or a list of choices, but may carry input).
	maxEchoPlain = 512
	// MaxMessageBytes bounds a whole message.
	MaxMessageBytes = 2048
)

// Echo shortens s, a value a caller sent, for quoting in a message: at most
// MaxEcho characters of valid UTF-8, and when cut, "…(N bytes)" saying how
// long the value was.
func Echo(s string) string { return cut(s, MaxEcho, "chars") }

// cut returns s as valid UTF-8, shortened to n characters (unit "chars")
// or n bytes (unit "bytes") followed by "…(N bytes)" when longer.
func cut(s string, n int, unit string) string {
	if len(s) <= n && utf8.ValidString(s) {
		return s
	}
	total := len(s)
	i := 0
	if unit == "bytes" {
		i = min(n, len(s))
		for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
			i--
		}
	} else {
		for chars := 0; i < len(s) && chars < n; chars++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	if i >= len(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:i], "\uFFFD") + "…(" + strconv.Itoa(total) + " bytes)"
}

// echoArg is a string argument of Errorf: %q shows at most MaxEcho
// characters of it, %s and %v at most maxEchoPlain.
type echoArg string

func (a echoArg) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, fmt.FormatString(f, verb), cut(string(a), MaxEcho, "chars"))
	case 's', 'v':
		fmt.Fprintf(f, fmt.FormatString(f, verb), cut(string(a), maxEchoPlain, "chars"))
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), string(a))
	}
}

// Sprintf formats like fmt.Sprintf, shortening string and []byte
// arguments as Errorf does (see MaxEcho). Use it for every message that
// quotes a caller's input and is not built by Errorf or Invalid.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, echoArgs(args)...)
}

// echoArgs wraps the string-like arguments of a message in echoArg.
func echoArgs(args []any) []any {
	var out []any
	for i, a := range args {
		var s string
		switch v := a.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = echoArg(s)
	}
	if out == nil {
		return args
	}
	return out
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
// A %w verb in format wraps its argument as the cause, as fmt.Errorf does,
// but the message shown to users is the fully formatted text.
//
// String arguments are shortened (see MaxEcho): a message never repeats a
// huge input.
func Errorf(code, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, echoArgs(args)...)
	return &Error{Code: code, Message: wrapped.Error(), Err: errors.Unwrap(wrapped)}
}

// Invalid returns an EINVALID error naming the field at fault. The message
// should say what is wrong and how to fix it.
func Invalid(field, format string, args ...any) *Error {
	e := Errorf(EINVALID, format, args...)
	e.Field = field
	if field != "" {
		e.Message = field + ": " + e.Message
	}
	return e
}

// Wrap returns an *Error with the given code and message that keeps err as
// its cause. Use it to hide a low-level error behind a user-facing message.
func Wrap(err error, code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a
// nil error and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic text for anything else so that
// internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return err != nil && ErrorCode(err) == code }

// exitCodes is the one place where error codes meet process exit codes.
// Every code has an entry; unknown codes map like EINTERNAL. The HTTP
// adapter keeps the matching table of statuses (httpapi), and its tests
// check that every code here has one.
var exitCodes = map[string]int{
	EINVALID:      ExitError,
	ENOTFOUND:     ExitError,
	EUNAUTHORIZED: ExitError,
	EFORBIDDEN:    ExitError,
	ECONFLICT:     ExitError,
	EMETHOD:       ExitError,
	ERATELIMITED:  ExitError,
	ETOOLARGE:     ExitError,
	EUNAVAILABLE:  ExitError,
	ETIMEOUT:      ExitError,
	EINTEGRITY:    ExitBlock,
	EINTERNAL:     ExitError,
	EPENDING:      ExitReview,
}

// ErrorExitCode returns the process exit code for err (0 for nil).
func ErrorExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if code, ok := exitCodes[ErrorCode(err)]; ok {
		return code
	}
	return ExitError
}

// Codes returns every known error code, sorted, for documentation and
// tests (an adapter's table of its own, such as the HTTP statuses, is
// checked against it).
func Codes() []string {
	out := make([]string, 0, len(exitCodes))
	for c := range exitCodes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
