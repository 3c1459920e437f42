package lists

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// tagPackConfidence maps GraphSense's named confidence levels
// (graphsense-lib tagpack/db/confidence.csv, 0–100) to Bulwark's three:
// level 60 and above is high (authority data such as OFAC, forensic
// investigations, service APIs, ledger facts, proven ownership), 40 to 59
// medium (trusted providers, data received from a service, published
// forensic reports, untrusted transactions), below 40 low (web crawls,
// heuristics, unknown). A TagPack that states no confidence counts as
// "unknown".
var tagPackConfidence = map[string]int{
	"override":               100,
	"ownership":              100,
	"ledger_immanent":        100,
	"manual_transaction":     90,
	"service_api":            70,
	"forensic_investigation": 70,
	"authority_data":         60,
	"trusted_provider":       50,
	"service_data":           50,
	"forensic":               50,
	"untrusted_transaction":  40,
	"web_crawl":              20,
	"heuristic":              10,
	"unknown":                5,
}

func confidenceFromLevel(level int) screening.Confidence {
	switch {
	case level >= 60:
		return screening.ConfidenceHigh
	case level >= 40:
		return screening.ConfidenceMedium
	}
	return screening.ConfidenceLow
}

// tagPackAbuse are the GraphSense concepts (concepts.yaml, "abuse" and its
// narrower concepts, plus "perpetrator") that make a tag an attribution.
var tagPackAbuse = map[string]bool{
	"abuse": true, "sexual_abuse": true, "child_sexual_abuse": true, "violence": true,
	"human_trafficking": true, "murder": true, "torture": true, "scam": true,
	"financial_crime": true, "investment_fraud": true, "ponzi_scheme": true,
	"pyramid_scheme": true, "money_laundering": true, "extortion": true, "sextortion": true,
	"phishing": true, "hacking": true, "service_hack": true, "account_hack": true,
	"exploit": true, "data_breach": true, "social_engineering": true, "malware": true,
	"drugs": true, "weapons": true, "payment_card_fraud": true, "ransomware": true,
	"sanction": true, "counterfeit": true, "extremism": true, "terrorism": true,
	"terrorism_financing": true, "perpetrator": true, "gov_black_list": true,
}

