package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/tracing"
)

// CaseAuditStore is an adapter that holds tracing cases and the audit log.
type CaseAuditStore interface {
	tracing.CaseStore
	audit.Store
}

var (
	caseSeed   = "0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2"
	caseSeedTx = "0x" + "ab" + "00000000000000000000000000000000000000000000000000000000000001"
	caseHop    = common.HexToAddress("0x00000000000000000000000000000000000000c1")
)

// newCase returns a checked case to create, opened by actor.
func newCase(t *testing.T, title, actor string) *tracing.Case {
	t.Helper()
	c, err := tracing.NewCase(tracing.CaseSpec{Title: title, Seeds: []string{caseSeed, caseSeedTx}, Policy: "fifo",
		Bounds:      tracing.Bounds{MaxHops: 3, MinValue: "1000"},
		Labels:      []tracing.CaseLabel{{Address: caseHop, Name: "peel hop"}},
		Thresholds:  map[string]string{"*": "5"},
		KnownTokens: []string{"0xdac17f958d2ee523a2206206994597c13d831ec7"}})
	if err != nil {
		t.Fatal(err)
	}
	c.CreatedBy = actor
	return c
}

// caseGraph returns a small trace of the case's seed.
func caseGraph(hops int) *tracing.Graph {
	li := uint32(3)
	g := &tracing.Graph{Chain: 1, Seeds: []string{caseSeed}, Policy: tracing.FIFO, Direction: tracing.Forward, Bounds: tracing.Bounds{MaxHops: 3},
		Nodes: []tracing.Node{{Address: common.HexToAddress(caseSeed), Hop: 0, Taint: map[string]string{"native:1": "7"}, Labels: []tracing.Label{}}}}
	for i := 1; i <= hops; i++ {
		to := common.BigToAddress(common.Big1)
		to[0] = byte(i)
		g.Nodes = append(g.Nodes, tracing.Node{Address: to, Hop: i, Taint: map[string]string{"native:1": "3"}, Labels: []tracing.Label{{Source: "user", Name: "x", Hub: true}}, Stop: "hub"})
		g.Edges = append(g.Edges, tracing.Edge{Chain: 1, TxHash: common.Hash{byte(i)}, Block: uint64(100 + i), Time: 1_700_000_000, Kind: tracing.TokenTransfer,
			LogIndex: &li, From: common.HexToAddress(caseSeed), To: to, Asset: "native:1", Amount: "10", Taint: "3", Policy: tracing.FIFO, Hop: i})
	}
	return g
}

