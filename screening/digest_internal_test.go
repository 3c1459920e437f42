package screening

import (
	"sync"
	"testing"
	"time"
)

// An index hashes an entity when a match or a disposition first needs its
// digest; whoever asks, and however many ask at once, get EntityDigest of
// that entity, and the first of two entities listed under one ID keeps
// its own digest.
func TestIndexDigestOnDemand(t *testing.T) {
	t.Parallel()
	ls := []*List{{Info: ListInfo{ID: "ofac-sdn"}, Entities: []Entity{
		{ID: "ofac-sdn:1", List: "ofac-sdn", Name: "Lazarus Group", Programs: []string{"DPRK3"}},
		{ID: "ofac-sdn:2", List: "ofac-sdn", Name: "Pak Jin Hyok", Aliases: []Alias{{Name: "Pak Kwang Jin"}}},
		{ID: "ofac-sdn:1", List: "ofac-sdn", Name: "A second listing under the same ID"},
	}}}
	ix := BuildIndex(ls, time.Unix(0, 0))
	if len(ix.entities) != 2 || len(ix.digests) != 2 {
		t.Fatalf("%d entities, %d digest slots; want 2 and 2", len(ix.entities), len(ix.digests))
	}
	var wg sync.WaitGroup
	got := make([][]string, 4)
	for g := range got {
		wg.Go(func() {
			for n := range ix.entities {
				got[g] = append(got[g], ix.digest(int32(n)))
			}
		})
	}
	wg.Wait()
	for n, e := range ls[0].Entities[:2] {
		want := EntityDigest(&e)
		for g := range got {
			if got[g][n] != want {
				t.Errorf("digest of %s (asker %d) = %s, want %s", e.ID, g, got[g][n], want)
			}
		}
	}
	if ix.digest(0) == ix.digest(1) {
		t.Error("two different entities have one digest")
	}
}