// ParseTagPack parses a GraphSense TagPack (YAML) named name into the list
// "tagpack:<base name without extension>". Header fields (label, source,
// currency or network, category, abuse, confidence, actor) are defaults for
// every tag; the header's title names the list and its lastmod is the
// publication date.
//
// Tags are grouped by label into entities (SourceID and Name are the
// label). An entity is CategoryAttribution when a tag's abuse, category or
// concepts name an abuse concept (sanction, service_hack, ransomware,
// scam, perpetrator, gov_black_list …) and CategoryLabel otherwise
// (exchanges, mixers, wallets, miners, black lists); the actor and abuse
// become programs; confidence levels map to high/medium/low as
// tagPackConfidence documents, and an entity takes the most severe
// category and the highest confidence of its tags. Tags without a label
// or an address (transaction tags), unknown confidence levels and
// addresses failing their format check are problems; YAML that does not
// parse or has no tags list is an error.
func ParseTagPack(name string, data []byte) (*screening.List, error) {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	id := strings.TrimSuffix(base, path.Ext(base))
	if id == "" || id == "." || id == "/" {
		return nil, bulwark.Invalid("name", "give the TagPack's file name")
	}
	var doc yaml.Node
	if err := safeYAML(data, &doc); err != nil {
		return nil, invalidFile(base, "not valid YAML: %v; check the TagPack file", err)
	}
	root := resolve(&doc)
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, invalidFile(base, "a TagPack is a YAML mapping with a header and a tags list")
	}
	header := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		header[root.Content[i].Value] = resolve(root.Content[i+1])
	}
	tags := header["tags"]
	if tags == nil || tags.Kind != yaml.SequenceNode {
		return nil, invalidFile(base, "no tags list; a TagPack needs a \"tags:\" sequence")
	}
	title := scalar(header["title"])
	if title == "" {
		title = "TagPack " + id
	}
	b := newBuilder("tagpack:"+id, title, FormatTagPack)
	b.list.Info.Published = parseLastmod(scalar(header["lastmod"]))
	description := scalar(header["description"])

	type group struct {
		e         screening.Entity
		catRank   int
		confRank  int
		sources   []string
		firstLine int
	}
	var groups []*group
	index := map[string]*group{}
	for _, tn := range tags.Content {
		tn = resolve(tn)
		if tn == nil {
			continue
		}
		place := placeLine(base, tn.Line)
		if tn.Kind != yaml.MappingNode {
			b.problem(place, "a tag must be a mapping; skipped")
			continue
		}
		tag := map[string]*yaml.Node{}
		for i := 0; i+1 < len(tn.Content); i += 2 {
			tag[tn.Content[i].Value] = resolve(tn.Content[i+1])
		}
		// A tag's own field wins, even when empty; a missing one takes
		// the header's.
		field := func(k string) string {
			if v, ok := tag[k]; ok {
				return scalar(v)
			}
			return scalar(header[k])
		}
		addr := strings.TrimSpace(scalar(tag["address"]))
		label := clean(field("label"))
		switch {
		case addr == "":
			b.problem(place, "tag without an address (transaction tags are not imported); skipped")
			continue
		case label == "":
			b.problem(place, "tag for %q has no label, in the tag or the header; skipped", shorten(addr, 80))
			continue
		}
		cur := strings.ToUpper(strings.TrimSpace(field("currency")))
		if cur == "" {
			cur = strings.ToUpper(strings.TrimSpace(field("network")))
		}
		la, ok := b.listedAddress(cur, addr, place, "")
		if !ok {
			continue
		}
		level := 5 // unknown
		if c := strings.ToLower(strings.TrimSpace(field("confidence"))); c != "" {
			if n, ok := tagPackConfidence[c]; ok {
				level = n
			} else if n, err := strconv.Atoi(c); err == nil && n >= 0 && n <= 100 {
				level = n
			} else {
				b.problem(place, "unknown confidence level %q; counted as unknown (low)", shorten(c, 40))
			}
		}
		conf := confidenceFromLevel(level)
		cat := screening.CategoryLabel
		concepts := append([]string{field("abuse"), field("category")}, scalars(tag["concepts"])...)
		for _, c := range concepts {
			if tagPackAbuse[strings.ToLower(strings.TrimSpace(c))] {
				cat = screening.CategoryAttribution
			}
		}
		g := index[label]
		if g == nil {
			g = &group{e: screening.Entity{SourceID: label, Name: label, Type: screening.TypeUnknown, Remarks: description}, firstLine: tn.Line}
			index[label] = g
			groups = append(groups, g)
		}
		if r := categoryRank(cat); r > g.catRank {
			g.catRank, g.e.Category = r, cat
		}
		if r := confidenceRank(conf); r > g.confRank {
			g.confRank, g.e.Confidence = r, conf
		}
		for _, p := range []string{field("actor"), field("abuse")} {
			if p = strings.TrimSpace(p); p != "" {
				g.e.Programs = append(g.e.Programs, p)
			}
		}
		if s := strings.TrimSpace(field("source")); s != "" && !containsFold(g.sources, s) {
			g.sources = append(g.sources, s)
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
		b.add(placeLine(base, g.firstLine), g.e)
	}
	return b.finish(Digest(map[string][]byte{base: data})), nil
}

// safeYAML decodes data into doc, turning a panic inside the YAML library
// into an error so that no input can crash an import.
func safeYAML(data []byte, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML decoder failed: %v", r)
		}
	}()
	return yaml.Unmarshal(data, doc)
}

// resolve follows an alias node to what it names (one level: the YAML
// library rejects alias cycles).
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// scalar returns a scalar node's value, "" for anything else.
func scalar(n *yaml.Node) string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// scalars returns the scalar values of a sequence node (or of a scalar).
func scalars(n *yaml.Node) []string {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{scalar(n)}
	}
	var out []string
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			if v := scalar(c); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// parseLastmod reads a TagPack lastmod ("2022-04-15", "2023-08-16
// 12:18:52.619444", RFC 3339); zero when it is none of these.
func parseLastmod(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
