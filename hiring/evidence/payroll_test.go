package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

func TestReadPayrollExample(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "payroll.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadPayroll(f, "payroll.csv", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Kind != "crypto" || got[2].Chain != "ethereum" || got[2].Line != 4 {
		t.Fatalf("got %+v", got)
	}
	if want := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC); !got[0].Since.Equal(want) {
		t.Errorf("since %v, want %v", got[0].Since, want)
	}
}

func TestReadPayrollBadInput(t *testing.T) {
	t.Parallel()
	const h = "person,kind,account,holder,institution,chain,since\n"
	for _, tc := range []struct{ name, in, want string }{
		{"kind.csv", h + "A,bank,123,,,,\nB,paypal,x,,,,\n", "kind.csv: line 3: kind: is not a kind of account: give bank, iban, crypto or wallet"},
		{"nokind.csv", h + "A,,123,,,,\n", "nokind.csv: line 2: kind: missing"},
		{"account.csv", h + "A,iban,,,,,\n", "account.csv: line 2: account: missing"},
		{"person.csv", h + ",iban,DE89,,,,\n", "person.csv: line 2: person: missing"},
		{"chain.csv", h + "A,crypto,0xabc,,,,\n", "chain.csv: line 2: chain: missing for a crypto account"},
		{"zone.csv", h + "A,bank,1,,,,2025-03-01 08:00:00\n", "zone.csv: line 2: since: has no time zone: add Z"},
		{"unknown.csv", "person,kind,account,swift\n", "unknown.csv: line 1: unknown column \"swift\""},
		{"zone.jsonl", `{"person":"A","kind":"Bank","account":"1","since":"2025-03-01T08:00"}`, "zone.jsonl: line 1: since: has no time zone"},
	} {
		got, err := ReadPayroll(strings.NewReader(tc.in), tc.name, Limits{})
		if got != nil {
			t.Errorf("%s: a partial result with the error", tc.name)
		}
		wantErr(t, err, bulwark.EINVALID, tc.want)
	}
	got, err := ReadPayroll(strings.NewReader(`{"person":"A","kind":"Bank","account":"1","since":"2025-03-01T08:00:00+09:00"}`), "ok.jsonl", Limits{})
	if err != nil || got[0].Kind != "bank" || got[0].Since.UTC().Hour() != 23 {
		t.Errorf("got %+v, %v", got, err)
	}
}
