package screening_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// FuzzParsePolicy: any input either parses into a policy that validates,
// or fails with one EINVALID error naming the file; never a panic.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"hiring": {"nameReview": 0.85, "nameBlock": 0.95}}`,
		`{"deposit": {"address": {"seizure": {"high": "block"}, "label": {"high": "clear"}}}}`,
		`{"vendor": {"nameCategories": ["sanctions"]}}`,
		`{"payroll": {}}`, `[`, `{"hiring": {"nameReview": 2}}`, `{"deposit": {"address": {"x": {"y": "z"}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := screening.ParsePolicy(data, "policy.json")
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || bulwark.ErrorMessage(err) == "" {
				t.Fatalf("error %v is not a clear EINVALID", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted a policy that does not validate: %v", err)
		}
		if _, err := screening.NewScreener(screening.BuildIndex(nil, t0), screening.Config{Policy: p}); err != nil {
			t.Fatalf("accepted a policy a screener refuses: %v", err)
		}
	})
}
