package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// FuzzHireFiles: any value of a file member splits into files or is
// refused with an EINVALID error naming the member; records come out one
// JSON object a line, and a file's contents as given.
func FuzzHireFiles(f *testing.F) {
	for _, s := range []string{`"id,full_name\nA-1,Ana\n"`, `[{"id":"A-1","emails":["a@b.c"]},"id\nB\n",{"id":"A-2"}]`, `[]`, `null`, `42`, `[42]`,
		`[{"id":"A\n1"}]`, `"\u0000"`, `[{"a":{"b":[1,2,{"c":"d"}]}}]`, `["x","y"]`, `[{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		files, err := hireFiles("logins", json.RawMessage(raw))
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		for _, fl := range files {
			if fl.name != "logins" || !bytes.HasPrefix(bytes.TrimSpace([]byte(raw)), []byte("[")) {
				continue
			}
			for _, line := range bytes.Split(bytes.TrimSuffix(fl.data, []byte("\n")), []byte("\n")) {
				if !json.Valid(line) || line[0] != '{' {
					t.Fatalf("record line %q is not one JSON object", line)
				}
			}
		}
	})
}
