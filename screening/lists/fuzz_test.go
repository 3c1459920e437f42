package lists

import (
	"bytes"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// checkFuzz asserts the outcome every parser promises: either a list whose
// counts are consistent, or an invalid-input error naming a field.
func checkFuzz(t *testing.T, l *screening.List, err error) {
	t.Helper()
	if err != nil {
		if l != nil {
			t.Fatalf("a list and an error: %v", err)
		}
		if !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Fatalf("error %v has code %q, want invalid", err, bulwark.ErrorCode(err))
		}
		return
	}
	checkList(t, l)
}

func FuzzOFACCSV(f *testing.F) {
	f.Add(readTestdata(f, "ofac_csv", "sdn.csv"), readTestdata(f, "ofac_csv", "add.csv"), readTestdata(f, "ofac_csv", "alt.csv"), readTestdata(f, "ofac_csv", "sdn_comments.csv"))
	f.Add([]byte("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1964 to 1966; Digital Currency Address - XBT 1A\"\r\n"), []byte{}, []byte{}, []byte("1,\"1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.\""))
	f.Fuzz(func(t *testing.T, sdn, add, alt, comments []byte) {
		files := map[string][]byte{"sdn.csv": sdn}
		for name, data := range map[string][]byte{"add.csv": add, "alt.csv": alt, "sdn_comments.csv": comments} {
			if len(data) > 0 {
				files[name] = data
			}
		}
		l, err := ParseOFACCSV(files)
		checkFuzz(t, l, err)
	})
}

func FuzzOFACXML(f *testing.F) {
	f.Add(readTestdata(f, "sdn_advanced_sample.xml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseOFACXML(bytes.NewReader(data))
		checkFuzz(t, l, err)
	})
}

func FuzzUNXML(f *testing.F) {
	f.Add(readTestdata(f, "un_sample.xml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseUNXML(bytes.NewReader(data))
		checkFuzz(t, l, err)
	})
}

func FuzzFBI(f *testing.F) {
	f.Add("fbi.txt", readTestdata(f, "fbi_sample.txt"))
	f.Add("fbi.csv", readTestdata(f, "fbi_sample.csv"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		l, err := ParseFBIAddresses(name, data, "https://example.org/psa")
		checkFuzz(t, l, err)
		// What the importer makes today is never taken for what earlier
		// versions mislabelled (but for the remarks' one ambiguity).
		if m, bad := MadeUpDPRK(l); err == nil && bad && !bytes.Contains(data, []byte(". Corroboration: ")) && !bytes.Contains(data, []byte(". Validation: ")) {
			t.Fatalf("the upgrade check reports a list the importer makes today: %s", m.Reason)
		}
	})
}

func FuzzOwn(f *testing.F) {
	f.Add("mine.txt", readTestdata(f, "fbi_sample.txt"))
	f.Add("mine.csv", readTestdata(f, "bulwark_sample.csv"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		l, err := ParseOwn(Own{ID: "mine", Category: screening.CategoryInternal}, map[string][]byte{name: data})
		checkFuzz(t, l, err)
	})
}

func FuzzBulwarkCSV(f *testing.F) {
	f.Add("mine", readTestdata(f, "bulwark_sample.csv"))
	f.Fuzz(func(t *testing.T, id string, data []byte) {
		l, err := ParseBulwarkCSV(id, data)
		checkFuzz(t, l, err)
	})
}

func FuzzILNBCTF(f *testing.F) {
	f.Add(readTestdata(f, "il_wallets_sample.csv"), readTestdata(f, "il_releases_sample.csv"))
	f.Fuzz(func(t *testing.T, wallets, releases []byte) {
		if len(releases) == 0 {
			releases = nil
		}
		l, err := ParseILNBCTF(wallets, releases)
		checkFuzz(t, l, err)
	})
}

func FuzzUKConListCSV(f *testing.F) {
	f.Add(ukCSV(f, ukSample()))
	f.Add([]byte("Last Updated,14/04/2025\nName 6,Group ID\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseUKConListCSV(data)
		checkFuzz(t, l, err)
	})
}

func FuzzUKConListXLSX(f *testing.F) {
	f.Add(ukXLSX(f, ukSample()))
	f.Add(zipOf(f, false, "xl/workbook.xml", "<workbook/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseUKConList(data)
		checkFuzz(t, l, err)
	})
}
