package tracing

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func TestGraphJSONRoundTrip(t *testing.T) {
	t.Parallel()
	li := uint32(7)
	g := Graph{
		Chain: 1, Seeds: []string{"0x47666fab8bd0ac7003bce3f5c3585383f09486e2"}, Policy: Haircut, Direction: Forward,
		Bounds: Bounds{MaxHops: 3, MinValue: "1000"},
		Nodes:  []Node{{Address: common.HexToAddress("0x01"), Hop: 0, Taint: map[string]string{"native:1": "5"}, Labels: []Label{{Source: "user", Name: "exploiter"}}}},
		Edges:  []Edge{{Chain: 1, Block: 9, Kind: TokenTransfer, LogIndex: &li, Asset: "native:1", Amount: "10", Taint: "5", Policy: Haircut, Hop: 1}},
	}
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"policy":"haircut"`, `"kind":"token"`, `"direction":"forward"`, `"logIndex":7`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back Graph
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, g) {
		t.Errorf("round trip changed the graph:\n got %+v\nwant %+v", back, g)
	}
	if err := json.Unmarshal([]byte(`{"policy":"fifo-ish"}`), &back); err == nil || !strings.Contains(err.Error(), "fifo-ish") {
		t.Errorf("unknown policy: err = %v, want one naming it", err)
	}
}
