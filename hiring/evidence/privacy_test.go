package evidence

import (
	"strings"
	"testing"
)

// TestErrorsHoldNoPersonalData: an error names the file, line and field
// and says what is wrong, but never repeats a value of a data row (an id,
// login, e-mail, date of birth, IP, time, serial, hostname or a cell in
// the wrong column): errors reach stderr, API responses and logs. Header
// cells and mapping settings are repeated, since the user needs them.
func TestErrorsHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	people := func(in string) error {
		_, err := ReadPeople(strings.NewReader(in), "p.csv", PeopleOptions{})
		return err
	}
	signins := func(in string) error {
		_, err := ReadSignIns(strings.NewReader(in), "s.csv")
		return err
	}
	const sh = "user,time,ip,success\n"
	for _, tc := range []struct {
		name string
		read func(string) error
		in   string
		pii  []string
	}{
		{"birth year", people, "id,date_of_birth\n1,1899-05-07\n", []string{"1899", "05"}},
		{"birth day", people, "id,date_of_birth\n1,2001-02-30\n", []string{"30", "February", "2001"}},
		{"birth month", people, "id,date_of_birth\n1,2001-13-03\n", []string{"13", "2001"}},
		{"duplicate id", people, "id\nalice@example.com\nalice@example.com\n", []string{"alice"}},
		{"role holds an e-mail", people, "id,role\n1,carol@example.com\n", []string{"carol"}},
		{"country holds an e-mail", people, "id,country\n1,jack@example.com\n", []string{"jack"}},
		{"people ip", people, "id,ips\n1,10.0.0.300\n", []string{"10.0.0.300"}},
		{"sign-in ip", signins, sh + "dave@example.com,2026-03-02T09:00:00Z,10.0.0.300,true\n", []string{"10.0.0.300", "dave"}},
		{"sign-in time", signins, sh + "dave@example.com,2026-03-02T09:07:13,192.0.2.1,true\n", []string{"09:07:13", "dave"}},
		{"sign-in time format", signins, sh + "dave@example.com,2026-99-02T09:07:13Z,192.0.2.1,true\n", []string{"09:07:13", "dave"}},
		{"sign-in country", func(in string) error {
			_, err := ReadSignIns(strings.NewReader(in), "s.csv")
			return err
		}, "user,time,ip,country\ndave@example.com,2026-03-02T09:00:00Z,192.0.2.1,erin@example.com\n", []string{"erin", "dave"}},
		{"sign-in success", signins, sh + "dave@example.com,2026-03-02T09:00:00Z,192.0.2.1,erin@example.com\n", []string{"erin", "dave"}},
		{"sign-in asn", func(in string) error {
			_, err := ReadSignIns(strings.NewReader(in), "s.csv")
			return err
		}, "user,time,ip,asn\ndave@example.com,2026-03-02T09:00:00Z,192.0.2.1,erin@example.com\n", []string{"erin", "dave"}},
		{"github login", func(in string) error {
			_, err := ReadGitHub(strings.NewReader(in), "g.json")
			return err
		}, `[{"login":"frank-dev","created_at":"2020-01-01T00:00:00Z"},{"login":"frank-dev","created_at":"2020-01-01T00:00:00Z"}]`, []string{"frank"}},
		{"github time", func(in string) error {
			_, err := ReadGitHub(strings.NewReader(in), "g.json")
			return err
		}, `[{"login":"frank-dev","created_at":"2020-01-01T07:41:19"}]`, []string{"frank", "07:41:19"}},
		{"inventory user", func(in string) error {
			_, err := ReadInventory(strings.NewReader(in), "i.csv")
			return err
		}, "serial,hostname,user\nSN-4471,alice-pc,alice@example.com\nSN-4471,alice-pc,bob@example.com\n", []string{"SN-4471", "alice", "bob"}},
		{"inventory item type", func(in string) error {
			_, err := ReadInventory(strings.NewReader(in), "i.csv")
			return err
		}, "serial,hostname,user,item_type\nSN-4471,alice-pc,u,bob@example.com\n", []string{"SN-4471", "alice", "bob"}},
		{"inventory duplicate device", func(in string) error {
			_, err := ReadInventory(strings.NewReader(in), "i.json")
			return err
		}, `{"serial":"SN-4471"}` + "\n" + `{"serial":"SN-4471"}`, []string{"SN-4471"}},
		{"payroll kind", func(in string) error {
			_, err := ReadPayroll(strings.NewReader(in), "pay.csv", Limits{})
			return err
		}, "person,kind,account\ngina@example.com,GB29NWBK60161331926819,x\n", []string{"gina", "GB29"}},
		{"shipment time", func(in string) error {
			_, err := ReadShipments(strings.NewReader(in), "ship.csv", Limits{})
			return err
		}, "device_serial,person,address,shipped_at\nSN-4471,gina@example.com,1 Main St,2026-03-02T09:07:13\n", []string{"SN-4471", "gina", "09:07:13", "Main"}},
		{"entra status", func(in string) error {
			_, err := ReadSignIns(strings.NewReader(in), "e.csv")
			return err
		}, "Date (UTC),Username,IP address,Status\n2026-03-02T09:00:00Z,hank@contoso.example,192.0.2.1,ivy@contoso.example\n", []string{"hank", "ivy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.read(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			for _, v := range tc.pii {
				if strings.Contains(err.Error(), v) {
					t.Errorf("the error repeats %q from the data: %v", v, err)
				}
			}
		})
	}
}

