// Package screening holds Bulwark's sanctions and attribution screening:
// the model of listed entities ([Entity], [List]), the in-memory index that
// answers address and name queries, the decision rules that turn matches
// into verdicts per use (deposit, withdrawal, onboarding, hiring, vendor),
// and the interfaces its stores implement.
//
// Parsers for the list formats live in screening/lists, chain-aware address
// parsing in screening/chainaddr and name matching in screening/names; this
// package imports none of the adapters.
package screening
