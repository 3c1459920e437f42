package tomlsafe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/bulwark-sec/bulwark/internal/tomlsafe"
)

// TestCheckDepth: brackets and key parts are counted outside strings and
// comments only, up to the limit and not past it.
func TestCheckDepth(t *testing.T) {
	t.Parallel()
	deep := func(n int) string { return "a = " + strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		name, in string
		line     int // 0: accepted
		key      bool
	}{
		{"book", "[[entry]]\naddress = \"0x1\"\nkinds = [\"recipient\"]\nchain_id = 1\n", 0, false},
		{"arrays at the limit", deep(4), 0, false},
		{"arrays past the limit", "\n" + deep(5), 2, false},
		{"inline tables past the limit", "a = {b = {c = {d = {e = {}}}}}", 1, false},
		{"mixed past the limit", "a = [{b = [{c = [1]}]}]", 1, false},
		{"brackets in strings", `a = "[[[[[[" ` + "\nb = '{{{{{{'\nc = \"\"\"\n[[[[[[\\\"\"\"\"\nd = '''[[[[[['''", 0, false},
		{"brackets in a comment", "# [[[[[[[[\na = 1", 0, false},
		{"escaped quote", `a = "\"[[[[[[["`, 0, false},
		{"quote before a multi-line delimiter", "a = \"\"\"x\"\"\"\"\nb = " + strings.Repeat("[", 5), 2, false},
		{"dotted key at the limit", "a.b.c.d = 1", 0, false},
		{"dotted key past the limit", "a.b.c.d.e = 1", 1, true},
		{"dotted header past the limit", "[a.\"b\".c.d.e]", 1, true},
		{"dotted inline key past the limit", "x = {y = 1, a.b.c.d.e = 1}", 1, true},
		{"floats are not keys", "a = [1.5, 2.5, 3.5, 4.5, 5.5]\nb = 1.5", 0, false},
		{"key after a multi-line array", "a = [\n1.5,\n2.5,\n3.5,\n4.5,\n5.5]\nb.c = 1", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tomlsafe.CheckDepth(tc.in, 4)
			var de *tomlsafe.DepthError
			switch {
			case tc.line == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.line == 0:
				return
			case !errors.As(err, &de):
				t.Fatalf("error %v, want a DepthError", err)
			case de.Line != tc.line || de.Key != tc.key || de.Max != 4:
				t.Fatalf("error %+v (%v), want line %d, key %v", de, err, tc.line, tc.key)
			}
		})
	}
}

// TestDecodeRefusesDeepInput: a 4 MiB "[[[[…" (the decoder would
// recurse once per bracket, past the stack's limit) is refused at once,
// before decoding.
func TestDecodeRefusesDeepInput(t *testing.T) {
	t.Parallel()
	var v map[string]any
	_, err := tomlsafe.Decode("a = "+strings.Repeat("[", 4<<20), &v)
	if err == nil || !strings.Contains(err.Error(), "nested more than 16 deep") {
		t.Fatalf("error %v", err)
	}
}

// FuzzCheckDepth: input it lets through decodes (or fails to) without
// arrays nested deeper than the limit on any path.
func FuzzCheckDepth(f *testing.F) {
	for _, s := range []string{"a = [[1], [2]]", "[[entry]]\nlabel = \"[[\"", "a = {b = [1.5]}", "a.b.c = '''x'''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if tomlsafe.CheckDepth(in, 4) != nil {
			return
		}
		var v map[string]any
		if _, err := toml.Decode(in, &v); err != nil {
			return
		}
		if d := arrayDepth(v); d > 4 {
			t.Fatalf("arrays %d deep got through:\n%s", d, in)
		}
	})
}

func arrayDepth(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, arrayDepth(e))
		}
	case []map[string]any:
		for _, e := range x {
			d = max(d, arrayDepth(e))
		}
		d++
	case []any:
		for _, e := range x {
			d = max(d, arrayDepth(e))
		}
		d++
	}
	return d
}