// TestNoticesHoldNoPersonalData: the notices of every ...Notes reader
// (the CLI prints them, the API returns them) hold counts, reasons and
// header cells, never a value of a data row, also when a file lacks its
// header line or keys its JSON objects by values.
func TestNoticesHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	ignoreAll := &Mapping{Columns: map[string]string{"Candidate ID": "id"}, IgnoreUnknown: true}
	people := func(in string) ([]string, error) {
		_, notes, err := ReadPeopleNotes(strings.NewReader(in), "p", PeopleOptions{Mapping: ignoreAll})
		return notes, err
	}
	signins := func(in string) ([]string, error) {
		_, notes, err := ReadSignInsNotes(strings.NewReader(in), "s", Limits{})
		return notes, err
	}
	inventory := func(in string) ([]string, error) {
		_, notes, err := ReadInventoryNotes(strings.NewReader(in), "i", Limits{})
		return notes, err
	}
	okta := func(typ, ip, device string) string {
		return `{"eventType":"` + typ + `","published":"2026-03-02T09:07:13Z","actor":{"alternateId":"dave@example.com"},"client":{"ipAddress":"` + ip +
			`","userAgent":{"rawUserAgent":"DaveBrowser/9"}},"outcome":{"result":"SUCCESS"}` + device + "}\n"
	}
	for _, tc := range []struct {
		name string
		read func(string) ([]string, error)
		in   string
		pii  []string
	}{
		{"people: header cells", people, "Candidate ID,Phone 2,Nick\n1,+13125550100,Davey\n", []string{"5550100", "Davey"}},
		// The first record read as the header: the id's column is mapped,
		// the values beside it are skipped columns.
		{"people: no header line", people, "Candidate ID,erin@example.com,+1 312 555 0100,10.1.2.3,https://x.example/erin,GB29NWBK60161331926819\n7,a,b,c,d,e\n",
			[]string{"erin", "555", "10.1.2.3", "x.example", "GB29"}},
		{"people: JSON keyed by values", people, `{"Candidate ID":"1","erin@example.com":"primary","+13125550100":"mobile"}` + "\n", []string{"erin", "5550100"}},
		{"okta: skipped events and no IP", signins, okta("user.session.start", "", "") + okta("user.account.lock", "198.51.100.7", "") +
			okta("app.oauth2.token.grant.access_token", "198.51.100.7", "") + okta("user.authentication.slo", "198.51.100.7", ""),
			[]string{"dave", "198.51.100.7", "09:07:13", "DaveBrowser"}},
		{"generic csv: interactivity unknown", signins, "user,time,ip,mfa_device\ndave@example.com,2026-03-02T09:07:13Z,198.51.100.7,\n",
			[]string{"dave", "198.51.100.7", "09:07:13"}},
		{"inventory: osquery removals", inventory, `{"name":"programs","hostIdentifier":"erin-mbp","decorations":{"hardware_serial":"C02XK1ABCDEF"},"columns":{"name":"AnyDesk"},"action":"removed"}` + "\n" +
			`{"name":"programs","hostIdentifier":"erin-mbp","decorations":{"hardware_serial":"C02XK1ABCDEF"},"columns":{"name":"Slack"},"action":"added"}` + "\n",
			[]string{"erin", "C02XK1", "AnyDesk"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			notes, err := tc.read(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) == 0 {
				t.Fatal("no notice: the case tests nothing")
			}
			for _, n := range notes {
				for _, v := range tc.pii {
					if strings.Contains(n, v) {
						t.Errorf("the notice repeats %q from the data: %s", v, n)
					}
				}
			}
		})
	}
}
