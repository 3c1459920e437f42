package policy

import (
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
)

// ChainCheckJSON is the "chain" object of the verify JSON: what was read
// from the node.
type ChainCheckJSON struct {
	Block              string            `json:"block"`
	ChainIDSource      string            `json:"chainIdSource"`
	VersionSource      string            `json:"versionSource"`
	Singleton          string            `json:"singleton"`
	SingletonCodeHash  string            `json:"singletonCodeHash"`
	SingletonKnown     bool              `json:"singletonKnown"`
	SingletonName      string            `json:"singletonName,omitempty"`
	ReportedVersion    string            `json:"reportedVersion,omitempty"`
	ContractSafeTxHash string            `json:"contractSafeTxHash,omitempty"`
	ContractHashError  string            `json:"contractHashError,omitempty"`
	HashMatchesChain   bool              `json:"safeTxHashMatchesContract"`
	CodeHashes         map[string]string `json:"codeHashes"`
}

func (c *ChainCheck) json() *ChainCheckJSON {
	out := &ChainCheckJSON{
		Block: strconv.FormatUint(c.Block, 10), ChainIDSource: c.ChainIDSource, VersionSource: c.VersionSource,
		Singleton: c.Singleton.Hex(), SingletonCodeHash: c.SingletonCodeHash.Hex(), SingletonKnown: c.SingletonKnown,
		SingletonName: c.SingletonName, ReportedVersion: c.ReportedVersion, ContractHashError: c.ContractHashError,
		CodeHashes: make(map[string]string, len(c.CodeHashes)),
	}
	if c.ContractSafeTxHash != nil {
		out.ContractSafeTxHash = c.ContractSafeTxHash.Hex()
	}
	for a, h := range c.CodeHashes {
		out.CodeHashes[a.Hex()] = h.Hex()
	}
	return out
}

// SimulationJSON is the "simulation" object of the verify JSON.
type SimulationJSON struct {
	Status         string              `json:"status"`
	Reason         string              `json:"reason,omitempty"`
	Block          string              `json:"block"`
	From           string              `json:"from,omitempty"`
	Signers        []string            `json:"signers"`
	Changes        []SimChange         `json:"changes"`
	OtherStorage   []SlotChangeJSON    `json:"otherStorage"`
	ETHLeaving     string              `json:"ethLeaving"`
	TokenTransfers []TokenTransferJSON `json:"tokenTransfers"`
	LogsAvailable  bool                `json:"logsAvailable"`
	Unexplained    int                 `json:"unexplained"`
}

// SlotChangeJSON is a changed storage slot.
type SlotChangeJSON struct {
	Slot   string `json:"slot"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// TokenTransferJSON is a Transfer event from the Safe: amount for ERC-20,
// tokenId for ERC-721.
type TokenTransferJSON struct {
	Token   string `json:"token"`
	To      string `json:"to"`
	Amount  string `json:"amount,omitempty"`
	TokenID string `json:"tokenId,omitempty"`
}

func (s *Simulation) json() *SimulationJSON {
	out := &SimulationJSON{Status: s.Status, Reason: s.Reason, Block: strconv.FormatUint(s.Block, 10),
		Signers: []string{}, Changes: s.Changes, OtherStorage: []SlotChangeJSON{}, ETHLeaving: decString(s.ETHLeaving),
		TokenTransfers: []TokenTransferJSON{}, LogsAvailable: s.LogsAvailable, Unexplained: s.unexplained()}
	if s.From != (common.Address{}) {
		out.From = s.From.Hex()
	}
	if out.Changes == nil {
		out.Changes = []SimChange{}
	}
	for _, a := range s.Signers {
		out.Signers = append(out.Signers, a.Hex())
	}
	for _, c := range s.OtherStorage {
		out.OtherStorage = append(out.OtherStorage, SlotChangeJSON{c.Slot.Hex(), c.Before.Hex(), c.After.Hex()})
	}
	for _, t := range s.TokenTransfers {
		j := TokenTransferJSON{Token: t.Token.Hex(), To: t.To.Hex()}
		if t.Amount != nil {
			j.Amount = t.Amount.String()
		}
		if t.TokenID != nil {
			j.TokenID = t.TokenID.String()
		}
		out.TokenTransfers = append(out.TokenTransfers, j)
	}
	return out
}

func (s *Simulation) unexplained() int {
	n := 0
	for _, c := range s.Changes {
		if !c.Explained {
			n++
		}
	}
	return n
}

// summary is what the audit log records of a simulation: its status, the
// kinds of change (unexplained ones marked with "!"), ETH leaving and the
// tokens sent.
func (s *Simulation) summary() map[string]any {
	kinds := []string{}
	for _, c := range s.Changes {
		k := string(c.Kind)
		if !c.Explained {
			k = "!" + k
		}
		kinds = append(kinds, k)
	}
	sums := map[string]*big.Int{}
	for _, t := range s.TokenTransfers {
		if t.Amount != nil {
			k := t.Token.Hex()
			if sums[k] == nil {
				sums[k] = new(big.Int)
			}
			sums[k].Add(sums[k], t.Amount)
		}
	}
	tokens := make(map[string]string, len(sums))
	for k, v := range sums {
		tokens[k] = v.String()
	}
	out := map[string]any{"status": s.Status, "changes": kinds, "ethLeaving": decString(s.ETHLeaving), "otherStorage": len(s.OtherStorage)}
	if len(tokens) > 0 {
		out["tokensLeaving"] = tokens
	}
	return out
}
