package intel

import (
	"net/netip"

	"github.com/bulwark-sec/bulwark/hiring"
)

// Kinds of network classes, in rising priority: an address in DPRK space
// is reported as dprk even when a VPN range covers it too.
const (
	KindHosting = "hosting"
	KindVPN     = "vpn"
	// KindRelay is Apple's iCloud Private Relay egress: ordinary Safari
	// users with iCloud+, not a VPN a worker chose. It outranks the VPN
	// lists and hosting ASNs that cover the same addresses.
	KindRelay = "relay"
	KindDPRK  = "dprk"
)

func kindRank(kind string) int {
	switch kind {
	case KindDPRK:
		return 4
	case KindRelay:
		return 3
	case KindVPN:
		return 2
	case KindHosting:
		return 1
	}
	return 0
}

// prefixTrie is a binary trie of IP prefixes, one for IPv4 (32 bits) and
// one for IPv6 (128 bits). Nodes live in one slice and point to each other
// by index, so a lookup is at most 32 or 128 steps through contiguous
// memory and allocates nothing.
type prefixTrie struct {
	nodes   []trieNode
	classes []hiring.NetworkClass
	bits    int
}

type trieNode struct {
	child [2]int32 // 0: none (the root is never a child)
	class int32    // index+1 into classes; 0: no prefix ends here
}

func newTrie(bits int) *prefixTrie {
	return &prefixTrie{nodes: make([]trieNode, 1), bits: bits}
}

func bitAt(a []byte, i int) int { return int(a[i/8]>>(7-i%8)) & 1 }

// insert adds p with class c. When p is already present, the class of the
// higher-ranked kind stays (the first of equal rank).
func (t *prefixTrie) insert(p netip.Prefix, c hiring.NetworkClass) {
	addr := p.Addr().AsSlice()
	n := int32(0)
	for i := 0; i < p.Bits(); i++ {
		b := bitAt(addr, i)
		next := t.nodes[n].child[b]
		if next == 0 {
			t.nodes = append(t.nodes, trieNode{})
			next = int32(len(t.nodes) - 1)
			t.nodes[n].child[b] = next
		}
		n = next
	}
	if old := t.nodes[n].class; old != 0 && kindRank(t.classes[old-1].Kind) >= kindRank(c.Kind) {
		return
	}
	t.classes = append(t.classes, c)
	t.nodes[n].class = int32(len(t.classes))
}

// lookup returns the class of the prefixes covering a: the highest-ranked
// kind, and among equal kinds the longest prefix.
func (t *prefixTrie) lookup(a netip.Addr) (hiring.NetworkClass, bool) {
	var buf [16]byte
	var addr []byte
	if a.Is4() {
		b := a.As4()
		copy(buf[:], b[:])
		addr = buf[:4]
	} else {
		buf = a.As16()
		addr = buf[:]
	}
	best, bestRank := int32(0), 0
	n := int32(0)
	for i := 0; ; i++ {
		if c := t.nodes[n].class; c != 0 {
			if r := kindRank(t.classes[c-1].Kind); r >= bestRank {
				best, bestRank = c, r
			}
		}
		if i == t.bits {
			break
		}
		n = t.nodes[n].child[bitAt(addr, i)]
		if n == 0 {
			break
		}
	}
	if best == 0 {
		return hiring.NetworkClass{}, false
	}
	return t.classes[best-1], true
}
