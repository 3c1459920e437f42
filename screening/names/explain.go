package names

import (
	"math"
	"strings"
)

// AlgorithmVersion identifies the scoring algorithm. It is recorded with
// every screening decision; it changes whenever scores can change.
const AlgorithmVersion = "names/2"

// ReviewThreshold is the score at or above which a match is reported for
// review. It was chosen once, on the rule "the weakest evidence an analyst
// must see": one name typo or transliteration variant in an otherwise
// identical two-part name, or an extra middle name, stays above it; a
// different given or family name in the same slot falls below it. The
// nomenklatura name benchmark, the yente fixtures and the recall tests in
// this package are all measured against this one value.
const ReviewThreshold = 0.80

// Explanation says why a name scored what it did. It marshals to JSON with
// lower-camel field names.
type Explanation struct {
	// Query and Candidate are the two names as normalised.
	Query     string `json:"query"`
	Candidate string `json:"candidate"`
	// MatchedName is the listed name (alias) that gave the score, as the
	// list spells it; set by Search.
	MatchedName string `json:"matchedName,omitempty"`
	// Alignment pairs query tokens with candidate tokens.
	Alignment []TokenMatch `json:"alignment"`
	// Unmatched lists tokens that found no partner.
	Unmatched []UnmatchedToken `json:"unmatched,omitempty"`
	// NameScore is the name similarity before any feature below.
	NameScore float64 `json:"nameScore"`
	// Features lists each adjustment Search made to NameScore (weak alias,
	// date of birth, country, type); Compare adds none.
	Features []Feature `json:"features,omitempty"`
	// Score is NameScore plus the features' contributions, clamped to [0,1].
	Score float64 `json:"score"`
	// AlgorithmVersion is [AlgorithmVersion].
	AlgorithmVersion string `json:"algorithmVersion"`
}

// TokenMatch is one aligned pair: query token(s) against candidate
// token(s). A joined or split name shows several tokens on one side.
type TokenMatch struct {
	Query     string `json:"query"`
	Candidate string `json:"candidate"`
	// Similarity is in [0,1].
	Similarity float64 `json:"similarity"`
	// Weight is the pair's share of the name mass (word 1, initial or
	// number 0.5, legal form 0.4, particle 0.3, stopword 0.15).
	Weight float64 `json:"weight"`
	// Kind is the evidence: exact, phonetic, korean, skeleton, fuzzy,
	// initial, acronym or legalForm.
	Kind string `json:"kind"`
}

// UnmatchedToken is a token left without a partner.
type UnmatchedToken struct {
	// Side is "query" or "candidate".
	Side   string  `json:"side"`
	Token  string  `json:"token"`
	Weight float64 `json:"weight"`
	// Role is "conflict" when the other name also has unmatched tokens (a
	// different name in the same slot, penalised fully) and "extra" when
	// only this name has it (penalised lightly).
	Role string `json:"role"`
}

// Feature is one adjustment to the name score.
type Feature struct {
	// Name is weakAlias, dateOfBirth, country or type (the screening
	// service adds corroboration and designation).
	Name string `json:"name"`
	// Contribution is added to the score (negative lowers it).
	Contribution float64 `json:"contribution"`
	// Detail says what was compared, e.g. "1965-03-02 ~ 1965-03-02" or
	// "CN not in KP".
	Detail string `json:"detail"`
}

// Compare scores how likely two names denote the same party, in [0,1], with
// the same name scorer [Index.Search] uses. typ is the party type both
// names are read as (person, organization, vessel, aircraft or ""); the
// score does not depend on it today, but it is part of the contract so
// that type-specific normalisation can be added under a new
// [AlgorithmVersion]. Compare is symmetric: Compare(a, b) == Compare(b, a).
func Compare(a, b string, typ string) (float64, Explanation) {
	_ = typ
	x, y := prepare(a), prepare(b)
	al, swapped := scoreNames(&x, &y)
	ex := explain(&x, &y, al, swapped)
	return ex.Score, ex
}

// explain renders an alignment from the point of view q (query) and c
// (candidate); swapped says the alignment's a side is c.
func explain(q, c *name, al alignment, swapped bool) Explanation {
	ex := Explanation{
		Query:            q.norm,
		Candidate:        c.norm,
		Alignment:        []TokenMatch{},
		NameScore:        round(al.score),
		Score:            round(al.score),
		AlgorithmVersion: AlgorithmVersion,
	}
	at, bt := q.toks, c.toks
	if swapped {
		at, bt = c.toks, q.toks
	}
	for _, p := range al.pairs {
		as, bs := spanText(at, p.a), spanText(bt, p.b)
		if swapped {
			as, bs = bs, as
		}
		ex.Alignment = append(ex.Alignment, TokenMatch{Query: as, Candidate: bs, Similarity: round(p.sim), Weight: round(p.w), Kind: p.kind.String()})
	}
	role := func(mine, other []int) string {
		if len(mine) > 0 && len(other) > 0 {
			return "conflict"
		}
		return "extra"
	}
	unQ, unC := al.unA, al.unB
	if swapped {
		unQ, unC = al.unB, al.unA
	}
	for _, i := range unQ {
		ex.Unmatched = append(ex.Unmatched, UnmatchedToken{Side: "query", Token: q.toks[i].s, Weight: q.toks[i].w, Role: role(unQ, unC)})
	}
	for _, i := range unC {
		ex.Unmatched = append(ex.Unmatched, UnmatchedToken{Side: "candidate", Token: c.toks[i].s, Weight: c.toks[i].w, Role: role(unC, unQ)})
	}
	return ex
}

func spanText(toks []token, s span) string {
	parts := make([]string, 0, s.len())
	for k := s.from; k < s.to; k++ {
		parts = append(parts, toks[k].s)
	}
	return strings.Join(parts, " ")
}

// round keeps six decimals so explanations marshal cleanly.
func round(f float64) float64 { return math.Round(f*1e6) / 1e6 }
