// Package tagpack reads the GraphSense TagPack file format
// (github.com/graphsense/graphsense-tagpacks): YAML files of address tags
// that screening imports as lists (screening/lists.ParseTagPack) and
// tracing reads as address labels (tracing/labels.ReadTagPacks). It knows
// the format only and imports neither domain.
//
// A TagPack is a YAML mapping: a header (title, creator, description,
// lastmod, and defaults for every tag: label, source, currency or
// network, category, abuse, actor, confidence, concepts, …) and a tags
// list. Each tag is a mapping with an address (or a tx_hash, for a
// transaction tag) and optionally its own label, currency, category,
// abuse, concepts and the rest. A tag's own field wins over the header's,
// even when it is empty (an empty abuse clears the header's). Anchors and
// aliases resolve.
package tagpack

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark"
)

// MaxFileSize bounds one TagPack (the largest published ones are a few
// MB).
const MaxFileSize = 64 << 20

// Pack is one TagPack file.
type Pack struct {
	// Name is the file's base name; ID is that name without its
	// extension (tagpack_sample.yaml → tagpack_sample).
	Name, ID string
	// Title and Description are the header's, as written ("" when
	// absent).
	Title, Description string
	// Lastmod is the header's lastmod ("2022-04-15", "2023-08-16
	// 12:18:52.619444" or RFC 3339, read as UTC); zero when absent or in
	// none of these forms.
	Lastmod time.Time
	// Tags are the entries of the tags list, in file order.
	Tags []Tag
}

// Tag is one entry of a TagPack's tags list with the header's defaults
// applied. Every field is trimmed of surrounding white space.
type Tag struct {
	// Line is the entry's line in the file.
	Line int
	// Err is set when the entry is not a mapping: an EINVALID error
	// naming the file and the line. The other fields are then empty.
	Err error
	// Address is the tagged address as written ("" for a transaction
	// tag); TxHash the tagged transaction.
	Address, TxHash string
	// Label names the address's owner or use, as written (callers
	// collapse its white space).
	Label string
	// Currency is the tag's currency, or without one its network, in
	// upper case (ETH, BTC, …).
	Currency string
	// Category, Abuse and Confidence are as written (Confidence in lower
	// case: see [Level]).
	Category, Abuse, Confidence string
	// Actor and Source are the actor's id and where the tag comes from.
	Actor, Source string
	// Concepts are the tag's concepts (a list or one value), or without
	// any of its own the header's.
	Concepts []string
}

