package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestReadSignInsNotes: each fixture's notices say what was skipped or
// cannot be used, by count, and repeat no value of a data row.
func TestReadSignInsNotes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want []string // one substring per notice, in order
	}{
		{"okta_api.json", []string{"1 event of types other than sign-ins (user.session.start, user.authentication.*) was skipped"}},
		{"okta.jsonl", []string{
			"1 event of types other than sign-ins",
			"1 OAuth token grant or refresh (app.oauth2.*token*) was skipped: a client asks for them in the background",
			"1 sign-out (user.authentication.slo, user.authentication.universal_logout*) was skipped",
		}},
		{"okta_export.csv", []string{
			"1 event of types other than sign-ins",
			"1 of 6 sign-ins carries no IP address: the network checks", // event 5's address is in request.ipChain
		}},
		{"entra_graph.json", []string{
			"1 sign-in passed MFA by a phone number Entra masks: the shared-MFA-device check cannot use them",
			"2 sign-ins name their second factor only by a device, key or app model",
		}},
		{"InteractiveSignIns_2026-03-04_2026-03-05.csv", []string{"1 sign-in passed MFA by a phone number Entra masks", "2 sign-ins name"}},
		{"NonInteractiveSignIns_2026-03-04_2026-03-05.csv", nil},
		{"generic.csv", []string{"1 of 3 sign-ins does not say whether a person made them or a client refreshed a token in the background: the time-zone rules count them as made by a person; give the column interactive"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", "signins", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			ss, notes, err := ReadSignInsNotes(bytes.NewReader(data), tc.file, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) != len(tc.want) {
				t.Fatalf("notices %q, want %d", notes, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(notes[i], w) {
					t.Errorf("notice %d %q does not say %q", i, notes[i], w)
				}
			}
			for _, s := range ss {
				for _, v := range []string{s.User, s.IP.String(), s.MFADevice, s.City, s.ASOrg, s.UserAgent} {
					for _, n := range notes {
						if len(v) > 3 && strings.Contains(n, v) {
							t.Errorf("notice %q repeats a value of line %d", n, s.Line)
						}
					}
				}
			}
			// The old functions read the same.
			old, err := ReadSignIns(bytes.NewReader(data), tc.file)
			if err != nil || len(old) != len(ss) {
				t.Errorf("ReadSignIns: %d sign-ins, %v; ReadSignInsNotes: %d", len(old), err, len(ss))
			}
		})
	}
}

// TestOktaEventKinds: sign-outs and token grants are skipped and counted
// apart; a rich client's authentication (a mail client's stored password,
// around the clock) is not interactive.
func TestOktaEventKinds(t *testing.T) {
	t.Parallel()
	ev := func(typ string) string {
		return `{"eventType":"` + typ + `","published":"2026-03-02T09:00:00Z","actor":{"alternateId":"a@example.com"},"client":{"ipAddress":"192.0.2.1"},"outcome":{"result":"SUCCESS"},"device":{"id":"guo4a5u7YAHhmjnpb0g7"}}` + "\n"
	}
	in := ev("user.session.start") + ev("user.authentication.auth_via_richclient") + ev("user.authentication.sso") +
		ev("user.authentication.slo") + ev("user.authentication.universal_logout") + ev("user.authentication.universal_logout.scheduled") +
		ev("app.oauth2.as.token.grant.refresh_token") + ev("app.oauth2.token.grant.access_token") + ev("app.oauth2.as.token.grant") +
		ev("app.oauth2.as.authorize.code") + ev("user.account.lock")
	ss, notes, err := ReadSignInsNotes(strings.NewReader(in), "f", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, s := range ss {
		got = append(got, interactiveText(s.Interactive))
	}
	if strings.Join(got, " ") != "true false true" {
		t.Fatalf("kept %d sign-ins, interactive %v; want 3: true false true", len(ss), got)
	}
	if ss[0].Interactive != ss[2].Interactive {
		t.Error("the sign-ins of a file do not share their Interactive value: an allocation each")
	}
	want := []string{"2 events of types other than sign-ins", "3 OAuth token grants or refreshes", "3 sign-outs"}
	if len(notes) != len(want) {
		t.Fatalf("notices %q", notes)
	}
	for i, w := range want {
		if !strings.HasPrefix(notes[i], w) {
			t.Errorf("notice %q, want %q", notes[i], w)
		}
	}
}

// TestOktaNotesMFA: an Okta log without device ids says the
// shared-MFA-device check cannot use it; a CSV without eventType says
// every row was read as a sign-in of unknown kind.
func TestOktaNotesMFA(t *testing.T) {
	t.Parallel()
	_, notes, err := ReadSignInsNotes(strings.NewReader(oktaOK+"\n"+oktaOK+"\n"), "f", Limits{})
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "no sign-in of this Okta log names an Okta device (device.id") {
		t.Errorf("%q, %v", notes, err)
	}
	csv := "published,actor.alternateId,client.ipAddress,outcome.result\n2026-03-02T09:00:00Z,a@example.com,192.0.2.1,SUCCESS\n"
	ss, notes, err := ReadSignInsNotes(strings.NewReader(csv), "f", Limits{})
	if err != nil || len(ss) != 1 || ss[0].Interactive != nil {
		t.Fatalf("%+v, %v", ss, err)
	}
	for _, w := range []string{"no eventType column: every row was read as a sign-in", "no device.id column", "1 of 1 sign-ins does not say whether a person made them"} {
		if !strings.Contains(strings.Join(notes, "\n"), w) {
			t.Errorf("notices %q do not say %q", notes, w)
		}
	}
}

