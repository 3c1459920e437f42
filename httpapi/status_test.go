package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
	}{
		{nil, http.StatusOK},
		{bulwark.Invalid("--addr", "want HOST:PORT"), 400},
		{bulwark.Errorf(bulwark.ENOTFOUND, "no token %q", "x"), 404},
		{bulwark.Errorf(bulwark.EUNAUTHORIZED, "bad token"), 401},
		{bulwark.Errorf(bulwark.EFORBIDDEN, "no"), 403},
		{bulwark.Errorf(bulwark.ECONFLICT, "dup"), 409},
		{bulwark.Errorf(bulwark.EMETHOD, "use GET"), 405},
		{bulwark.Errorf(bulwark.ERATELIMITED, "slow down"), 429},
		{bulwark.Errorf(bulwark.ETOOLARGE, "big"), 413},
		{bulwark.Errorf(bulwark.EUNAVAILABLE, "node down"), 503},
		{bulwark.Errorf(bulwark.ETIMEOUT, "slow"), 504},
		{bulwark.Errorf(bulwark.EINTEGRITY, "chain broken"), 409},
		{bulwark.Errorf(bulwark.EINTERNAL, "bug"), 500},
		{io.EOF, 500},
		{fmt.Errorf("context: %w", bulwark.Errorf(bulwark.ENOTFOUND, "gone")), 404},
		{&bulwark.Error{Code: "made_up"}, 500},
	}
	for _, tt := range tests {
		if got := httpStatus(tt.err); got != tt.status {
			t.Errorf("httpStatus(%v) = %d, want %d", tt.err, got, tt.status)
		}
	}
}

// TestEveryCodeHasAStatus fails when a bulwark error code is added without
// an HTTP status here (it would answer 500), or a status is kept for a
// code that no longer exists.
func TestEveryCodeHasAStatus(t *testing.T) {
	t.Parallel()
	codes := bulwark.Codes()
	for _, c := range codes {
		if _, ok := statuses[c]; !ok {
			t.Errorf("error code %q has no HTTP status in statuses", c)
		}
	}
	if len(statuses) != len(codes) {
		t.Errorf("statuses has %d rows for %d error codes %v", len(statuses), len(codes), codes)
	}
}
