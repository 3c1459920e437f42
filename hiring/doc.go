// Package hiring vets remote hires for the indicators of North Korean IT
// workers: it holds the model of people records and the evidence about them
// (identity-provider sign-ins, endpoint inventories, laptop shipments,
// payroll accounts, GitHub profiles), the identity graph that links records
// sharing identifiers, the red-flag rules with their sources, the score and
// verdict per person, and the interfaces its stores implement.
//
// Readers for the evidence file formats live in hiring/evidence, reference
// data (VPN and hosting ranges, remote-access tools, IP-KVM fingerprints) in
// hiring/intel and the fuzzy record linkage in hiring/linkage. Names are
// screened against the sanctions lists through the screening service, never
// a second matcher. This package imports none of the adapters.
package hiring
