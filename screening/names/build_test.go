package names

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortPostings checks the in-place radix sort of Build against a
// comparison sort, on sizes around its cut-offs and with keys that share
// long prefixes or repeat (a key held by many names).
func TestSortPostings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type kp struct {
		key  uint64
		post int32
	}
	for _, n := range []int{0, 1, 2, insertionSortMax, insertionSortMax + 1, 300, 5000, 70000} {
		for _, kind := range []string{"random", "prefix", "repeated"} {
			keys, posts := make([]uint64, n), make([]int32, n)
			for i := range keys {
				switch kind {
				case "random":
					keys[i] = rng.Uint64()
				case "prefix":
					keys[i] = 0xABCD_EF01_2345_0000 | rng.Uint64N(1<<12)
				case "repeated":
					keys[i] = []uint64{7, 1 << 63, 0xFFFF_FFFF_FFFF_FFFF}[rng.IntN(3)]
				}
				posts[i] = int32(rng.IntN(max(1, n)))
			}
			want := make([]kp, n)
			for i := range want {
				want[i] = kp{keys[i], posts[i]}
			}
			slices.SortFunc(want, func(a, b kp) int {
				return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.post, b.post))
			})
			sortPostings(keys, posts, 2)
			for i := range want {
				if keys[i] != want[i].key || posts[i] != want[i].post {
					t.Fatalf("n=%d %s: at %d got (%x, %d), want (%x, %d)", n, kind, i, keys[i], posts[i], want[i].key, want[i].post)
				}
			}
		}
	}
}
