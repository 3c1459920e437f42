package labels

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
)

// Screening labels the addresses on the active screening lists: an OFAC
// or FBI address on a trace's path shows as such. Each listing is one
// label: Source is the list ID ("ofac-sdn", "fbi-dprk", a user's own list
// ID), Name the listed entity, Category the list's category (sanctions,
// attribution, seizure, label, internal, unknown) and Abuse the programs
// or actors the list names ("DPRK3, CYBER2"). A listing never makes a hub:
// hubs come from TagPacks and the user's labels.
type Screening struct {
	index func() *screening.Index
	rules screening.Rules
}

// NewScreening returns a labeler over the index index returns at each
// call: pass (*screening.Screener).Index so that a list update is seen by
// the next lookup, or a function returning a fixed index.
func NewScreening(index func() *screening.Index) *Screening {
	return &Screening{index: index}
}

// Labels returns addr's listings as labels, in the index's order (by list
// ID, then entity).
func (s *Screening) Labels(addr common.Address) []tracing.Label {
	if s == nil || s.index == nil {
		return nil
	}
	ix := s.index()
	if ix == nil {
		return nil
	}
	res := ix.LookupAddress(screening.AddressQuery{Address: addr.Hex(), Chain: "ETH"}, &s.rules)
	if len(res.Matches) == 0 {
		return nil
	}
	out := make([]tracing.Label, 0, len(res.Matches))
	for _, m := range res.Matches {
		l := tracing.Label{Source: m.List, Name: m.Name, Category: string(m.Category), Abuse: strings.Join(m.Programs, ", ")}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// thorChains maps THORChain chain names to the tickers screening files
// addresses under; a chain not listed is written as THORChain names it.
var thorChains = map[string]string{
	"BTC": "BTC", "BCH": "BCH", "LTC": "LTC", "DOGE": "DOGE", "ETH": "ETH", "BSC": "BSC",
	"AVAX": "AVAX", "BASE": "BASE", "ARB": "ARB", "TRON": "TRX", "XRP": "XRP", "SOL": "SOL",
}

// ExitList makes a user's own screening list, under id and category
// internal at high confidence, of the destination addresses of exits (the
// addresses a THORChain or bridge deposit named on the other chain), one
// entity per destination labelled with the service and the deposit
// transaction. Imported into screening ([WatchExits], 'lists update', or
// screening.Service.Import), it flags any of them wherever it is
// screened: under the default policy (an internal list at high
// confidence) a deposit from or a withdrawal to one is blocked. Exits
// without a destination address are skipped; with none left it returns a
// NOTFOUND error.
func ExitList(id string, exits []tracing.Exit) (*screening.List, error) {
	return exitList(id, nil, exits)
}

// exitRow is one destination of an exit list.
type exitRow struct{ address, chain, label, source string }

func exitList(id string, prev []exitRow, exits []tracing.Exit) (*screening.List, error) {
	rows := prev
	for _, e := range exits {
		dest := strings.TrimSpace(e.DestAddress)
		if dest == "" {
			continue
		}
		chain, ok := thorChains[strings.ToUpper(e.DestChain)]
		if !ok {
			chain = strings.ToUpper(e.DestChain)
		}
		service := e.Service
		if service == "" {
			service = "cross-chain exit"
		}
		rows = append(rows, exitRow{dest, chain,
			fmt.Sprintf("%s destination of traced funds (deposit tx %s from %s)", service, e.TxHash.Hex(), e.From.Hex()),
			"trace exit " + e.TxHash.Hex()})
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"address", "chain", "label", "source"})
	seen := map[string]bool{}
	n := 0
	for _, r := range rows {
		key := r.chain + "\x00" + r.address
		if seen[key] {
			continue
		}
		seen[key] = true
		_ = w.Write([]string{r.address, r.chain, r.label, r.source})
		n++
	}
	w.Flush()
	if n == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no exit names a destination address: nothing to put on list %s", id)
	}
	return lists.ParseOwn(lists.Own{ID: id, Category: screening.CategoryInternal, Confidence: screening.ConfidenceHigh},
		map[string][]byte{id + ".csv": buf.Bytes()})
}

// WatchExits puts the destinations of exits on the screening list id of
// svc (an [ExitList]), keeping the destinations the active version of
// that list already holds, and imports it as actor (audited; watches are
// re-screened against the new entries). Keep one id per case: the list
// only grows, so narrowing a case's bounds takes no destination off it
// (remove the list with 'bulwark lists remove' to start over). Exits
// without a destination address are skipped; with none at all, and none
// on the list, it returns a NOTFOUND error.
func WatchExits(ctx context.Context, svc *screening.Service, actor, id string, exits []tracing.Exit) (*screening.ImportReport, error) {
	var prev []exitRow
	for _, e := range screening.ChangedEntities(nil, svc.Screener().Index()) {
		if e.List != id {
			continue
		}
		for _, a := range e.Addresses {
			prev = append(prev, exitRow{a.Address, a.Currency, e.Name, e.Source})
		}
	}
	l, err := exitList(id, prev, exits)
	if err != nil {
		return nil, err
	}
	l.Info.Source = "trace exits"
	return svc.Import(ctx, actor, "trace exits", []*screening.List{l})
}

// CaseExits is the tracing.ExitWatcher of svc: the exits' destinations go
// on the case's list tracing.CaseExitList(id) through [WatchExits]. Case
// runs (CLI and API) and the follower of open cases use it.
func CaseExits(svc *screening.Service) tracing.ExitWatcher {
	return func(ctx context.Context, actor string, id int64, exits []tracing.Exit) error {
		_, err := WatchExits(ctx, svc, actor, tracing.CaseExitList(id), exits)
		return err
	}
}
