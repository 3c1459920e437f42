package hiring

import (
	"runtime"
	"strings"
	"sync"

	"github.com/bulwark-sec/bulwark/hiring/linkage"
)

// DefaultFuzzy are the fuzzy linkers the identity graph uses when
// LinkOptions.Fuzzy is nil (and ExactOnly is not set): the same person by
// name, birth date, address and national id, and near-duplicate resumes,
// both with hiring/linkage's defaults.
func DefaultFuzzy() []FuzzyLinker {
	return []FuzzyLinker{IdentityLinker{}, ResumeLinker{}}
}

// IdentityLinker links records that describe one person despite typos,
// swapped or missing fields: hiring/linkage's matcher (blocking, then
// Jaro-Winkler names, tolerant birth dates, address tokens and national ids
// within one typo, weighed Fellegi–Sunter style) over FullName,
// DateOfBirth, HomeAddress and NationalID. Records without a name are left
// out. Its links have Kind "identity", the match probability as Score and
// the per-field explanation as Why.
type IdentityLinker struct {
	// Options tune the matcher; the zero value is linkage's default
	// (threshold 0.5).
	Options linkage.Options
}

// Links implements FuzzyLinker. Records whose generational suffixes differ
// ("Jr", "Sr", "III"), or whose dates of birth disagree beyond a typo, are
// not linked; nor are records linkage matches on names alone, or despite
// family names, home addresses or national ids that disagree (see
// corroborated).
func (l IdentityLinker) Links(people []Person) ([]Link, error) {
	recs := make([]linkage.Record, 0, len(people))
	for i := range people {
		if r, ok := identityRecord(&people[i]); ok {
			recs = append(recs, r)
		}
	}
	if len(recs) < 2 {
		return nil, nil
	}
	ms, err := linkage.Dedupe(recs, l.Options)
	if err != nil {
		return nil, err
	}
	// The generational suffixes of the matched records only (folding
	// every name would cost more than the matching's own allocations).
	name := make(map[string]string, len(recs))
	for i := range recs {
		name[recs[i].ID] = recs[i].Name
	}
	suffixes := map[string]string{}
	suffix := func(id string) string {
		g, ok := suffixes[id]
		if !ok {
			g = generation(name[id])
			suffixes[id] = g
		}
		return g
	}
	links := make([]Link, 0, len(ms))
	for _, m := range ms {
		// "John Miller" and "John Miller Jr" are a father and a son, and
		// so are two John Millers born 30 years apart: dates of birth
		// that disagree beyond a typo keep records apart however alike
		// the rest.
		if dobDisagrees(m.Fields) || suffix(m.A) != suffix(m.B) || !corroborated(m.Fields) {
			continue
		}
		links = append(links, Link{Kind: LinkKindIdentity, IDs: []string{m.A, m.B}, Score: m.Score, Why: m.Why})
	}
	return links, nil
}

// dobDisagrees reports whether a match's dates of birth are both known
// and differ beyond a typo (linkage's level disagree).
func dobDisagrees(fields []linkage.FieldScore) bool {
	for _, f := range fields {
		if f.Field == linkage.FieldDOB && f.Level == linkage.LevelDisagree {
			return true
		}
	}
	return false
}

// minFamilySim is the least similarity of the family names of a pair the
// identity linker calls one person, unless the birth date and the national
// id both agree: "Kevin Brooks" and "Kevin Turner" are two people however
// alike the rest.
const minFamilySim = 0.8