// TestEntraCSVInteractive: the portal gives interactive and
// non-interactive sign-ins as two files with the same columns: the file
// name says which, and an Interactive column, when added, wins.
func TestEntraCSVInteractive(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"InteractiveSignIns_2026-03-01_2026-03-31.csv", "true"},
		{"/tmp/x/NonInteractiveSignIns_2026-03-01_2026-03-31.csv", "false"},
		{`C:\Users\a\Downloads\noninteractivesignins_2026.csv`, "false"},
		{"InteractiveSignIns_AuthDetails_2026-03-01.csv", "true"},
		{"signins.csv", ""},
		{"-", ""},
	} {
		if got := interactiveText(entraFileInteractive(tc.name)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	head := "Date (UTC),Username,IP address,Status"
	row := "2026-03-04T08:00:01Z,a@contoso.example,192.0.2.1,Success\n"
	ss, notes, err := ReadSignInsNotes(strings.NewReader(head+"\n"+row), "export.csv", Limits{})
	if err != nil || len(ss) != 1 || ss[0].Interactive != nil || len(notes) != 1 ||
		!strings.Contains(notes[0], "keep the portal's file names (InteractiveSignIns_….csv, NonInteractiveSignIns_….csv) or add a column Interactive") {
		t.Errorf("unnamed file: %+v, %q, %v", ss, notes, err)
	}
	ss, _, err = ReadSignInsNotes(strings.NewReader(head+",Interactive\n"+strings.TrimSuffix(row, "\n")+",false\n"), "InteractiveSignIns_x.csv", Limits{})
	if err != nil || len(ss) != 1 || interactiveText(ss[0].Interactive) != "false" {
		t.Errorf("Interactive column: %+v, %v", ss, err)
	}
	_, _, err = ReadSignInsNotes(strings.NewReader(head+",Interactive\n"+strings.TrimSuffix(row, "\n")+",sometimes\n"), "f", Limits{})
	wantErr(t, err, bulwark.EINVALID, "f: line 2: Interactive: is not true or false")
	// A column the reader reads may not repeat; one it does not read may
	// ("Incoming token type" is twice in the portal's download).
	_, _, err = ReadSignInsNotes(strings.NewReader(head+",Username\n"+strings.TrimSuffix(row, "\n")+",b@contoso.example\n"), "f", Limits{})
	wantErr(t, err, bulwark.EINVALID, "f: line 1: header: column \"Username\" appears twice")
	ss, _, err = ReadSignInsNotes(strings.NewReader(head+",Latency,Latency\n"+strings.TrimSuffix(row, "\n")+",1,2\n"), "f", Limits{})
	if err != nil || len(ss) != 1 {
		t.Errorf("a repeated column not read: %+v, %v", ss, err)
	}
}

// TestGenericInteractive: the generic formats take an optional
// interactive column.
func TestGenericInteractive(t *testing.T) {
	t.Parallel()
	ss, notes, err := ReadSignInsNotes(strings.NewReader(`{"user":"a@example.com","time":"2026-03-02T09:00:00Z","ip":"192.0.2.1","interactive":false}`+"\n"+
		`{"user":"a@example.com","time":"2026-03-02T09:00:00Z","ip":"192.0.2.1","interactive":"yes"}`), "f", Limits{})
	if err != nil || len(ss) != 2 || interactiveText(ss[0].Interactive) != "false" || interactiveText(ss[1].Interactive) != "true" || notes != nil {
		t.Errorf("%+v, %q, %v", ss, notes, err)
	}
	_, err = ReadSignIns(strings.NewReader("user,time,ip,interactive\na@example.com,2026-03-02T09:00:00Z,192.0.2.1,maybe\n"), "f")
	wantErr(t, err, bulwark.EINVALID, "f: line 2: interactive: is not true or false")
}

func TestReadInventoryNotes(t *testing.T) {
	t.Parallel()
	in := `{"name":"programs","hostIdentifier":"bob-pc","decorations":{"hardware_serial":"S2"},"diffResults":{"added":[{"name":"AnyDesk","install_location":"C:\\AnyDesk"}],"removed":[{"name":"Zoom"},{"name":"Slack"}]}}` + "\n" +
		`{"name":"programs","hostIdentifier":"bob-pc","decorations":{"hardware_serial":"S2"},"columns":{"name":"TeamViewer"},"action":"removed"}` + "\n"
	ds, notes, err := ReadInventoryNotes(strings.NewReader(in), "f", Limits{})
	if err != nil || len(ds) != 1 || len(notes) != 1 || !strings.HasPrefix(notes[0], "3 osqueryd rows reporting a removal were skipped") {
		t.Fatalf("%+v, %q, %v", ds, notes, err)
	}
	for _, v := range []string{"Zoom", "Slack", "TeamViewer", "S2", "bob-pc"} {
		if strings.Contains(notes[0], v) {
			t.Errorf("notice %q repeats %q", notes[0], v)
		}
	}
	_, notes, err = ReadInventoryNotes(strings.NewReader("serial,name\nS1,x\n"), "f", Limits{})
	if err != nil || notes != nil {
		t.Errorf("nothing skipped: %q, %v", notes, err)
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1204: "1,204", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestReadPeopleNotes: the columns ignore_unknown leaves unread are
// named (header cells, not values); ignore's are not, nor is anything
// without ignore_unknown.
func TestReadPeopleNotes(t *testing.T) {
	t.Parallel()
	m := &Mapping{Columns: map[string]string{"Candidate ID": "id"}, Ignore: []string{"Stage"}, IgnoreUnknown: true}
	ps, notes, err := ReadPeopleNotes(strings.NewReader("Candidate ID,Stage,Phone 2,Whatever,\n1,a,+13125550100,b,c\n"), "ats.csv", PeopleOptions{Mapping: m})
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	want := `the mapping's ignore_unknown left columns unread: "Phone 2", "Whatever", a column without a name; map those holding identifiers`
	if len(notes) != 1 || !strings.HasPrefix(notes[0], want) || strings.Contains(notes[0], "5550100") {
		t.Errorf("notices %q, want %q…", notes, want)
	}
	// JSON lines: the keys skipped, once each.
	_, notes, err = ReadPeopleNotes(strings.NewReader(`{"Candidate ID":"1","Phone 2":"x"}`+"\n"+`{"Candidate ID":"2","Phone 2":"y"}`+"\n"), "ats.jsonl", PeopleOptions{Mapping: m})
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], `left a column unread: "Phone 2"; map it`) {
		t.Errorf("JSON: %q, %v", notes, err)
	}
	_, notes, err = ReadPeopleNotes(strings.NewReader("id,full_name\n1,Ann Lee\n"), "p.csv", PeopleOptions{})
	if err != nil || notes != nil {
		t.Errorf("nothing skipped: %q, %v", notes, err)
	}
}

// TestGenericMFANotes: a generic log whose mfa_device values name models
// or labels, not devices, says how many sign-ins the shared-MFA-device
// check cannot use, without repeating a value.
func TestGenericMFANotes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, devices string // one mfa_device a row, ";" between rows
		want          string // the notice, "" for none
	}{
		{"device ids", "guo4a5u7YAHhmjnpb0g7;phone +13125550100;YubiKey 5 NFC SN 1234567", ""},
		{"model names", "Galaxy S23;Okta Verify on iOS;guo4a5u7YAHhmjnpb0g7", "2 sign-ins name their MFA device by a value that identifies no one device"},
		{"one short label", "key1;;", "1 sign-in names their MFA device by a value that identifies no one device"},
	} {
		var b strings.Builder
		b.WriteString("user,time,ip,mfa_device,interactive\n")
		for _, d := range strings.Split(tc.devices, ";") {
			b.WriteString("a@example.com,2026-03-02T09:00:00Z,192.0.2.1," + d + ",true\n")
		}
		_, notes, err := ReadSignInsNotes(strings.NewReader(b.String()), "f.csv", Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := strings.Join(notes, "\n")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: notices %q, want %q", tc.name, notes, tc.want)
		}
		if strings.Contains(got, "Galaxy") || strings.Contains(got, "Okta Verify") || strings.Contains(got, "key1") {
			t.Errorf("%s: a notice repeats a value: %q", tc.name, notes)
		}
	}
}
