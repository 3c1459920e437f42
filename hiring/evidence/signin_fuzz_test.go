package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addSeedFiles adds every file under testdata/DIR to the corpus.
func addSeedFiles(f *testing.F, dir string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzReadSignIns(f *testing.F) {
	addSeedFiles(f, "signins")
	f.Add([]byte(oktaOK))
	f.Add([]byte("user,time,ip\na@example.com,2026-03-02T09:00:00Z,192.0.2.1\n"))
	f.Add([]byte("Date (UTC),Username,IP address,Location,Status\n2026-03-04 08:00:01,a@contoso.example,192.0.2.1,\"Chicago, Illinois, US\",Success\n"))
	f.Add([]byte(`{"value":[{"createdDateTime":"2026-03-04T08:00:01Z","userPrincipalName":"a","status":{"errorCode":0}}]}`))
	// Shapes whose cost grows with the input: an array of line breaks, a
	// quoted cell of many lines.
	f.Add([]byte("[" + strings.Repeat("\n", 4000) + `{"user":"a@example.com","time":"2026-03-02T09:00:00Z","ip":"192.0.2.1"}]`))
	f.Add([]byte("user,time,ip,user_agent\na@example.com,2026-03-02T09:00:00Z,192.0.2.1,\"" + strings.Repeat("a\n", 4000) + "\"\n"))
	// Kinds of sign-in and the interactive markers.
	f.Add([]byte(strings.ReplaceAll(oktaOK, "user.session.start", "app.oauth2.as.token.grant.refresh_token") + "\n" +
		strings.ReplaceAll(oktaOK, "user.session.start", "user.authentication.auth_via_richclient") + "\n" +
		strings.ReplaceAll(oktaOK, "user.session.start", "user.authentication.slo")))
	f.Add([]byte("Date (UTC),Username,IP address,Status,Interactive,Latency,Latency\n2026-03-04T08:00:01Z,a@contoso.example,192.0.2.1,Success,false,1,2\n"))
	f.Add([]byte("user,time,ip,interactive\na@example.com,2026-03-02T09:00:00Z,192.0.2.1,no\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		name := "NonInteractiveSignIns_f.csv"
		ss, notes, err := ReadSignInsNotes(bytes.NewReader(data), name, Limits{MaxFileBytes: 1 << 20})
		checkReadError(t, name, len(ss), err)
		if err != nil && notes != nil {
			t.Fatalf("notices %q with the error %v", notes, err)
		}
		for _, n := range notes {
			if n == "" || strings.ContainsAny(n, "\n\r") {
				t.Fatalf("notice %q", n)
			}
		}
		for _, s := range ss {
			if s.User == "" || s.Time.IsZero() || s.Line < 1 {
				t.Fatalf("incomplete sign-in %+v", s)
			}
		}
	})
}

func FuzzReadInventory(f *testing.F) {
	addSeedFiles(f, "inventory")
	f.Add([]byte(`[{"hardware_serial":"S1","cpu_brand":"x"}][{"vendor_id":"0x1D6B","model_id":"104"}]`))
	f.Add([]byte("serial,item_type,vendor_id,product_id\nS1,usb,VID_1D6B,PID_0104\n"))
	f.Add([]byte(`{"name":"p","hostIdentifier":"h","decorations":{"hardware_serial":"To Be Filled By O.E.M."},"diffResults":{"added":[{"name":"AnyDesk"}],"removed":[]}}`))
	f.Add([]byte(`[{"hardware_serial":"S1","name":"x","path":"/x` + strings.Repeat("/AnyDesk.app", 300) + `"}]`))
	f.Add([]byte(`{"name":"p","hostIdentifier":"h","columns":{"name":"AnyDesk"},"action":"removed"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, notes, err := ReadInventoryNotes(bytes.NewReader(data), "f", Limits{MaxFileBytes: 1 << 20})
		checkReadError(t, "f", len(ds), err)
		if err != nil && notes != nil {
			t.Fatalf("notices %q with the error %v", notes, err)
		}
		for _, d := range ds {
			if d.Serial == "" || d.Line < 1 {
				t.Fatalf("incomplete device %+v", d)
			}
			for _, u := range d.USB {
				if (u.VendorID != "" && len(u.VendorID) != 4) || (u.ProductID != "" && len(u.ProductID) != 4) {
					t.Fatalf("USB ids not normalised: %+v", u)
				}
			}
		}
	})
}

func FuzzReadGitHub(f *testing.F) {
	addSeedFiles(f, "github")
	f.Add([]byte(`{"login":"a","created_at":"2020-01-01T00:00:00Z","commits":[{"commit":{"author":{"date":"2019-01-01T09:00:00+09:00"}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ReadGitHubLimits(bytes.NewReader(data), "f", Limits{MaxFileBytes: 1 << 20})
		checkReadError(t, "f", len(ps), err)
		for _, p := range ps {
			if p.Login == "" || p.Line < 1 {
				t.Fatalf("incomplete profile %+v", p)
			}
		}
	})
}
