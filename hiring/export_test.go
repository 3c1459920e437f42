package hiring

// For the external tests (package hiring_test), which run the service on
// the SQLite store.

// SynthApplicants is synthApplicants.
var SynthApplicants = synthApplicants

// NewFakeScreener returns the tests' screener: names (name → verdict)
// screened as given, everything else clear.
func NewFakeScreener(names map[string]string) Screener { return &fakeScreener{names: names} }
