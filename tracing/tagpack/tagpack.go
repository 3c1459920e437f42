// Package tagpack reads GraphSense TagPacks (YAML files of address tags,
// github.com/graphsense/graphsense-tagpacks) into trace labels for
// Ethereum addresses.
//
// A TagPack is a YAML mapping: a header (title, creator, description,
// and defaults for every tag: label, source, currency or network,
// category, abuse, actor, confidence, …) and a tags list. Each tag is a
// mapping with an address (or a tx_hash: transaction tags are not address
// labels and are skipped) and optionally its own label, currency,
// category, abuse, concepts and the rest; a tag's own field wins over the
// header's.
//
// Only tags whose currency (or network) is ETH become labels; tags of
// other chains are counted and skipped. Each label has the tag's label as
// Name, its category (or, without one, its first concept) as Category,
// its abuse as Abuse and "tagpack:FILE" (the file's base name without
// .yaml) as Source; it is a hub when the category or one of the concepts
// is a hub category (labels.HubCategory: exchange, mixing_service,
// defi_dex, defi_bridge, …).
//
// A file that is not YAML, has no tags list, or holds an ETH tag without
// a label or with an address that is not 0x and 40 hex digits is an
// EINVALID error naming the file and the line.
package tagpack

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/ethereum/go-ethereum/common"
)

// Stats counts what a read found.
type Stats struct {
	// Files is the number of TagPacks read.
	Files int
	// Tags is the number of tags, Labels the ETH address labels made of
	// them, OtherChains the tags of other chains and TxTags the
	// transaction tags (both skipped).
	Tags, Labels, OtherChains, TxTags int
}

// MaxFileSize bounds one TagPack (the largest published ones are a few
// MB).
const MaxFileSize = 64 << 20

// Read parses one TagPack, name being its file name (for errors and the
// labels' Source), and adds its ETH labels to set.
func Read(set *labels.Set, name string, data []byte) (Stats, error) {
	var st Stats
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	id := strings.TrimSuffix(base, path.Ext(base))
	if id == "" || id == "." || id == "/" {
		return st, bulwark.Invalid("name", "give the TagPack's file name")
	}
	if len(data) > MaxFileSize {
		return st, bulwark.Invalid(base, "the file is larger than %d MiB: not a TagPack", MaxFileSize>>20)
	}
	var doc yaml.Node
	if err := safeYAML(data, &doc); err != nil {
		return st, bulwark.Invalid(base, "not valid YAML: %s; check the TagPack file", strings.TrimPrefix(err.Error(), "yaml: "))
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
		return st, bulwark.Invalid(base, "line %d: a TagPack is a YAML mapping with a header and a tags list", line)
	}
	header := mapping(root)
	tags := header["tags"]
	if tags == nil || tags.Kind != yaml.SequenceNode {
		line := root.Line
		if tags != nil {
			line = tags.Line
		}
		return st, bulwark.Invalid(base, "line %d: no tags list; a TagPack needs a \"tags:\" sequence", line)
	}
	source := "tagpack:" + id
	st.Files = 1
	for _, tn := range tags.Content {
		tn = resolve(tn)
		if tn == nil {
			continue
		}
		st.Tags++
		if tn.Kind != yaml.MappingNode {
			return st, bulwark.Invalid(base, "line %d: a tag must be a mapping (address: …, label: …)", tn.Line)
		}
		tag := mapping(tn)
		// A tag's own field wins, even when empty; a missing one takes
		// the header's.
		field := func(k string) string {
			if v, ok := tag[k]; ok {
				return strings.TrimSpace(scalar(v))
			}
			return strings.TrimSpace(scalar(header[k]))
		}
		addr := strings.TrimSpace(scalar(tag["address"]))
		if addr == "" {
			if scalar(tag["tx_hash"]) != "" {
				st.TxTags++
				continue
			}
			return st, bulwark.Invalid(base, "line %d: a tag without an address or tx_hash", tn.Line)
		}
		cur := strings.ToUpper(field("currency"))
		if cur == "" {
			cur = strings.ToUpper(field("network"))
		}
		if cur == "" {
			return st, bulwark.Invalid(base, "line %d: tag %q names no currency, in the tag or the header", tn.Line, bulwark.Echo(addr))
		}
		if cur != "ETH" {
			st.OtherChains++
			continue
		}
		if !isHexAddress(addr) {
			return st, bulwark.Invalid(base, "line %d: ETH address %q is not 0x and 40 hex digits", tn.Line, bulwark.Echo(addr))
		}
		l := tracing.Label{Source: source, Name: clean(field("label")), Category: strings.ToLower(field("category")), Abuse: strings.ToLower(field("abuse"))}
		if l.Name == "" {
			return st, bulwark.Invalid(base, "line %d: tag %s has no label, in the tag or the header", tn.Line, addr)
		}
		concepts := scalars(tag["concepts"])
		if _, own := tag["concepts"]; !own {
			concepts = scalars(header["concepts"])
		}
		if l.Category == "" && len(concepts) > 0 {
			l.Category = strings.ToLower(strings.TrimSpace(concepts[0]))
		}
		l.Hub = labels.HubCategory(l.Category)
		for _, c := range concepts {
			l.Hub = l.Hub || labels.HubCategory(c)
		}
		set.Add(common.HexToAddress(addr), l)
		st.Labels++
	}
	return st, nil
}

// ReadFS reads every *.yaml and *.yml file of the directory dir of fsys, in
// name order, into one set.
func ReadFS(fsys fs.FS, dir string) (*labels.Set, Stats, error) {
	var total Stats
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, total, bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("cannot read the TagPack folder %s: %v", dir, err))
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, total, bulwark.Invalid(dir, "no TagPack (*.yaml) in the folder")
	}
	set := labels.NewSet()
	for _, n := range names {
		data, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err != nil {
			return nil, total, bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("cannot read %s: %v", n, err))
		}
		st, err := Read(set, n, data)
		if err != nil {
			return nil, total, err
		}
		total.Files += st.Files
		total.Tags += st.Tags
		total.Labels += st.Labels
		total.OtherChains += st.OtherChains
		total.TxTags += st.TxTags
	}
	return set, total, nil
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

func mapping(n *yaml.Node) map[string]*yaml.Node {
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = resolve(n.Content[i+1])
	}
	return m
}

// resolve follows an alias node to what it names.
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
		if v := scalar(n); v != "" {
			return []string{v}
		}
		return nil
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

// clean collapses runs of white space (and control characters) to one
// space.
func clean(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }), " ")
}

func isHexAddress(s string) bool {
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
