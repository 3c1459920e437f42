package ethrpc

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody: the body is read whole whatever size the response
// declares (right, too small, too large, unknown), in small reads too, and
// no more than the limit.
func TestReadBody(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 300)
	for _, hint := range []int64{-1, 0, 1, 2999, 3000, 3001, 1 << 20} {
		for _, half := range []bool{false, true} {
			var r io.Reader = strings.NewReader(body)
			if half {
				r = iotest.HalfReader(r)
			}
			got, err := readBody(r, hint, 1<<20)
			if err != nil || string(got) != body {
				t.Fatalf("hint %d: read %d bytes, %v", hint, len(got), err)
			}
		}
		got, err := readBody(strings.NewReader(body), hint, 1001)
		if err != nil || len(got) != 1001 || !bytes.Equal(got, []byte(body[:1001])) {
			t.Fatalf("hint %d, limit 1001: read %d bytes, %v", hint, len(got), err)
		}
	}
	boom := errors.New("boom")
	if _, err := readBody(iotest.ErrReader(boom), 10, 100); !errors.Is(err, boom) {
		t.Fatalf("a read error gives %v", err)
	}
}
