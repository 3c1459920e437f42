package lists

import (
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tagpack"
)

// confidenceFromLevel maps a GraphSense confidence level (0–100,
// tagpack.Level) to Bulwark's three: level 60 and above is high
// (authority data such as OFAC, forensic investigations, service APIs,
// ledger facts, proven ownership), 40 to 59 medium (trusted providers,
// data received from a service, published forensic reports, untrusted
// transactions), below 40 low (web crawls, heuristics, unknown). A
// TagPack that states no confidence counts as "unknown".
func confidenceFromLevel(level int) screening.Confidence {
	switch {
	case level >= 60:
		return screening.ConfidenceHigh
	case level >= 40:
		return screening.ConfidenceMedium
	}
	return screening.ConfidenceLow
}

// ParseTagPack parses a GraphSense TagPack (YAML, read by package
// tagpack) named name into the list "tagpack:<base name without
// extension>". Header fields (label, source, currency or network,
// category, abuse, concepts, confidence, actor) are defaults for every
// tag; the header's title names the list and its lastmod is the
// publication date.
//
// Tags are grouped by label into entities (SourceID and Name are the
// label). An entity is CategoryAttribution when a tag's abuse, category or
// concepts name an abuse concept (sanction, service_hack, ransomware,
// scam, perpetrator, gov_black_list …) and CategoryLabel otherwise
// (exchanges, mixers, wallets, miners, black lists); the actor and abuse
// become programs; confidence levels map to high/medium/low as
// confidenceFromLevel documents, and an entity takes the most severe
// category and the highest confidence of its tags. Tags without a label
// or an address (transaction tags), unknown confidence levels and
// addresses failing their format check are problems; YAML that does not
// parse or has no tags list is an error.
func ParseTagPack(name string, data []byte) (*screening.List, error) {
	p, err := tagpack.Parse(name, data)
	if err != nil {
		return nil, err
	}
	title := p.Title
	if title == "" {
		title = "TagPack " + p.ID
	}
	b := newBuilder("tagpack:"+p.ID, title, FormatTagPack)
	b.list.Info.Published = p.Lastmod

	type group struct {
		e         screening.Entity
		catRank   int
		confRank  int
		sources   []string
		firstLine int
	}
	var groups []*group
	index := map[string]*group{}
	for _, t := range p.Tags {
		place := placeLine(p.Name, t.Line)
		label := clean(t.Label)
		switch {
		case t.Err != nil:
			b.problem(place, "a tag must be a mapping; skipped")
			continue
		case t.Address == "":
			b.problem(place, "tag without an address (transaction tags are not imported); skipped")
			continue
		case label == "":
			b.problem(place, "tag for %q has no label, in the tag or the header; skipped", shorten(t.Address, 80))
			continue
		}
		la, ok := b.listedAddress(t.Currency, t.Address, place, "")
		if !ok {
			continue
		}
		level, ok := tagpack.Level(t.Confidence)
		if !ok {
			b.problem(place, "unknown confidence level %q; counted as unknown (low)", shorten(t.Confidence, 40))
		}
		conf := confidenceFromLevel(level)
		cat := screening.CategoryLabel
		if tagpack.IsAbuse(t.Abuse) || tagpack.IsAbuse(t.Category) || slices.ContainsFunc(t.Concepts, tagpack.IsAbuse) {
			cat = screening.CategoryAttribution
		}
		g := index[label]
		if g == nil {
			g = &group{e: screening.Entity{SourceID: label, Name: label, Type: screening.TypeUnknown, Remarks: p.Description}, firstLine: t.Line}
			index[label] = g
			groups = append(groups, g)
		}
		if r := categoryRank(cat); r > g.catRank {
			g.catRank, g.e.Category = r, cat
		}
		if r := confidenceRank(conf); r > g.confRank {
			g.confRank, g.e.Confidence = r, conf
		}
		for _, v := range []string{t.Actor, t.Abuse} {
			if v != "" {
				g.e.Programs = append(g.e.Programs, v)
			}
		}
		if t.Source != "" && !containsFold(g.sources, t.Source) {
			g.sources = append(g.sources, t.Source)
		}
		g.e.Addresses = append(g.e.Addresses, la)
	}
	for _, g := range groups {
		if len(g.sources) > 0 {
			g.e.Source = g.sources[0]
		}
		if len(g.sources) > 1 {
			g.e.Remarks = joinNonEmpty(". ", g.e.Remarks, "Sources: "+strings.Join(g.sources, "; "))
		}
		b.add(placeLine(p.Name, g.firstLine), g.e)
	}
	return b.finish(Digest(map[string][]byte{p.Name: data})), nil
}
