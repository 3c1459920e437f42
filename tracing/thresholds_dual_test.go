package tracing

import (
	"slices"
	"testing"
)

func TestLoweredThresholds(t *testing.T) {
	t.Parallel()
	old := map[string]string{"native:1": "100", "*": "50", "erc20:1:0xa": "7"}
	tests := []struct {
		next map[string]string
		want []string
	}{
		{map[string]string{"native:1": "100", "*": "50", "erc20:1:0xa": "7"}, nil},
		{map[string]string{"native:1": "99", "*": "1", "erc20:1:0xa": "7", "native:10": "5"}, nil}, // lowered amounts alert more
		{map[string]string{"native:1": "101", "*": "50"}, []string{"erc20:1:0xa: 7 -> removed", "native:1: 100 -> 101"}},
		{map[string]string{}, []string{"*: 50 -> removed", "erc20:1:0xa: 7 -> removed", "native:1: 100 -> removed"}},
	}
	for i, tt := range tests {
		if got := loweredThresholds(old, tt.next); !slices.Equal(got, tt.want) {
			t.Errorf("%d: %q, want %q", i, got, tt.want)
		}
	}
	if got := loweredThresholds(nil, map[string]string{"*": "1"}); got != nil {
		t.Errorf("adding a threshold lowers nothing: %q", got)
	}
}
