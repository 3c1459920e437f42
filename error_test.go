package bulwark_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestErrorTables(t *testing.T) {
	tests := []struct {
		err  error
		code string
		exit int
		msg  string
	}{
		{nil, "", bulwark.ExitOK, ""},
		{bulwark.Invalid("--addr", "want HOST:PORT"), bulwark.EINVALID, bulwark.ExitError, "--addr: want HOST:PORT"},
		{bulwark.Errorf(bulwark.ENOTFOUND, "no token %q", "x"), bulwark.ENOTFOUND, bulwark.ExitError, `no token "x"`},
		{bulwark.Errorf(bulwark.EUNAUTHORIZED, "bad token"), bulwark.EUNAUTHORIZED, bulwark.ExitError, "bad token"},
		{bulwark.Errorf(bulwark.EFORBIDDEN, "no"), bulwark.EFORBIDDEN, bulwark.ExitError, "no"},
		{bulwark.Errorf(bulwark.ECONFLICT, "dup"), bulwark.ECONFLICT, bulwark.ExitError, "dup"},
		{bulwark.Errorf(bulwark.EMETHOD, "use GET"), bulwark.EMETHOD, bulwark.ExitError, "use GET"},
		{bulwark.Errorf(bulwark.ERATELIMITED, "slow down"), bulwark.ERATELIMITED, bulwark.ExitError, "slow down"},
		{bulwark.Errorf(bulwark.ETOOLARGE, "big"), bulwark.ETOOLARGE, bulwark.ExitError, "big"},
		{bulwark.Errorf(bulwark.EUNAVAILABLE, "node down"), bulwark.EUNAVAILABLE, bulwark.ExitError, "node down"},
		{bulwark.Errorf(bulwark.ETIMEOUT, "slow"), bulwark.ETIMEOUT, bulwark.ExitError, "slow"},
		{bulwark.Errorf(bulwark.EINTEGRITY, "chain broken"), bulwark.EINTEGRITY, bulwark.ExitBlock, "chain broken"},
		{bulwark.Errorf(bulwark.EINTERNAL, "bug"), bulwark.EINTERNAL, bulwark.ExitError, "bug"},
		{io.EOF, bulwark.EINTERNAL, bulwark.ExitError, "internal error"},
		{fmt.Errorf("context: %w", bulwark.Errorf(bulwark.ENOTFOUND, "gone")), bulwark.ENOTFOUND, bulwark.ExitError, "gone"},
		{&bulwark.Error{Code: "made_up"}, "made_up", bulwark.ExitError, "made_up"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			if got := bulwark.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := bulwark.ErrorExitCode(tt.err); got != tt.exit {
				t.Errorf("ErrorExitCode = %d, want %d", got, tt.exit)
			}
			if got := bulwark.ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
		})
	}
}

func TestErrorfWrapsCause(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	err := bulwark.Errorf(bulwark.EUNAVAILABLE, "node: %w", cause)
	if !errors.Is(err, cause) {
		t.Fatal("Errorf with %w lost the cause")
	}
	if err.Error() != "node: unexpected EOF" {
		t.Fatalf("message = %q", err.Error())
	}
	w := bulwark.Wrap(cause, bulwark.EINTERNAL, "cannot read")
	if !errors.Is(w, cause) || w.Error() != "cannot read" {
		t.Fatalf("Wrap = %v", w)
	}
	if e := bulwark.Invalid("role", "x"); e.Field != "role" {
		t.Fatalf("Invalid lost the field: %+v", e)
	}
}

