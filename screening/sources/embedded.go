package sources

import (
	"bytes"
	_ "embed"

	"github.com/bulwark-sec/bulwark/screening"
)

// embeddedLists is the default snapshot, compiled by
// internal/cmd/mkdefaultlists from public-domain government lists (OFAC
// SDN, UN consolidated, FBI DPRK address lists); see default/README.md.
//
//go:embed default/lists.json.gz
var embeddedLists []byte

// Embedded returns the lists compiled into the binary, which a fresh data
// directory starts with so screening works offline out of the box.
func Embedded() ([]*screening.List, error) {
	return screening.ReadSnapshot(bytes.NewReader(embeddedLists), "embedded default lists")
}
