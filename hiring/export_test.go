package hiring

// For the external tests (package hiring_test), which run the service on
// the SQLite store.

// SynthApplicants is synthApplicants.
var SynthApplicants = synthApplicants

// NewFakeScreener returns the tests' screener: names (name → verdict)
// screened as given, everything else clear.
func NewFakeScreener(names map[string]string) Screener { return &fakeScreener{names: names} }

// CPUTime and VMHWM are the benchmarks' process CPU time and peak
// resident set (KiB, 0 when unknown).
var (
	CPUTime = cpuTime
	VMHWM   = vmHWM
)
