package vetting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/intel"
	"github.com/bulwark-sec/bulwark/hiring/sanctions"
)

// Config is what a hiring service is made of.
type Config struct {
	// Store keeps people, evidence and results; Audit records every
	// change (the same adapter, so that they share transactions).
	Store hiring.Store
	Audit *audit.Log
	// Screening screens names and payroll crypto addresses (nil: neither
	// is screened, and the report says so).
	Screening sanctions.Service
	// Lists returns the versions of the screening lists in force, recorded
	// with every assessment (nil: none).
	Lists func() map[string]string
	// Intel is the reference data (nil: intel.Builtin()).
	Intel *intel.Intel
	// AllowTools are remote-access products the employer sanctions.
	AllowTools []string
	// Index keeps the stored people indexed between the services' runs,
	// so that screening new applicants checks their neighbourhood only
	// (hiring.ScreenIndex); nil screens everyone stored every time. A
	// process makes one and keeps it.
	Index *hiring.ScreenIndex
}

// Service returns the hiring service acting as actor: the screening
// decisions of its runs are recorded as actor's, with the person's
// fingerprint as the audit log names them as their subject (the service
// hands the rules those fingerprints, hiring.WithSubjects; the Checker's
// Subject is only the fallback outside a service run).
func (c Config) Service(ctx context.Context, actor string) (*hiring.Service, error) {
	key, err := c.Store.HiringKey(ctx)
	if err != nil {
		return nil, err
	}
	in := c.Intel
	if in == nil {
		in = intel.Builtin()
	}
	if len(c.AllowTools) > 0 {
		in = in.WithOptions(intel.Options{Allow: c.AllowTools})
	}
	chk := &hiring.Checker{Network: in, Devices: in, AllowedTools: c.AllowTools,
		Subject: hiring.SubjectFunc(key)}
	if c.Screening != nil {
		chk.Screener = &sanctions.Screener{Service: c.Screening, Actor: actor}
	}
	return &hiring.Service{
		Store: c.Store,
		Audit: c.Audit,
		// Graph nil: the whole default identity graph (BuildGraph), whose
		// shared links the rules see.
		CheckGraph: chk.CheckGraph,
		Lists:      c.Lists,
		Rules:      RulesVersion(),
		Index:      c.Index,
	}, nil
}

// Recheck screens every stored person again as actor, with reason (e.g.
// "lists changed"); an empty store is no error and stores no run.
func (c Config) Recheck(ctx context.Context, actor, reason string) (*hiring.RunResult, error) {
	svc, err := c.Service(ctx, actor)
	if err != nil {
		return nil, err
	}
	return svc.Recheck(ctx, actor, reason)
}

// RulesVersion names the version of the rules recorded with every
// assessment: "rules-" and the first 12 hex digits of the SHA-256 of the
// rule table (codes, severities, weights), so that a changed weight is a
// new version.
func RulesVersion() string {
	b, _ := json.Marshal(hiring.Rules()) // a table of strings and numbers: cannot fail
	sum := sha256.Sum256(b)
	return "rules-" + hex.EncodeToString(sum[:6])
}