// CaseStore runs the conformance suite for tracing.CaseStore on an adapter
// that also holds the audit log: creation with ids in order and the open
// event, reads of one case and newest-first pages, updates applied by
// tracing's rules and recorded in the history, closed cases refusing
// changes and results, notes kept in order with their author and time
// (without making the case stale), results stored whole and listed without their
// graph, and every change rolling back with its audit entry. open must
// return a fresh, empty store closed when t ends.
func CaseStore(t *testing.T, open func(t *testing.T) CaseAuditStore) {
	t.Helper()
	ctx := context.Background()

	t.Run("CaseCreateAndRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		before := time.Now().Add(-time.Second)
		c1, err := s.CreateCase(ctx, newCase(t, "Bybit", "token:alice"))
		if err != nil {
			t.Fatal(err)
		}
		if c1.ID < 1 || c1.Status != tracing.CaseOpen || c1.CreatedBy != "token:alice" || c1.CreatedAt.Before(before) ||
			c1.CreatedAt.Location() != time.UTC || !c1.UpdatedAt.Equal(c1.CreatedAt) || c1.Results != nil {
			t.Fatalf("CreateCase = %+v", c1)
		}
		c2, err := s.CreateCase(ctx, newCase(t, "second", "cli:bob"))
		if err != nil || c2.ID <= c1.ID {
			t.Fatalf("second CreateCase = %+v, %v (first id %d)", c2, err, c1.ID)
		}
		got, err := s.Case(ctx, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := newCase(t, "Bybit", "token:alice")
		if got.Title != "Bybit" || got.Chain != 1 || got.Source != "node" || !reflect.DeepEqual(got.Seeds, want.Seeds) ||
			got.Policy != tracing.FIFO || got.Direction != tracing.Forward || got.Bounds != want.Bounds ||
			!reflect.DeepEqual(got.Labels, want.Labels) || !reflect.DeepEqual(got.Thresholds, want.Thresholds) ||
			!reflect.DeepEqual(got.KnownTokens, []string{"0xdAC17F958D2ee523a2206206994597C13D831ec7"}) ||
			!got.CreatedAt.Equal(c1.CreatedAt) || got.CreatedAt.Location() != time.UTC || got.ClosedAt != nil {
			t.Errorf("Case = %+v, want the case created (%+v)", got, want)
		}
		if len(got.History) != 1 || got.History[0].Action != tracing.CaseActionOpen || got.History[0].Actor != "token:alice" || !json.Valid(got.History[0].Details) {
			t.Errorf("history = %+v, want one open event", got.History)
		}
		if _, err := s.Case(ctx, c2.ID+100); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("Case(unknown) = %v, want ENOTFOUND", err)
		}
		if _, err := s.CreateCase(ctx, &tracing.Case{Chain: 1, Source: "node"}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("CreateCase(no seeds) = %v, want EINVALID", err)
		}
	})

	t.Run("CaseListNewestFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if got, err := s.Cases(ctx, tracing.CaseFilter{Limit: 10}); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("empty Cases = %#v, %v", got, err)
		}
		var ids []int64
		for i := 0; i < 5; i++ {
			c, err := s.CreateCase(ctx, newCase(t, "", "test"))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		st := tracing.CaseClosed
		if _, _, err := s.UpdateCase(ctx, ids[1], tracing.CaseUpdate{Status: &st}, "test"); err != nil {
			t.Fatal(err)
		}
		page, err := s.Cases(ctx, tracing.CaseFilter{Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[3] {
			t.Fatalf("first page = %v, %v", caseIDs(page), err)
		}
		page, err = s.Cases(ctx, tracing.CaseFilter{Limit: 10, Before: ids[3]})
		if err != nil || !reflect.DeepEqual(caseIDs(page), []int64{ids[2], ids[1], ids[0]}) {
			t.Fatalf("page before %d = %v, %v", ids[3], caseIDs(page), err)
		}
		if page[1].Status != tracing.CaseClosed || page[1].ClosedBy != "test" || page[0].History != nil {
			t.Errorf("listed case = %+v", page[1])
		}
		closed, err := s.Cases(ctx, tracing.CaseFilter{Limit: 10, Status: tracing.CaseClosed})
		if err != nil || !reflect.DeepEqual(caseIDs(closed), []int64{ids[1]}) {
			t.Errorf("closed cases = %v, %v", caseIDs(closed), err)
		}
		open, err := s.Cases(ctx, tracing.CaseFilter{Limit: 10, Status: tracing.CaseOpen})
		if err != nil || len(open) != 4 {
			t.Errorf("open cases = %v, %v", caseIDs(open), err)
		}
		if _, err := s.Cases(ctx, tracing.CaseFilter{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("Cases(limit 0) = %v, want EINVALID", err)
		}
	})

	t.Run("CaseUpdateRecordsHistory", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c, err := s.CreateCase(ctx, newCase(t, "", "test"))
		if err != nil {
			t.Fatal(err)
		}
		hub := common.HexToAddress("0x00000000000000000000000000000000000000e5")
		got, ev, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Label: &tracing.CaseLabel{Address: hub, Name: " Exchange X ", Hub: true}}, "token:bob")
		if err != nil || ev.Action != tracing.CaseActionLabel || ev.Actor != "token:bob" {
			t.Fatalf("label: %+v, %v", ev, err)
		}
		if len(got.Labels) != 2 || got.Labels[1] != (tracing.CaseLabel{Address: hub, Name: "Exchange X", Hub: true}) || got.UpdatedAt.Before(c.UpdatedAt) {
			t.Errorf("labels after label = %+v", got.Labels)
		}
		b := tracing.Bounds{MaxHops: 5, FromBlock: 10, ToBlock: 20}
		th := map[string]string{"native:1": "007"}
		if _, _, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Bounds: &b, Thresholds: &th}, "cli:carol"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Unlabel: &caseHop}, "cli:carol"); err != nil {
			t.Fatal(err)
		}
		bad := tracing.Bounds{MaxHops: -1}
		if _, _, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Bounds: &bad}, "x"); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("bad bounds = %v, want EINVALID", err)
		}
		if _, _, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Unlabel: &caseHop}, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("unlabel again = %v, want ENOTFOUND", err)
		}
		if _, _, err := s.UpdateCase(ctx, c.ID+100, tracing.CaseUpdate{Bounds: &b}, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("unknown case = %v, want ENOTFOUND", err)
		}
		got, err = s.Case(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds != b || !reflect.DeepEqual(got.Thresholds, map[string]string{"native:1": "7"}) || len(got.Labels) != 1 || got.Labels[0].Address != hub {
			t.Errorf("after updates: bounds %+v thresholds %v labels %+v", got.Bounds, got.Thresholds, got.Labels)
		}
		var actions []string
		for _, e := range got.History {
			actions = append(actions, e.Actor+" "+e.Action)
		}
		want := []string{"test open", "token:bob label", "cli:carol update", "cli:carol unlabel"}
		if !reflect.DeepEqual(actions, want) {
			t.Errorf("history = %q, want %q", actions, want)
		}
	})

	t.Run("CaseNotes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c, err := s.CreateCase(ctx, newCase(t, "", "test"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Notes == nil || len(c.Notes) != 0 {
			t.Errorf("a new case's notes = %#v, want empty", c.Notes)
		}
		hop := tracing.CaseNote{Address: caseHop, Text: " split here\n<b>see tx</b> "}
		got, ev, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Note: &hop}, "user:ann")
		if err != nil || ev.Action != tracing.CaseActionNote || ev.Actor != "user:ann" || !json.Valid(ev.Details) {
			t.Fatalf("note: %+v, %v", ev, err)
		}
		if len(got.Notes) != 1 || got.Notes[0].Text != "split here\n<b>see tx</b>" || got.Notes[0].Author != "user:ann" || got.Notes[0].Address != caseHop {
			t.Errorf("notes after the note = %+v", got.Notes)
		}
		if _, _, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Note: &tracing.CaseNote{Text: "case-wide"}}, "cli:bob"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Note: &tracing.CaseNote{Text: " "}}, "x"); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("empty note = %v, want EINVALID", err)
		}
		read, err := s.Case(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(read.Notes) != 2 || read.Notes[0] != got.Notes[0] || read.Notes[1].Address != (common.Address{}) || read.Notes[1].Author != "cli:bob" ||
			read.Notes[1].At.Location() != time.UTC || read.Notes[1].At.Before(read.Notes[0].At) || !read.UpdatedAt.Equal(c.UpdatedAt) {
			t.Errorf("stored notes = %+v (updated %v, created %v)", read.Notes, read.UpdatedAt, c.UpdatedAt)
		}
		if last := read.History[len(read.History)-1]; last.Action != tracing.CaseActionNote || last.Actor != "cli:bob" {
			t.Errorf("history ends with %+v", last)
		}
		list, err := s.Cases(ctx, tracing.CaseFilter{Limit: 1})
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Notes, read.Notes) {
			t.Errorf("listed notes = %+v, %v", list, err)
		}
	})

	t.Run("CaseClosedRefusesChanges", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c, err := s.CreateCase(ctx, newCase(t, "", "test"))
		if err != nil {
			t.Fatal(err)
		}
		closed := tracing.CaseClosed
		got, ev, err := s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Status: &closed}, "token:alice")
		if err != nil || got.Status != tracing.CaseClosed || got.ClosedBy != "token:alice" || got.ClosedAt == nil || ev.Action != tracing.CaseActionClose {
			t.Fatalf("close = %+v, %+v, %v", got, ev, err)
		}
		title := "x"
		for name, u := range map[string]tracing.CaseUpdate{
			"title": {Title: &title}, "label": {Label: &tracing.CaseLabel{Address: caseHop, Name: "y"}}, "close": {Status: &closed},
		} {
			if _, _, err := s.UpdateCase(ctx, c.ID, u, "x"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
				t.Errorf("%s on a closed case = %v, want ECONFLICT", name, err)
			}
		}
		if _, err := s.SetCaseResults(ctx, c.ID, &tracing.CaseResults{Block: 1, ComputedAt: time.Now(), Graph: caseGraph(1)}, "x"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("results on a closed case = %v, want ECONFLICT", err)
		}
		reopen := tracing.CaseOpen
		got, ev, err = s.UpdateCase(ctx, c.ID, tracing.CaseUpdate{Status: &reopen}, "token:bob")
		if err != nil || got.Status != tracing.CaseOpen || got.ClosedAt != nil || got.ClosedBy != "" || ev.Action != tracing.CaseActionReopen {
			t.Fatalf("reopen = %+v, %v", got, err)
		}
		if got, err = s.Case(ctx, c.ID); err != nil || got.Status != tracing.CaseOpen || got.ClosedAt != nil || len(got.History) != 3 {
			t.Errorf("after reopening: %+v, %v", got, err)
		}
	})

	t.Run("CaseResults", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c, err := s.CreateCase(ctx, newCase(t, "", "test"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetCaseResults(ctx, c.ID, &tracing.CaseResults{Block: 1}, "x"); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("results without a graph = %v, want EINVALID", err)
		}
		if _, err := s.SetCaseResults(ctx, c.ID+100, &tracing.CaseResults{Block: 1, Graph: caseGraph(1)}, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("results of an unknown case = %v, want ENOTFOUND", err)
		}
		before := time.Now().Add(-time.Second)
		for i, hops := range []int{3, 2} {
			g := caseGraph(hops)
			r := &tracing.CaseResults{Block: uint64(1000 + i), ComputedAt: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), Transfers: 40 + i, Summary: tracing.Summarize(g), Graph: g}
			got, err := s.SetCaseResults(ctx, c.ID, r, "system")
			if err != nil || got.Results == nil || got.Results.Block != r.Block {
				t.Fatalf("SetCaseResults = %+v, %v", got, err)
			}
		}
		got, err := s.Case(ctx, c.ID)
		if err != nil || got.Results == nil || got.Results.Graph == nil {
			t.Fatalf("Case = %+v, %v", got, err)
		}
		r := got.Results
		if r.Block != 1001 || r.Transfers != 41 || r.ComputedAt.Before(before) || r.ComputedAt.Location() != time.UTC || got.Stale() ||
			r.Summary != (tracing.CaseSummary{Nodes: 3, Edges: 2, MaxHop: 2}) {
			t.Errorf("results = %+v", r)
		}
		wantJSON, _ := json.Marshal(caseGraph(2))
		if gotJSON, _ := json.Marshal(r.Graph); string(gotJSON) != string(wantJSON) {
			t.Errorf("graph read back\n%s\nwant\n%s", gotJSON, wantJSON)
		}
		if n := len(got.History); n != 3 || got.History[n-1].Action != tracing.CaseActionRun || got.History[n-1].Actor != "system" {
			t.Errorf("history = %+v", got.History)
		}
		list, err := s.Cases(ctx, tracing.CaseFilter{Limit: 1})
		if err != nil || len(list) != 1 || list[0].Results == nil || list[0].Results.Graph != nil || list[0].Results.Summary.Nodes != 3 {
			t.Errorf("listed = %+v, %v: want the results' summary without the graph", list, err)
		}
	})

	t.Run("CaseChangedWithItsAuditEntry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := &audit.Log{Store: s}
		_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			if _, err := s.CreateCase(txctx, newCase(t, "", "test")); err != nil {
				return audit.Event{}, err
			}
			if in, _ := s.Cases(txctx, tracing.CaseFilter{Limit: 5}); len(in) != 1 {
				t.Errorf("inside the transaction: %+v", in)
			}
			return audit.Event{}, errors.New("boom")
		})
		if err == nil {
			t.Fatal("Do succeeded")
		}
		if got, _ := s.Cases(ctx, tracing.CaseFilter{Limit: 5}); len(got) != 0 {
			t.Fatalf("kept without its entry: %+v", got)
		}
		var c *tracing.Case
		e, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			var err error
			c, err = s.CreateCase(txctx, newCase(t, "", "test"))
			return audit.Event{Actor: "test", Action: "trace.case.open"}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		title := "renamed"
		if _, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			if _, _, err := s.UpdateCase(txctx, c.ID, tracing.CaseUpdate{Title: &title}, "test"); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, errors.New("boom")
		}); err == nil {
			t.Fatal("Do succeeded")
		}
		if _, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			if _, err := s.SetCaseResults(txctx, c.ID, &tracing.CaseResults{Block: 9, ComputedAt: time.Now(), Graph: caseGraph(1)}, "test"); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, errors.New("boom")
		}); err == nil {
			t.Fatal("Do succeeded")
		}
		got, err := s.Case(ctx, c.ID)
		if err != nil || got.Title != "" || got.Results != nil || len(got.History) != 1 {
			t.Fatalf("after rolled-back changes: %+v, %v", got, err)
		}
		if got.History[0].AuditSeq != e.Seq {
			t.Errorf("open event names audit entry %d, want %d", got.History[0].AuditSeq, e.Seq)
		}
	})
}

func caseIDs(cs []*tracing.Case) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
