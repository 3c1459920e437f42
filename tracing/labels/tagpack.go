package labels

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tagpack"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
)

// TagPackStats counts what a TagPack read found.
type TagPackStats struct {
	// Files is the number of TagPacks read.
	Files int
	// Tags is the number of tags, Labels the ETH address labels made of
	// them, OtherChains the tags of other chains and TxTags the
	// transaction tags (both skipped).
	Tags, Labels, OtherChains, TxTags int
}

func (s *TagPackStats) add(o TagPackStats) {
	s.Files += o.Files
	s.Tags += o.Tags
	s.Labels += o.Labels
	s.OtherChains += o.OtherChains
	s.TxTags += o.TxTags
}

// ReadTagPack reads one GraphSense TagPack (package tagpack reads the
// format), name being its file name (for errors and the labels' Source),
// and adds its Ethereum labels to set.
//
// Only tags whose currency (or network) is ETH become labels; tags of
// other chains are counted and skipped, and so are transaction tags. Each
// label has the tag's label as Name (white space collapsed), its category
// (or, without one, its first concept) as Category and its abuse as Abuse,
// both in lower case, and "tagpack:FILE" (the file's base name without its
// extension) as Source; it is a hub when the category or one of the
// concepts is a hub category ([HubCategory]).
//
// A file that is not a TagPack, or that holds a tag that is not a
// mapping, has neither address nor tx_hash, names no currency, or an ETH
// tag without a label or with an address that is not 0x and 40 hex
// digits, is an EINVALID error naming the file and the line.
func ReadTagPack(set *Set, name string, data []byte) (TagPackStats, error) {
	var st TagPackStats
	p, err := tagpack.Parse(name, data)
	if err != nil {
		return st, named(err)
	}
	base := p.Name
	source := "tagpack:" + p.ID
	st.Files = 1
	for _, t := range p.Tags {
		st.Tags++
		switch {
		case t.Err != nil:
			return st, named(t.Err)
		case t.Address == "" && t.TxHash != "":
			st.TxTags++
			continue
		case t.Address == "":
			return st, bulwark.Invalid(base, "line %d: a tag without an address or tx_hash", t.Line)
		case t.Currency == "":
			return st, bulwark.Invalid(base, "line %d: tag %q names no currency, in the tag or the header", t.Line, bulwark.Echo(t.Address))
		case t.Currency != "ETH":
			st.OtherChains++
			continue
		case !tracing.IsHexAddress(t.Address):
			return st, bulwark.Invalid(base, "line %d: ETH address %q is not 0x and 40 hex digits", t.Line, bulwark.Echo(t.Address))
		}
		l := tracing.Label{Source: source, Name: collapseSpace(t.Label), Category: strings.ToLower(t.Category), Abuse: strings.ToLower(t.Abuse)}
		if l.Name == "" {
			return st, bulwark.Invalid(base, "line %d: tag %s has no label, in the tag or the header", t.Line, t.Address)
		}
		if l.Category == "" && len(t.Concepts) > 0 {
			l.Category = strings.ToLower(t.Concepts[0])
		}
		l.Hub = HubCategory(l.Category)
		for _, c := range t.Concepts {
			l.Hub = l.Hub || HubCategory(c)
		}
		set.Add(common.HexToAddress(t.Address), l)
		st.Labels++
	}
	return st, nil
}

// ReadTagPacks reads every *.yaml and *.yml file of the directory dir of
// fsys, in name order, into one set ([ReadTagPack]). A directory without
// one is an EINVALID error. Errors name dir unless it is "." (the caller
// knows which folder fsys is).
func ReadTagPacks(fsys fs.FS, dir string) (*Set, TagPackStats, error) {
	var total TagPackStats
	folder := dir // what errors call it
	if dir == "." {
		folder = ""
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, total, bulwark.Wrap(err, bulwark.EINVALID, strings.TrimSpace(fmt.Sprintf("cannot read the TagPack folder %s", folder))+": "+err.Error())
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
		return nil, total, bulwark.Invalid(folder, "no TagPack (*.yaml or *.yml) in the folder")
	}
	set := NewSet()
	for _, n := range names {
		data, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err != nil {
			return nil, total, bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("cannot read %s: %v", n, err))
		}
		st, err := ReadTagPack(set, n, data)
		if err != nil {
			return nil, total, err
		}
		total.add(st)
	}
	return set, total, nil
}

// named puts the file name that a tagpack error names in its Field at the
// front of its message, as bulwark.Invalid does.
func named(err error) error {
	var be *bulwark.Error
	if !errors.As(err, &be) || be.Field == "" || strings.HasPrefix(be.Message, be.Field+": ") {
		return err
	}
	c := *be
	c.Message = be.Field + ": " + be.Message
	return &c
}

// collapseSpace collapses runs of white space (and control characters) to
// one space and trims the ends.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }), " ")
}
