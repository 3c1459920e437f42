package evidence

import (
	"strings"
	"testing"
)

func FuzzReadPayroll(f *testing.F) {
	addTestdata(f, "payroll.*")
	f.Add([]byte(`{"person":"A","kind":"crypto","account":"0xabc","chain":"Ethereum","since":"2025-03-04T09:15:00+09:00"}`))
	f.Add([]byte("person\tkind\taccount\nA\tIBAN\tDE89370400440532013000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadPayroll(strings.NewReader(string(data)), "f.csv", Limits{})
		if err != nil {
			checkReadError(t, "f.csv", len(got), err)
			return
		}
		for _, a := range got {
			switch a.Kind {
			case "bank", "iban", "crypto", "wallet":
			default:
				t.Errorf("kind %q", a.Kind)
			}
			if a.Person == "" || a.Account == "" || a.Line < 1 || a.Kind == "crypto" && a.Chain == "" {
				t.Errorf("account %+v", a)
			}
		}
	})
}
