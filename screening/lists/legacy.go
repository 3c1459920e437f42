package lists

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
)

// Mislabel is what [MadeUpDPRK] found wrong with a stored list version.
type Mislabel struct {
	// Plain is true when every mislabelled entry came from a plain address
	// file (one address per line), false when from a CSV.
	Plain bool `json:"plainFile"`
	// Addresses counts the addresses of the mislabelled entries.
	Addresses int `json:"addresses"`
	// Reason says it in one sentence, for a user.
	Reason string `json:"reason"`
}

// MadeUpDPRK reports whether l, a stored list version, labels addresses as
// DPRK attribution that its source never attributed: the label Bulwark
// versions before the list-identity rules gave by default. Those versions
// read a plain list of addresses (one per line, any file name) as the DPRK
// attribution table: the file became, or replaced, the fbi-dprk list (or,
// beside other such files, "fbi-dprk-<file>"), one entry
// "DPRK-attributed addresses (<file>)" of category attribution, confidence
// high and programme DPRK; and a CSV whose attribution column named no DPRK
// actor still got the programme DPRK.
//
// The test reads only what the store keeps of the version: a version in
// the DPRK table's format ([FormatFBI]) is mislabelled when an entry
// carries the programme DPRK alone while the attribution it records (its
// "Attribution: …" remark, which [ParseFBIAddresses] writes for every
// attributed row, up to a following ". Corroboration: " or
// ". Validation: ") names no DPRK actor. A table whose attributed rows name
// the actor, imported by any version, never qualifies, nor do the embedded
// default lists; a list in any other format never qualifies. (The one
// ambiguity: an attribution cell that itself holds ". Corroboration: "
// before the actor's name reads as naming none.)
func MadeUpDPRK(l *screening.List) (Mislabel, bool) {
	var m Mislabel
	if l == nil || l.Info.Format != FormatFBI {
		return m, false
	}
	m.Plain = true
	var confs []string
	found := false
	for i := range l.Entities {
		e := &l.Entities[i]
		// The old default: the programme DPRK alone (an attribution naming
		// an actor added its tag, then and now).
		if len(e.Programs) != 1 || e.Programs[0] != "DPRK" {
			continue
		}
		if attribution, stated := recordedAttribution(e.Remarks); stated && len(actorTags(attribution)) > 0 {
			continue
		}
		found = true
		m.Addresses += len(e.Addresses)
		// The plain-text reader wrote no remark at all.
		m.Plain = m.Plain && e.Remarks == ""
		if c := string(e.Confidence); c != "" && !slices.Contains(confs, c) {
			confs = append(confs, c)
		}
	}
	if !found {
		return Mislabel{}, false
	}
	what := "a CSV whose rows name no DPRK actor"
	if m.Plain {
		what = "a plain address file, which says nothing of whose addresses they are"
	}
	conf := "confidence unstated"
	if len(confs) > 0 {
		conf = "confidence " + strings.Join(confs, "/")
	}
	addrs := fmt.Sprintf("%d addresses", m.Addresses)
	if m.Addresses == 1 {
		addrs = "1 address"
	}
	m.Reason = fmt.Sprintf("version %.12s was imported by an earlier Bulwark from %s, yet labels %s DPRK-attributed (%s) under the official list ID %s",
		l.Info.SHA256, what, addrs, conf, l.Info.ID)
	return m, true
}

// recordedAttribution returns the attribution an entity of the DPRK table
// records in its remarks ("Attribution: A. Corroboration: C. Validation:
// V", the last two optional and possibly repeated).
func recordedAttribution(remarks string) (string, bool) {
	rest, ok := strings.CutPrefix(remarks, "Attribution: ")
	if !ok {
		return "", false
	}
	end := len(rest)
	for _, next := range []string{". Corroboration: ", ". Validation: "} {
		if i := strings.Index(rest, next); i >= 0 && i < end {
			end = i
		}
	}
	return rest[:end], true
}