// corroborated reports whether a match rests on more than names: the
// family names agree (minFamilySim) or the birth date and national id both
// agree; the home addresses, when both are given, do not disagree (unless
// the national id agrees); and a field besides the names agrees (a birth
// date, a national id or a home address). A field missing on either side
// is no agreement: two records with a common name and nothing else known
// are not one person, and a farm's identities that give one first name and
// one home address without a birth date are not either.
func corroborated(fields []linkage.FieldScore) bool {
	agree := func(level string) bool {
		return level == linkage.LevelExact || level == linkage.LevelClose
	}
	var family = -1.0
	var dob, id, addr, addrDisagree, idDisagree bool
	for _, f := range fields {
		switch f.Field {
		case linkage.FieldFamily:
			family = f.Sim
			if f.Level == linkage.LevelMissing || f.Level == linkage.LevelInitial {
				family = -1
			}
		case linkage.FieldDOB:
			dob = agree(f.Level) || f.Level == linkage.LevelPartial
		case linkage.FieldID:
			id = agree(f.Level)
			idDisagree = f.Level == linkage.LevelDisagree
		case linkage.FieldAddress:
			addr = agree(f.Level) || f.Level == linkage.LevelSimilar
			addrDisagree = f.Level == linkage.LevelDisagree
		}
	}
	if idDisagree {
		return false
	}
	if family >= 0 && family < minFamilySim && !(dob && id) {
		return false
	}
	if addrDisagree && !id {
		return false
	}
	return dob || id || addr
}

// generations are the generational suffixes of a name, each as one form.
var generations = map[string]string{"jr": "jr", "junior": "jr", "sr": "sr", "senior": "sr", "ii": "ii", "2nd": "ii", "iii": "iii", "3rd": "iii", "iv": "iv", "4th": "iv"}

// generation is the generational suffix of a name ("" for none): two
// records whose suffixes differ are never one person however alike the
// rest of the names.
func generation(name string) string {
	t := foldTokens(name)
	for k := len(t) - 1; k >= 1; k-- {
		if g, ok := generations[t[k]]; ok {
			return g
		}
	}
	return ""
}

// ResumeLinker links records whose resume texts are near-duplicates:
// hiring/linkage's MinHash index over word shingles, pairs verified by
// their exact Jaccard similarity. Records without resume text are left
// out. Its links have Kind "resume" and the similarity as Score.
type ResumeLinker struct {
	// Options tune the index; the zero value is linkage's default
	// (Jaccard ≥ 0.8 over 3-word shingles).
	Options linkage.TextOptions
}

// Links implements FuzzyLinker.
func (l ResumeLinker) Links(people []Person) ([]Link, error) {
	ix, err := newResumeIndex(people, l.Options)
	if err != nil {
		return nil, err
	}
	var links []Link
	for _, m := range ix.Duplicates() {
		links = append(links, Link{Kind: LinkKindResume, IDs: []string{m.A, m.B}, Score: m.Jaccard})
	}
	return links, nil
}

// identityRecord is p as the identity matcher reads it; false for a record
// without a name, which it leaves out.
func identityRecord(p *Person) (linkage.Record, bool) {
	if strings.TrimSpace(p.FullName) == "" {
		return linkage.Record{}, false
	}
	return linkage.Record{ID: p.ID, Name: p.FullName, DOB: p.DateOfBirth, Address: p.HomeAddress, NationalID: p.NationalID}, true
}

// newResumeIndex indexes the resume texts of people.
func newResumeIndex(people []Person, opt linkage.TextOptions) (*linkage.TextIndex, error) {
	ix, err := linkage.NewTextIndex(opt)
	if err != nil {
		return nil, err
	}
	// Shingling and hashing take nearly all the time and the index is
	// safe for concurrent use: every core adds its share.
	workers := max(1, runtime.GOMAXPROCS(0))
	chunk := max(1, (len(people)+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < len(people); lo += chunk {
		wg.Go(func() {
			for i := lo; i < min(lo+chunk, len(people)); i++ {
				p := &people[i]
				if strings.TrimSpace(p.ResumeText) == "" {
					continue
				}
				// The ids are unique and not empty (the graph checked),
				// so the index refuses a text only when it has no words:
				// nothing to compare, not an error of the import.
				_ = ix.Add(p.ID, p.ResumeText)
			}
		})
	}
	wg.Wait()
	return ix, nil
}