// Parse reads the TagPack data, name being its file name (only its base
// name is kept, for errors and [Pack.ID]). Data that is larger than
// [MaxFileSize], is not YAML, is not a mapping or has no tags list is an
// EINVALID error whose Field is the base name and whose message names
// the line and the fix, without repeating the name (callers say where the
// file came from). An entry of the tags list that is not a mapping does
// not fail the file: its [Tag.Err] says so, and the caller decides.
func Parse(name string, data []byte) (*Pack, error) {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	id := strings.TrimSuffix(base, path.Ext(base))
	if id == "" || id == "." || id == "/" {
		return nil, bulwark.Invalid("name", "give the TagPack's file name")
	}
	if len(data) > MaxFileSize {
		return nil, invalid(base, "the file is larger than %d MiB: not a TagPack", MaxFileSize>>20)
	}
	var doc yaml.Node
	if err := safeYAML(data, &doc); err != nil {
		return nil, invalid(base, "not valid YAML: %s; check the TagPack file", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	root := resolve(&doc)
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		line := 1
		if root != nil && root.Line > 0 {
			line = root.Line
		}
		return nil, invalid(base, "line %d: a TagPack is a YAML mapping with a header and a tags list", line)
	}
	header := mapping(root)
	tags := header["tags"]
	if tags == nil || tags.Kind != yaml.SequenceNode {
		line := root.Line
		if tags != nil {
			line = tags.Line
		}
		return nil, invalid(base, "line %d: no tags list; a TagPack needs a \"tags:\" sequence", line)
	}
	p := &Pack{
		Name:        base,
		ID:          id,
		Title:       scalar(header["title"]),
		Description: scalar(header["description"]),
		Lastmod:     parseLastmod(scalar(header["lastmod"])),
		Tags:        make([]Tag, 0, len(tags.Content)),
	}
	for _, tn := range tags.Content {
		tn = resolve(tn)
		if tn == nil {
			continue
		}
		if tn.Kind != yaml.MappingNode {
			p.Tags = append(p.Tags, Tag{Line: tn.Line, Err: invalid(base, "line %d: a tag must be a mapping (address: …, label: …)", tn.Line)})
			continue
		}
		tag := mapping(tn)
		field := func(k string) string {
			if v, ok := tag[k]; ok {
				return strings.TrimSpace(scalar(v))
			}
			return strings.TrimSpace(scalar(header[k]))
		}
		t := Tag{
			Line:       tn.Line,
			Address:    strings.TrimSpace(scalar(tag["address"])),
			TxHash:     strings.TrimSpace(scalar(tag["tx_hash"])),
			Label:      field("label"),
			Currency:   strings.ToUpper(field("currency")),
			Category:   field("category"),
			Abuse:      field("abuse"),
			Confidence: strings.ToLower(field("confidence")),
			Actor:      field("actor"),
			Source:     field("source"),
		}
		if t.Currency == "" {
			t.Currency = strings.ToUpper(field("network"))
		}
		if c, own := tag["concepts"]; own {
			t.Concepts = scalars(c)
		} else {
			t.Concepts = scalars(header["concepts"])
		}
		p.Tags = append(p.Tags, t)
	}
	return p, nil
}

// confidenceLevels are GraphSense's named confidence levels
// (graphsense-lib tagpack/db/confidence.csv), 0–100.
var confidenceLevels = map[string]int{
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

// UnknownLevel is the level of the confidence "unknown", which a tag
// without a confidence has.
const UnknownLevel = 5

// Level returns the level (0–100) of a tag's confidence: a GraphSense
// name (authority_data 60, service_data 50, web_crawl 20, …; any case) or
// a number from 0 to 100. "" is unknown (level 5); anything else is
// unknown too, and ok is false.
func Level(confidence string) (level int, ok bool) {
	c := strings.ToLower(strings.TrimSpace(confidence))
	if c == "" {
		return UnknownLevel, true
	}
	if n, found := confidenceLevels[c]; found {
		return n, true
	}
	if n, err := strconv.Atoi(c); err == nil && n >= 0 && n <= 100 {
		return n, true
	}
	return UnknownLevel, false
}

// abuseConcepts are the GraphSense concepts (concepts.yaml: "abuse" and
// its narrower concepts, plus "perpetrator" and "gov_black_list") that
// mark a tag as naming wrongdoing.
var abuseConcepts = map[string]bool{
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

// IsAbuse reports whether concept (any case, surrounding space ignored)
// is an abuse concept: abuse or one of its narrower concepts (sanction,
// service_hack, ransomware, scam, …), perpetrator or gov_black_list.
func IsAbuse(concept string) bool {
	return abuseConcepts[strings.ToLower(strings.TrimSpace(concept))]
}

// invalid is an EINVALID error about the file name whose message does not
// repeat the name.
func invalid(name, format string, args ...any) *bulwark.Error {
	return &bulwark.Error{Code: bulwark.EINVALID, Field: name, Message: fmt.Sprintf(format, args...)}
}

// safeYAML decodes data into doc, turning a panic inside the YAML library
// into an error so that no input can crash a read.
func safeYAML(data []byte, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML decoder failed: %v", r)
		}
	}()
	return yaml.Unmarshal(data, doc)
}

// mapping returns a mapping node's values by key, aliases resolved.
func mapping(n *yaml.Node) map[string]*yaml.Node {
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = resolve(n.Content[i+1])
	}
	return m
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

// scalars returns the non-empty scalar values of a sequence node (or of a
// scalar), trimmed.
func scalars(n *yaml.Node) []string {
	n = resolve(n)
	if n == nil {
		return nil
	}
	var nodes []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		nodes = []*yaml.Node{n}
	case yaml.SequenceNode:
		nodes = n.Content
	}
	var out []string
	for _, c := range nodes {
		if v := strings.TrimSpace(scalar(c)); v != "" {
			out = append(out, v)
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
