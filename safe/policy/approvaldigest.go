package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// ApprovalDigestVersion names what ApprovalDigest covers; it is hashed
// into every part, so a digest of another version never equals one of
// this.
const ApprovalDigestVersion = "bulwark-approval/1"

// The parts of an approval digest, in the order the digest lists them.
const (
	DigestTx       = "tx"       // chain id, Safe, safeTxHash
	DigestPolicy   = "policy"   // policy and registry versions, options, value limits given beside the book
	DigestBook     = "book"     // the address book: entries, labels, kinds, limits
	DigestState    = "state"    // the Safe as read from the node
	DigestFindings = "findings" // the findings that make the verdict review or worse
	DigestLists    = "lists"    // the screening list versions the addresses were checked against
)

// DigestParts lists the parts of an approval digest in order.
var DigestParts = []string{DigestTx, DigestPolicy, DigestBook, DigestState, DigestFindings, DigestLists}

// ApprovalDigest is what a person approving v for dual control is shown
// and relies on, as "tx=H;policy=H;book=H;state=H;findings=H;lists=H", each H the
// hex SHA-256 of one part: the chain, Safe and safeTxHash; the policy and
// registry versions, the policy's options and value limits; the address
// book (its entries, labels, kinds and limits, whatever file or API they
// came from); the Safe's state as read from the node (nonce, threshold,
// owners, singleton and its code, guards, fallback handler, modules); and
// the findings that make the verdict review or worse, as a set, each by
// code, severity, call (path, target, function) and evidence (its
// fields); and the screening list versions the addresses were checked
// against (v.Screening), so that a list update makes approvals stale. A
// finding's message is left out: its prose may name the block
// it was read at, which changes without anything the approver saw
// changing. [DigestChanges] names the parts two digests differ in.
//
// An approval records this digest; the co-signer counts it only while a
// fresh verification of the transaction has the same one. "" for a
// verification without the Safe's state from a node (offline).
func (v *Verification) ApprovalDigest() string {
	if v == nil || v.Chain == nil || v.Chain.State == nil {
		return ""
	}
	type finding struct {
		Code, Severity, Path, To, Function string
		Fields                             [][2]string
	}
	type entry struct {
		Address, Chain, Label string
		Kinds                 []EntryKind
	}
	type limit struct {
		Safe, Chain, Asset, Amount string
		Period                     int64
	}
	limits := func(ls []Limit) []limit {
		var out []limit
		for _, l := range ls {
			out = append(out, limit{l.Safe.Hex(), decString(l.ChainID), l.Asset.Hex(), decString(l.Amount), int64(l.Period)})
		}
		return out
	}
	parts := map[string]any{}
	parts[DigestTx] = []string{decString(v.ChainID), v.Safe.Hex(), strings.ToLower(v.Hashes.SafeTxHash.Hex())}
	parts[DigestPolicy] = struct {
		PolicyVersion, RegistryVersion   string
		AllowMultiSend, TrustAddressOnly bool
		Limits                           []limit
	}{v.PolicyVersion, v.RegistryVersion, v.Policy.AllowMultiSend, v.Policy.TrustAddressOnly, limits(v.Policy.Limits)}
	var book struct {
		Digest  string
		Entries []entry
		Limits  []limit
	}
	if b := v.Policy.AddressBook; b != nil {
		book.Digest = b.Digest
		for _, e := range b.Entries() {
			book.Entries = append(book.Entries, entry{e.Address.Hex(), decString(e.ChainID), e.Label, e.Kinds})
		}
		book.Limits = limits(b.Limits())
	}
	parts[DigestBook] = book
	st := v.Chain.State
	addrs := func(as []common.Address) string {
		s := make([]string, len(as))
		for i, a := range as {
			s[i] = a.Hex()
		}
		return strings.Join(s, ",")
	}
	parts[DigestState] = []string{
		onchain.IntOrZero(st.Nonce).String(), onchain.IntOrZero(st.Threshold).String(),
		addrs(st.Owners), string(st.OwnersStatus),
		st.Singleton.Hex(), st.SingletonCodeHash.Hex(), st.ProxyCodeHash.Hex(),
		st.Guard.Hex(), st.ModuleGuard.Hex(), st.FallbackHandler.Hex(),
		addrs(st.Modules), string(st.ModulesStatus),
	}
	var fs []string
	for _, f := range v.Findings {
		if f.Severity.Rank() < SeverityMedium.Rank() {
			continue
		}
		g := finding{Code: f.Code, Severity: string(f.Severity), Path: f.Path, To: f.To, Function: f.Function}
		for k, val := range f.Fields {
			g.Fields = append(g.Fields, [2]string{k, val})
		}
		slices.SortFunc(g.Fields, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		b, _ := json.Marshal(g) // strings only
		fs = append(fs, string(b))
	}
	// A set: the digest does not depend on the order the rules ran in.
	slices.Sort(fs)
	parts[DigestFindings] = fs
	parts[DigestLists] = v.Screening
	out := make([]string, len(DigestParts))
	for i, name := range DigestParts {
		b, _ := json.Marshal([]any{ApprovalDigestVersion, name, parts[name]}) // strings, bools, slices of them
		sum := sha256.Sum256(b)
		out[i] = name + "=" + hex.EncodeToString(sum[:])
	}
	return strings.Join(out, ";")
}

// DigestChanges returns the parts ([DigestParts]) in which approval
// digest a differs from b, in order; every part when either is not a
// digest of this version (empty, or of another form).
func DigestChanges(a, b string) []string {
	pa, oka := digestParts(a)
	pb, okb := digestParts(b)
	if !oka || !okb {
		return slices.Clone(DigestParts)
	}
	var out []string
	for _, name := range DigestParts {
		if pa[name] != pb[name] {
			out = append(out, name)
		}
	}
	return out
}

func digestParts(d string) (map[string]string, bool) {
	fields := strings.Split(d, ";")
	if len(fields) != len(DigestParts) {
		return nil, false
	}
	m := make(map[string]string, len(fields))
	for i, f := range fields {
		name, h, ok := strings.Cut(f, "=")
		if !ok || name != DigestParts[i] || len(h) != 2*sha256.Size {
			return nil, false
		}
		m[name] = h
	}
	return m, true
}
