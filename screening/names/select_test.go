package names

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectSmallest: the first k elements are the k smallest, for sizes
// around the insertion cut-off and orders sorted, reversed and random.
func TestSelectSmallest(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 2, 15, 16, 17, 40, 150, 151, 1000, 5000} {
		for _, order := range []string{"random", "sorted", "reversed", "narrow"} {
			s := make([]uint64, n)
			seen := map[uint64]bool{}
			for i := range s {
				for {
					v := r.Uint64()
					switch order {
					case "sorted", "reversed":
						v = uint64(i) << 8
						if order == "reversed" {
							v = uint64(n-i) << 8
						}
					case "narrow":
						v = v%64<<32 | uint64(i) // many equal weights, distinct indexes
					}
					if !seen[v] {
						seen[v] = true
						s[i] = v
						break
					}
				}
			}
			want := slices.Sorted(slices.Values(s))
			for _, k := range []int{0, 1, n / 3, n - 1, n, 150} {
				if k < 0 || k > n {
					continue
				}
				got := slices.Clone(s)
				selectSmallest(got, k)
				slices.Sort(got[:k])
				if !slices.Equal(got[:k], want[:k]) {
					t.Fatalf("n %d %s k %d: first k %v, want %v", n, order, k, got[:k], want[:k])
				}
			}
		}
	}
}

// TestPostingRangeFindsEveryKey: every indexed key is found through the
// prefix table with its postings, and keys not indexed are not.
func TestPostingRangeFindsEveryKey(t *testing.T) {
	t.Parallel()
	ix := testIndex()
	for i, k := range ix.keys {
		lo, hi := ix.postingRange(k)
		if lo != ix.offs[i] || hi != ix.offs[i+1] {
			t.Fatalf("key %x: range %d–%d, want %d–%d", k, lo, hi, ix.offs[i], ix.offs[i+1])
		}
		for _, miss := range []uint64{k + 1, k - 1, ^k} {
			if _, ok := slices.BinarySearch(ix.keys, miss); ok {
				continue
			}
			if lo, hi := ix.postingRange(miss); lo != hi {
				t.Fatalf("absent key %x has postings %d–%d", miss, lo, hi)
			}
		}
	}
	for _, k := range []uint64{0, ^uint64(0)} {
		if _, ok := slices.BinarySearch(ix.keys, k); !ok {
			if lo, hi := ix.postingRange(k); lo != hi {
				t.Fatalf("absent key %x has postings", k)
			}
		}
	}
}
