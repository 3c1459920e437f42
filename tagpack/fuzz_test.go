package tagpack_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tagpack"
)

// FuzzParse holds the reader to its promises on any input: no panic; a
// failure is an EINVALID error about the file whose message does not
// repeat its name; otherwise every tag has a line, an entry that is not a
// mapping has only its line and its error, and every field is trimmed,
// the currency in upper and the confidence in lower case.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := tagpack.Parse("dir/f.yaml", data)
		if err != nil {
			var be *bulwark.Error
			if p != nil || !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != "f.yaml" || strings.HasPrefix(be.Message, "f.yaml") {
				t.Fatalf("pack %v, error %#v", p, err)
			}
			return
		}
		if p.Name != "f.yaml" || p.ID != "f" {
			t.Fatalf("name %q id %q", p.Name, p.ID)
		}
		for _, tag := range p.Tags {
			if tag.Line < 1 {
				t.Fatalf("tag without a line: %+v", tag)
			}
			if tag.Err != nil {
				if !bulwark.IsCode(tag.Err, bulwark.EINVALID) || !reflect.DeepEqual(tag, tagpack.Tag{Line: tag.Line, Err: tag.Err}) {
					t.Fatalf("bad entry %+v", tag)
				}
				continue
			}
			fields := append([]string{tag.Address, tag.TxHash, tag.Label, tag.Currency, tag.Category, tag.Abuse, tag.Confidence, tag.Actor, tag.Source}, tag.Concepts...)
			for _, v := range fields {
				if v != strings.TrimSpace(v) {
					t.Fatalf("field %q not trimmed in %+v", v, tag)
				}
			}
			for _, c := range tag.Concepts {
				if c == "" {
					t.Fatalf("empty concept in %+v", tag)
				}
			}
			if tag.Currency != strings.ToUpper(tag.Currency) || tag.Confidence != strings.ToLower(tag.Confidence) {
				t.Fatalf("currency %q, confidence %q", tag.Currency, tag.Confidence)
			}
			if level, _ := tagpack.Level(tag.Confidence); level < 0 || level > 100 {
				t.Fatalf("level %d for %q", level, tag.Confidence)
			}
		}
	})
}
