package decode

import (
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/safe"
)

// sharedSafeData is the project's shared data folder for Safe, next to the
// module (../shared/data/safe from the module root).
var sharedSafeData = filepath.Join("..", "..", "..", "shared", "data", "safe")

// releasedVersions are the released Safe versions, oldest first.
var releasedVersions = func() []safe.Version {
	var out []safe.Version
	for _, s := range safe.SupportedVersions() {
		v, err := safe.ParseVersion("version", s)
		if err != nil {
			panic(err)
		}
		out = append(out, v)
	}
	return out
}()

func mustVersion(t testing.TB, s string) safe.Version {
	t.Helper()
	v, err := safe.ParseVersion("version", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
