package bulwark

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestErrorTables(t *testing.T) {
	tests := []struct {
		err  error
		code string
		exit int
		msg  string
	}{
		{nil, "", ExitOK, ""},
		{Invalid("--addr", "want HOST:PORT"), EINVALID, ExitError, "--addr: want HOST:PORT"},
		{Errorf(ENOTFOUND, "no token %q", "x"), ENOTFOUND, ExitError, `no token "x"`},
		{Errorf(EUNAUTHORIZED, "bad token"), EUNAUTHORIZED, ExitError, "bad token"},
		{Errorf(EFORBIDDEN, "no"), EFORBIDDEN, ExitError, "no"},
		{Errorf(ECONFLICT, "dup"), ECONFLICT, ExitError, "dup"},
		{Errorf(EMETHOD, "use GET"), EMETHOD, ExitError, "use GET"},
		{Errorf(ERATELIMITED, "slow down"), ERATELIMITED, ExitError, "slow down"},
		{Errorf(ETOOLARGE, "big"), ETOOLARGE, ExitError, "big"},
		{Errorf(EUNAVAILABLE, "node down"), EUNAVAILABLE, ExitError, "node down"},
		{Errorf(ETIMEOUT, "slow"), ETIMEOUT, ExitError, "slow"},
		{Errorf(EINTEGRITY, "chain broken"), EINTEGRITY, ExitBlock, "chain broken"},
		{Errorf(EINTERNAL, "bug"), EINTERNAL, ExitError, "bug"},
		{io.EOF, EINTERNAL, ExitError, "internal error"},
		{fmt.Errorf("context: %w", Errorf(ENOTFOUND, "gone")), ENOTFOUND, ExitError, "gone"},
		{&Error{Code: "made_up"}, "made_up", ExitError, "made_up"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorExitCode(tt.err); got != tt.exit {
				t.Errorf("ErrorExitCode = %d, want %d", got, tt.exit)
			}
			if got := ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
		})
	}
}

func TestErrorfWrapsCause(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	err := Errorf(EUNAVAILABLE, "node: %w", cause)
	if !errors.Is(err, cause) {
		t.Fatal("Errorf with %w lost the cause")
	}
	if err.Error() != "node: unexpected EOF" {
		t.Fatalf("message = %q", err.Error())
	}
	w := Wrap(cause, EINTERNAL, "cannot read")
	if !errors.Is(w, cause) || w.Error() != "cannot read" {
		t.Fatalf("Wrap = %v", w)
	}
	if e := Invalid("role", "x"); e.Field != "role" {
		t.Fatalf("Invalid lost the field: %+v", e)
	}
}

func TestEveryCodeHasARow(t *testing.T) {
	codes := Codes()
	for _, c := range codes {
		if _, ok := exitCodes[c]; !ok {
			t.Errorf("code %s has no exit code", c)
		}
	}
	// Each constant must be in the table; a code added without a row (or
	// without this list growing) fails here.
	want := []string{EINVALID, ENOTFOUND, EUNAUTHORIZED, EFORBIDDEN, ECONFLICT, EMETHOD,
		ERATELIMITED, ETOOLARGE, EUNAVAILABLE, ETIMEOUT, EINTEGRITY, EINTERNAL}
	slices.Sort(want)
	if !slices.Equal(codes, want) {
		t.Errorf("Codes() = %v, want %v: a code was added without a table row or this test", codes, want)
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		v    Verdict
		exit int
	}{
		{VerdictOK, 0}, {VerdictClear, 0}, {VerdictReview, 2},
		{VerdictBlock, 3}, {VerdictReject, 3}, {VerdictCritical, 3},
		{Verdict("bogus"), 1},
	}
	for _, tt := range tests {
		if got := tt.v.ExitCode(); got != tt.exit {
			t.Errorf("%s.ExitCode() = %d, want %d", tt.v, got, tt.exit)
		}
	}
	if w := Worst(VerdictOK, VerdictReview, VerdictClear); w != VerdictReview {
		t.Errorf("Worst = %s", w)
	}
	if w := Worst(VerdictReview, VerdictReject, VerdictBlock); w != VerdictReject {
		t.Errorf("Worst = %s, want the first of the worst rank", w)
	}
	if w := Worst(); w != "" {
		t.Errorf("Worst() = %q", w)
	}
	if _, err := ParseVerdict("maybe"); ErrorCode(err) != EINVALID {
		t.Errorf("ParseVerdict(maybe) = %v", err)
	}
	if v, err := ParseVerdict("block"); err != nil || v != VerdictBlock {
		t.Errorf("ParseVerdict(block) = %v, %v", v, err)
	}
}

// A message never repeats a huge input: %q shows MaxEcho characters and
// says how long the value was, %s a bounded prefix, and a whole message is
// cut to MaxMessageBytes.
func TestErrorsDoNotEchoHugeInput(t *testing.T) {
	huge := strings.Repeat("A", 1<<20)
	for _, tc := range []struct {
		name string
		err  error
		want string
		max  int
	}{
		{"quoted", Invalid("subject", "%q is not valid", huge), `subject: "` + strings.Repeat("A", MaxEcho) + `…(1048576 bytes)" is not valid`, 200},
		{"plain", Errorf(EINVALID, "bad: %s", huge), "bad: " + strings.Repeat("A", 512) + "…(1048576 bytes)", 600},
		{"bytes", Errorf(EINVALID, "bad: %q", []byte(huge)), `bad: "` + strings.Repeat("A", MaxEcho) + `…(1048576 bytes)"`, 200},
		{"short kept", Errorf(EINVALID, "unknown use %q", "payroll"), `unknown use "payroll"`, 100},
		{"multibyte", Invalid("name", "%q", strings.Repeat("é", 100)), `name: "` + strings.Repeat("é", MaxEcho) + `…(200 bytes)"`, 200},
		{"invalid UTF-8", Invalid("x", "%s", "a\xffb"), "x: a\uFFFDb", 100},
		{"built elsewhere", &Error{Code: EINVALID, Message: huge}, strings.Repeat("A", MaxMessageBytes) + "…(1048576 bytes)", MaxMessageBytes + 20},
		{"Sprintf", errors.New(Sprintf("id %q", huge)), "", 100},
		{"%w kept", Errorf(EUNAVAILABLE, "node: %w", io.ErrUnexpectedEOF), "node: unexpected EOF", 100},
		{"width", Errorf(EINVALID, "[%-5s]", "ab"), "[ab   ]", 100},
	} {
		got := tc.err.Error()
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: %.120q…, want %.120q…", tc.name, got, tc.want)
		}
		if len(got) > tc.max {
			t.Errorf("%s: %d bytes", tc.name, len(got))
		}
	}
	if got := Echo("short"); got != "short" {
		t.Errorf("Echo kept %q", got)
	}
}