func TestEveryCodeHasARow(t *testing.T) {
	// Codes() lists the exit-code table's rows: each constant must be in
	// the table, and a code added without a row (or without this list
	// growing) fails here.
	codes := bulwark.Codes()
	want := []string{bulwark.EINVALID, bulwark.ENOTFOUND, bulwark.EUNAUTHORIZED, bulwark.EFORBIDDEN, bulwark.ECONFLICT, bulwark.EMETHOD,
		bulwark.ERATELIMITED, bulwark.ETOOLARGE, bulwark.EUNAVAILABLE, bulwark.ETIMEOUT, bulwark.EINTEGRITY, bulwark.EINTERNAL, bulwark.EPENDING}
	slices.Sort(want)
	if !slices.Equal(codes, want) {
		t.Errorf("Codes() = %v, want %v: a code was added without a table row or this test", codes, want)
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		v    bulwark.Verdict
		exit int
	}{
		{bulwark.VerdictOK, 0}, {bulwark.VerdictClear, 0}, {bulwark.VerdictReview, 2},
		{bulwark.VerdictBlock, 3}, {bulwark.VerdictReject, 3}, {bulwark.VerdictCritical, 3},
		{bulwark.Verdict("bogus"), 1},
	}
	for _, tt := range tests {
		if got := tt.v.ExitCode(); got != tt.exit {
			t.Errorf("%s.ExitCode() = %d, want %d", tt.v, got, tt.exit)
		}
	}
	if w := bulwark.Worst(bulwark.VerdictOK, bulwark.VerdictReview, bulwark.VerdictClear); w != bulwark.VerdictReview {
		t.Errorf("Worst = %s", w)
	}
	if w := bulwark.Worst(bulwark.VerdictReview, bulwark.VerdictReject, bulwark.VerdictBlock); w != bulwark.VerdictReject {
		t.Errorf("Worst = %s, want the first of the worst rank", w)
	}
	if w := bulwark.Worst(); w != "" {
		t.Errorf("Worst() = %q", w)
	}
	if _, err := bulwark.ParseVerdict("maybe"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("ParseVerdict(maybe) = %v", err)
	}
	if v, err := bulwark.ParseVerdict("block"); err != nil || v != bulwark.VerdictBlock {
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
		{"quoted", bulwark.Invalid("subject", "%q is not valid", huge), `subject: "` + strings.Repeat("A", bulwark.MaxEcho) + `…(1048576 bytes)" is not valid`, 200},
		{"plain", bulwark.Errorf(bulwark.EINVALID, "bad: %s", huge), "bad: " + strings.Repeat("A", 512) + "…(1048576 bytes)", 600},
		{"bytes", bulwark.Errorf(bulwark.EINVALID, "bad: %q", []byte(huge)), `bad: "` + strings.Repeat("A", bulwark.MaxEcho) + `…(1048576 bytes)"`, 200},
		{"short kept", bulwark.Errorf(bulwark.EINVALID, "unknown use %q", "payroll"), `unknown use "payroll"`, 100},
		{"multibyte", bulwark.Invalid("name", "%q", strings.Repeat("é", 100)), `name: "` + strings.Repeat("é", bulwark.MaxEcho) + `…(200 bytes)"`, 200},
		{"invalid UTF-8", bulwark.Invalid("x", "%s", "a\xffb"), "x: a\uFFFDb", 100},
		{"built elsewhere", &bulwark.Error{Code: bulwark.EINVALID, Message: huge}, strings.Repeat("A", bulwark.MaxMessageBytes) + "…(1048576 bytes)", bulwark.MaxMessageBytes + 20},
		{"Sprintf", errors.New(bulwark.Sprintf("id %q", huge)), "", 100},
		{"%w kept", bulwark.Errorf(bulwark.EUNAVAILABLE, "node: %w", io.ErrUnexpectedEOF), "node: unexpected EOF", 100},
		{"width", bulwark.Errorf(bulwark.EINVALID, "[%-5s]", "ab"), "[ab   ]", 100},
	} {
		got := tc.err.Error()
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: %.120q…, want %.120q…", tc.name, got, tc.want)
		}
		if len(got) > tc.max {
			t.Errorf("%s: %d bytes", tc.name, len(got))
		}
	}
	if got := bulwark.Echo("short"); got != "short" {
		t.Errorf("Echo kept %q", got)
	}
}
