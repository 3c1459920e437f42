package sanctions

import (
	"context"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/screening"
)

// Service is the part of screening.Service the Screener uses.
type Service interface {
	ScreenName(ctx context.Context, actor string, use screening.Use, subject string, q screening.NameQuery) (*screening.NameDecision, error)
	ScreenAddresses(ctx context.Context, actor string, use screening.Use, subject string, qs []screening.AddressQuery) (*screening.AddressDecision, error)
}

var _ Service = (*screening.Service)(nil)

// Screener screens names and payroll addresses with Service under the
// hiring use (screening.UseHiring), as Actor. The subject of each decision
// is the person's fingerprint the checks pass, never an identifier.
type Screener struct {
	Service Service
	// Actor is recorded with every screening decision ("cli:USER@HOST",
	// "token:ID", "system:recheck").
	Actor string
}

var _ hiring.Screener = (*Screener)(nil)

// maxMatches is how many matches a hit names.
const maxMatches = 3

// ScreenPersonName implements hiring.Screener: the name screened as a
// person, with the birth date and country when the record gives them.
func (s *Screener) ScreenPersonName(ctx context.Context, subject, name, dob, country string) (hiring.NameHit, error) {
	d, err := s.Service.ScreenName(ctx, s.Actor, screening.UseHiring, subject,
		screening.NameQuery{Name: name, Type: "person", DateOfBirth: dob, Country: country, Limit: maxMatches})
	if err != nil {
		return hiring.NameHit{}, err
	}
	hit := hiring.NameHit{Verdict: string(d.Verdict), DecisionID: d.ID}
	for _, m := range d.Matches {
		if m.Suppressed != nil {
			continue
		}
		hit.Matches = append(hit.Matches, fmt.Sprintf("%s (%s, score %.2f)", m.Name, m.List, m.Score))
		if len(hit.Matches) == maxMatches {
			break
		}
	}
	return hit, nil
}

// ScreenPayrollAddress implements hiring.Screener: the address screened
// for the chain the payroll record names (a chain's name such as
// "ethereum" is given as its ticker).
func (s *Screener) ScreenPayrollAddress(ctx context.Context, subject, chain, address string) (hiring.AddressHit, error) {
	d, err := s.Service.ScreenAddresses(ctx, s.Actor, screening.UseHiring, subject,
		[]screening.AddressQuery{{Address: strings.TrimSpace(address), Chain: Ticker(chain)}})
	if err != nil {
		return hiring.AddressHit{}, err
	}
	hit := hiring.AddressHit{Verdict: string(d.Verdict), DecisionID: d.ID}
	for _, r := range d.Results {
		for _, m := range r.Matches {
			if m.Suppressed != nil {
				continue
			}
			if len(hit.Matches) < maxMatches {
				hit.Matches = append(hit.Matches, fmt.Sprintf("%s (%s)", m.Name, m.List))
			}
		}
	}
	return hit, nil
}

// tickers maps the chain names payroll exports use to the tickers the
// screening service takes as a chain hint.
var tickers = map[string]string{
	"ethereum": "ETH", "eth": "ETH", "bitcoin": "XBT", "btc": "XBT", "xbt": "XBT",
	"tron": "TRX", "trx": "TRX", "litecoin": "LTC", "ltc": "LTC", "bsc": "BSC",
	"binance smart chain": "BSC", "polygon": "MATIC", "arbitrum": "ARB", "optimism": "OP",
	"solana": "SOL", "sol": "SOL", "monero": "XMR", "xmr": "XMR", "dash": "DASH",
	"bitcoin cash": "BCH", "bch": "BCH", "zcash": "ZEC", "zec": "ZEC",
}

// Ticker returns the screening chain hint for a payroll record's chain:
// a known chain name's ticker, else the chain upper-cased ("" stays "").
func Ticker(chain string) string {
	c := strings.ToLower(strings.TrimSpace(chain))
	if t, ok := tickers[c]; ok {
		return t
	}
	return strings.ToUpper(c)
}
