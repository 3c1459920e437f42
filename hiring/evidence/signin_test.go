package evidence

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
)

// lined shows a record's line, which its JSON leaves out.
type lined[T any] struct {
	Line   int `json:"line"`
	Record T   `json:"record"`
}

func signInsLined(ss []hiring.SignIn) []lined[hiring.SignIn] {
	out := make([]lined[hiring.SignIn], len(ss))
	for i, s := range ss {
		out[i] = lined[hiring.SignIn]{s.Line, s}
	}
	return out
}

func TestReadSignInsFiles(t *testing.T) {
	t.Parallel()
	yes, no := "true", "false"
	for _, tc := range []struct {
		file     string
		n        int
		provider string
		// interactive is each sign-in's Interactive: "true", "false" or
		// "" (nil); one value for all when it has one element.
		interactive []string
	}{
		{"okta_api.json", 6, "okta", []string{yes}},
		{"okta.jsonl", 6, "okta", []string{yes}},
		{"okta_export.csv", 6, "okta", []string{yes}},
		{"entra_graph.json", 4, "entra", []string{yes}},
		{"entra_portal.json", 4, "entra", []string{yes}},
		{"InteractiveSignIns_2026-03-04_2026-03-05.csv", 4, "entra", []string{yes}},
		// The portal's current columns, "Incoming token type" twice.
		{"NonInteractiveSignIns_2026-03-04_2026-03-05.csv", 2, "entra", []string{no}},
		{"generic.csv", 3, "csv", []string{yes, no, ""}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", "signins", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ReadSignIns(f, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("%d sign-ins, want %d", len(got), tc.n)
			}
			for _, s := range got {
				if s.Provider != tc.provider {
					t.Errorf("line %d: provider %q, want %q", s.Line, s.Provider, tc.provider)
				}
				if s.Time.IsZero() || s.User == "" || s.Line == 0 {
					t.Errorf("incomplete sign-in %+v", s)
				}
			}
			for i, s := range got {
				want := tc.interactive[min(i, len(tc.interactive)-1)]
				if g := interactiveText(s.Interactive); g != want {
					t.Errorf("line %d: interactive %q, want %q", s.Line, g, want)
				}
			}
			golden(t, "signins_"+strings.ReplaceAll(tc.file, ".", "_")+".json", signInsLined(got))
		})
	}
}

// interactiveText is "true", "false" or "" for nil.
func interactiveText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// TestReadSignInsSameEvents checks that the three Okta forms, and the
// three Entra forms, of the same events read alike.
func TestReadSignInsSameEvents(t *testing.T) {
	t.Parallel()
	read := func(file string) []hiring.SignIn {
		data, err := os.ReadFile(filepath.Join("testdata", "signins", file))
		if err != nil {
			t.Fatal(err)
		}
		ss, err := ReadSignIns(bytes.NewReader(data), file)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ss {
			ss[i].Line = 0
		}
		return ss
	}
	same := func(a, b string, ignoreMFA bool) {
		x, y := read(a), read(b)
		if strings.HasSuffix(b, ".csv") && strings.HasPrefix(b, "okta") {
			// The CSV download has no request.ipChain, where event 5's
			// address is.
			x[4].IP = y[4].IP
		}
		if len(x) != len(y) {
			t.Fatalf("%s: %d sign-ins, %s: %d", a, len(x), b, len(y))
		}
		for i := range x {
			if ignoreMFA {
				x[i].MFADevice, y[i].MFADevice = "", ""
			}
			if !x[i].Time.Equal(y[i].Time) {
				t.Errorf("%s and %s differ in event %d's time: %v, %v", a, b, i, x[i].Time, y[i].Time)
			}
			x[i].Time = y[i].Time
			if interactiveText(x[i].Interactive) != interactiveText(y[i].Interactive) {
				t.Errorf("%s and %s differ in event %d's interactive: %s, %s", a, b, i, interactiveText(x[i].Interactive), interactiveText(y[i].Interactive))
			}
			x[i].Interactive, y[i].Interactive = nil, nil
			if x[i] != y[i] {
				t.Errorf("%s and %s differ in event %d:\n%+v\n%+v", a, b, i, x[i], y[i])
			}
		}
	}
	same("okta_api.json", "okta.jsonl", false)
	same("okta_api.json", "okta_export.csv", false)
	same("entra_graph.json", "entra_portal.json", false)
	same("entra_graph.json", "InteractiveSignIns_2026-03-04_2026-03-05.csv", false)
}

func TestReadSignInsFields(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "signins", "okta_api.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ss, err := ReadSignIns(f, "okta_api.json")
	if err != nil {
		t.Fatal(err)
	}
	// The MFA events of two accounts name the same Okta Verify device.
	if ss[1].MFADevice == "" || ss[1].MFADevice != ss[3].MFADevice || ss[1].User == ss[3].User {
		t.Errorf("MFA devices %q (%s), %q (%s): want one device for two accounts", ss[1].MFADevice, ss[1].User, ss[3].MFADevice, ss[3].User)
	}
	if ss[0].Country != "US" || ss[3].Country != "NL" || ss[5].Country != "KR" {
		t.Errorf("countries %q %q %q, want US NL KR", ss[0].Country, ss[3].Country, ss[5].Country)
	}
	if !ss[2].Proxy || ss[2].ASN != 64511 || ss[2].ASOrg != "Example Hosting B.V." {
		t.Errorf("security context not read: %+v", ss[2])
	}
	// No client.ipAddress: the first address of the request's ipChain.
	if ss[4].IP.String() != "203.0.113.78" || ss[4].Success {
		t.Errorf("event 5: ip %v success %v, want 203.0.113.78 false", ss[4].IP, ss[4].Success)
	}
	if ss[5].IP.String() != "2001:db8::17" {
		t.Errorf("IPv6 address %v", ss[5].IP)
	}
	if line := ss[1].Line; line < 60 || line > 90 {
		t.Errorf("second kept event on line %d of the pretty-printed array, want its opening brace's line", line)
	}
}

// errCase is a bad input and what its error must say.
type errCase struct {
	name string
	in   string
	code string
	want []string // substrings of the message
}

func runErrCases(t *testing.T, cases []errCase, read func(data []byte) (int, error)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := read([]byte(tc.in))
			if err == nil {
				t.Fatalf("no error (%d records)", n)
			}
			if n != 0 {
				t.Errorf("%d records returned with the error: all or nothing", n)
			}
			code := tc.code
			if code == "" {
				code = bulwark.EINVALID
			}
			if c := bulwark.ErrorCode(err); c != code {
				t.Errorf("code %s, want %s (%v)", c, code, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

const oktaOK = `{"eventType":"user.session.start","published":"2026-03-02T14:03:11Z","actor":{"alternateId":"a@example.com"},"client":{"ipAddress":"192.0.2.1"},"outcome":{"result":"SUCCESS"}}`

func TestReadSignInsErrors(t *testing.T) {
	t.Parallel()
	generic := "user,time,ip,user_agent,mfa_device,country,asn,success\n"
	entraCSV := "Date (UTC),Username,IP address,Location,Status\n"
	cases := []errCase{
		{"empty", "", "", []string{"f: is empty", "Okta System Log JSON"}},
		{"unknown CSV", "a,b,c\n1,2,3\n", "", []string{"f: is not a sign-in log", "Okta System Log CSV", "Microsoft Entra sign-in CSV", "generic CSV"}},
		{"unknown JSON", `{"foo":1}`, "", []string{"f: line 1: record: is not a sign-in event", "Microsoft Entra"}},
		{"okta zone-less time", strings.Replace(oktaOK, "14:03:11Z", "14:03:11", 1), "", []string{"f: line 1: published:", "has no time zone"}},
		{"okta bad ip", oktaOK + "\n" + strings.Replace(oktaOK, "192.0.2.1", "192.0.2.300", 1), "", []string{"f: line 2: client.ipAddress:", "is not an IP address"}},
		{"okta no user", strings.Replace(oktaOK, "a@example.com", "", 1), "", []string{"f: line 1: actor.alternateId: is empty"}},
		{"okta type", strings.Replace(oktaOK, `"published":"2026-03-02T14:03:11Z"`, `"published":12`, 1), "", []string{"f: line 1: published: is a JSON number, want a string"}},
		{"okta asn negative", strings.Replace(oktaOK, `"outcome"`, `"securityContext":{"asNumber":-1},"outcome"`, 1), "", []string{"f: line 1: securityContext.asNumber:"}},
		{"json syntax", oktaOK + "\n" + oktaOK + "\n{\"eventType\": }\n", "", []string{"f: line 3: JSON:"}},
		{"json cut", "[" + oktaOK + ",\n" + oktaOK[:40], "", []string{"f: ends in the middle"}},
		{"json scalar", oktaOK + "\n42\n", "", []string{"f: line 2: record: is a number"}},
		{"array of scalars", "[\n" + oktaOK + ",\n\"x\"]", "", []string{"f: line 3: record: is a string"}},
		{"not utf-8 json", strings.Replace(oktaOK, "a@example", "a\xff@example", 1), "", []string{"f: line 1: encoding:", "0xff is not UTF-8"}},
		{"utf-16 without BOM", "u\x00s\x00e\x00r\x00", "", []string{"f: line 1: encoding: a NUL byte", "save it as UTF-8"}},
		{"generic columns", generic + "a@example.com,2026-03-02T09:00:00Z,192.0.2.1\n", "", []string{"f: line 2: columns:"}},
		{"generic unknown column", "user,time,ip,password\n", "", []string{"f: line 1: header: unknown column \"password\"", "user, time, ip"}},
		{"generic control character", generic + "a@example.com,2026-03-02T09:00:00Z,192.0.2.1,\"Mozilla\x1b[2J\",,,,\n", "", []string{"f: line 2: column 4 (user_agent): a control character (U+001B) at character 8"}},
		{"generic zone-less", generic + "a@example.com,2026-03-02 09:00:00,192.0.2.1,,,,,\n", "", []string{"f: line 2: time:", "has no time zone"}},
		{"generic bad ip", generic + "a@example.com,2026-03-02T09:00:00Z,192.0.2.1,,,,,\nb@example.com,2026-03-02T09:00:00Z,10.0.0.0/8,,,,,\n", "", []string{"f: line 3: ip:", "is not an IP address"}},
		{"generic bad asn", generic + "a@example.com,2026-03-02T09:00:00Z,192.0.2.1,,,,ASx,\n", "", []string{"f: line 2: asn:"}},
		{"generic bad success", generic + "a@example.com,2026-03-02T09:00:00Z,192.0.2.1,,,,,maybe\n", "", []string{"f: line 2: success:", "not true or false"}},
		{"generic bad country", generic + "a@example.com,2026-03-02T09:00:00Z,192.0.2.1,,,Atlantis,,\n", "", []string{"f: line 2: country: is not a country"}},
		{"generic no user", generic + ",2026-03-02T09:00:00Z,192.0.2.1,,,,,\n", "", []string{"f: line 2: user: is empty"}},
		{"not utf-8 csv", generic + "a\xe9@example.com,2026-03-02T09:00:00Z,192.0.2.1,,,,,\n", "", []string{"f: line 2: encoding:"}},
		{"bad quotes", generic + "\"a@example.com,2026-03-02T09:00:00Z,192.0.2.1,,,,,\n", "", []string{"f: line 2: CSV:"}},
		{"entra status", entraCSV + "2026-03-04T08:00:01Z,a@contoso.example,192.0.2.1,\"Chicago, Illinois, US\",Maybe\n", "", []string{"f: line 2: Status:"}},
		{"entra date", entraCSV + "04/03/2026 08:00,a@contoso.example,192.0.2.1,,Success\n", "", []string{"f: line 2: Date (UTC):", "not an RFC 3339 time"}},
		// The error names the forms read.
		{"generic time with zone name", generic + "a@example.com,2026-03-02T09:23:00 UTC,192.0.2.1,,,,,\n", "", []string{"f: line 2: time:", "2026-03-02T09:15:00Z or 2026-03-02T18:15:00+09:00", "zone names such as UTC are not read"}},
		{"generic time month first", generic + "a@example.com,3/2/2026 9:23:00 AM,192.0.2.1,,,,,\n", "", []string{"f: line 2: time:", "month-first dates", "ISO 8601"}},
		{"generic time epoch", generic + "a@example.com,1772443380,192.0.2.1,,,,,\n", "", []string{"f: line 2: time:", "epoch seconds"}},
		{"entra json status", `{"createdDateTime":"2026-03-04T08:00:01Z","userPrincipalName":"a@contoso.example","ipAddress":"192.0.2.1"}`, "", []string{"f: line 1: status.errorCode: is missing"}},
		{"entra graph page bad element", `{"@odata.context":"x","value":[` + "\n" + `{"createdDateTime":"2026-03-04T08:00:01Z","userPrincipalName":"a@contoso.example","ipAddress":"192.0.2.1","status":{"errorCode":0}},` + "\n" + `{"createdDateTime":"2026-03-04T08:00:01","userPrincipalName":"a@contoso.example","ipAddress":"192.0.2.1","status":{"errorCode":0}}]}`, "", []string{"f: line 3: createdDateTime:", "no time zone"}},
	}
	runErrCases(t, cases, func(data []byte) (int, error) {
		ss, err := ReadSignIns(bytes.NewReader(data), "f")
		return len(ss), err
	})
}

func TestReadSignInsLimits(t *testing.T) {
	t.Parallel()
	data := []byte(strings.Repeat(oktaOK+"\n", 100))
	size := int64(len(data))
	if _, err := ReadSignInsLimits(bytes.NewReader(data), "big.jsonl", Limits{MaxFileBytes: size}); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	for _, tc := range []struct {
		name string
		r    io.Reader
		lim  Limits
		want string
	}{
		{"file told size", bytes.NewReader(data), Limits{MaxFileBytes: size - 1}, "big.jsonl: the file (" + strconv.FormatInt(size, 10) + " bytes) is over the limit"},
		{"file streamed", io.MultiReader(bytes.NewReader(data)), Limits{MaxFileBytes: size - 1}, "big.jsonl: the file is over the limit"},
		{"rows", bytes.NewReader(data), Limits{MaxRows: 99}, "big.jsonl: line 100: more than 99 records"},
		{"row size", bytes.NewReader(data), Limits{MaxRowBytes: 100}, "big.jsonl: line 1: the record is over the limit of 100 bytes"},
		{"csv rows", strings.NewReader("user,time,ip\n" + strings.Repeat("a@example.com,2026-03-02T09:00:00Z,192.0.2.1\n", 3)), Limits{MaxRows: 2}, "big.jsonl: line 4: more than 2 records"},
	} {
		_, err := ReadSignInsLimits(tc.r, "big.jsonl", tc.lim)
		if bulwark.ErrorCode(err) != bulwark.ETOOLARGE || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestReadSignInsEncodings reads the generic CSV as UTF-16 with a
// byte-order mark and with semicolons, as spreadsheets save it.
func TestReadSignInsEncodings(t *testing.T) {
	t.Parallel()
	text := "user;time;ip;country\r\nana@example.com;2026-03-02T09:00:00+01:00;192.0.2.7;Côte d’Ivoire\r\n"
	u16 := []byte{0xFF, 0xFE}
	for _, r := range text {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	for name, data := range map[string][]byte{"utf-8": []byte(text), "utf-16": u16} {
		ss, err := ReadSignIns(bytes.NewReader(data), name)
		if err != nil || len(ss) != 1 || ss[0].Country != "CI" || ss[0].IP.String() != "192.0.2.7" || ss[0].Line != 2 {
			t.Errorf("%s: %+v, %v", name, ss, err)
		}
	}
}

func TestReadSignInsSkipsOtherEvents(t *testing.T) {
	t.Parallel()
	other := strings.Replace(oktaOK, "user.session.start", "user.account.lock", 1)
	// An event that is not a sign-in is skipped even when its fields would
	// not pass.
	bad := strings.Replace(other, "192.0.2.1", "nonsense", 1)
	ss, err := ReadSignIns(strings.NewReader(bad+"\n"+oktaOK+"\n"), "f")
	if err != nil || len(ss) != 1 || ss[0].Line != 2 {
		t.Fatalf("%+v, %v", ss, err)
	}
	// A file of events none of which is a sign-in reads as none.
	ss, err = ReadSignIns(strings.NewReader(other), "f")
	if err != nil || len(ss) != 0 {
		t.Fatalf("%+v, %v", ss, err)
	}
}

// TestEntraMFADevice: only a value that names one phone line or device
// becomes the MFA device. Entra masks phone numbers ("+1 XXXXXXXX23"),
// and its Authenticator and FIDO2 details are device display names or key
// models ("iPhone 15", "YubiKey 5 NFC") that many people share: they
// would link unrelated accounts as SHARED_MFA_DEVICE.
func TestEntraMFADevice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ method, detail, want string }{
		{"Text message", "+1 XXXXXXXX23", ""},
		{"Text message", "+65 XXXXXX12", ""},
		{"Phone call", "+44 *******789", ""},
		{"Mobile app notification", "iPhone 15", ""},
		{"Mobile app notification", "Pixel 8 (a1f3)", ""},
		{"FIDO2 security key", "YubiKey 5 NFC", ""},
		{"OATH verification code", "Authenticator app", ""},
		{"Windows Hello for Business", "DESKTOP-1", ""},
		{"Password", "Password in the cloud", ""},
		{"Text message", "", ""},
		{"Text message", "+1 312 555 0100", "phone +13125550100"},
		{"Phone call", "+1 (312) 555-0100", "phone +13125550100"},
	} {
		if got := entraMFADevice(tc.method, tc.detail); got != tc.want {
			t.Errorf("entraMFADevice(%q, %q) = %q, want %q", tc.method, tc.detail, got, tc.want)
		}
	}
}

// TestLineCounterMemory: the line counter of JSON arrays holds at most a
// bit per byte read ahead of its queries, not 8 bytes per line break. The
// decoder reads a whole top-level array before the first query, so a
// 100 MiB array of line breaks held 800 MiB of offsets (1.4 GiB RSS for
// 50 MiB in the reviewer's run).
func TestLineCounterMemory(t *testing.T) {
	t.Parallel()
	const size = 1 << 20
	data := bytes.Repeat([]byte("\n \n"), size/3)
	lc := &lineCounter{r: bytes.NewReader(data)}
	if _, err := io.Copy(io.Discard, lc); err != nil {
		t.Fatal(err)
	}
	if h := lc.held(); h > len(data)/8+64 {
		t.Errorf("holds %d bytes for %d bytes read (%d line breaks), want at most %d", h, len(data), 2*(size/3), len(data)/8+64)
	}
	// Lines are right, queried forward.
	for _, off := range []int64{0, 1, 2, 3, 4, 1000, int64(len(data)) - 1, int64(len(data))} {
		want := 1 + bytes.Count(data[:off], []byte{'\n'})
		if got := lc.lineAt(off); got != want {
			t.Errorf("lineAt(%d) = %d, want %d", off, got, want)
		}
	}
}

// TestOktaMixedFile: the format of a JSON sign-in file is fixed by its
// first record, so in an Okta file a record that is no LogEvent (a generic
// or Entra record, as `cat okta.jsonl entra.jsonl` makes) is refused, not
// skipped as a non-sign-in event.
func TestOktaMixedFile(t *testing.T) {
	t.Parallel()
	okta := `{"eventType":"user.session.start","published":"2026-03-02T09:00:00Z","actor":{"alternateId":"a@example.com"},"client":{"ipAddress":"192.0.2.1"},"outcome":{"result":"SUCCESS"}}` + "\n"
	runErrCases(t, []errCase{
		{"generic after okta", okta + `{"user":"b@example.com","time":"2026-03-02T09:00:00Z","ip":"192.0.2.9"}` + "\n", "",
			[]string{"f: line 2: eventType: is missing: the file's first record is an Okta LogEvent"}},
		{"entra after okta", okta + `{"createdDateTime":"2026-03-04T08:00:01Z","userPrincipalName":"c@contoso.example","ipAddress":"192.0.2.1","status":{"errorCode":0}}` + "\n", "",
			[]string{"f: line 2: eventType: is missing"}},
	}, func(data []byte) (int, error) {
		ss, err := ReadSignIns(bytes.NewReader(data), "f")
		return len(ss), err
	})
}

// TestOktaMFADeviceIsDeviceID: only an Okta device id names an MFA
// device. An AuthenticatorEnrollment id is one user's enrolment of an
// authenticator, so the same phone enrolled by two users has two of them:
// it can never link two accounts and is not used. device.id is read on
// every sign-in event (FastPass gives it on user.session.start).
func TestOktaMFADeviceIsDeviceID(t *testing.T) {
	t.Parallel()
	ev := func(typ, extra string) string {
		return `{"eventType":"` + typ + `","published":"2026-03-02T09:00:00Z","actor":{"alternateId":"a@example.com"},"client":{"ipAddress":"192.0.2.1"},"outcome":{"result":"SUCCESS"}` + extra + "}\n"
	}
	in := ev("user.authentication.auth_via_mfa", `,"target":[{"id":"pfd1","type":"AuthenticatorEnrollment"}],"debugContext":{"debugData":{"factor":"SMS"}}`) +
		ev("user.session.start", `,"device":{"id":"guo7"}`)
	ss, err := ReadSignIns(strings.NewReader(in), "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].MFADevice != "" || ss[1].MFADevice != "guo7" {
		t.Errorf("MFA devices %q, %q; want \"\" (an enrolment id) and \"guo7\"", ss[0].MFADevice, ss[1].MFADevice)
	}
}

// TestHeaderSpelling: the generic sign-in CSV and the long inventory CSV
// compare column names as ReadPeople does ("User Agent", "Item-Type"),
// and an absent success column is documented as a success.
func TestHeaderSpelling(t *testing.T) {
	t.Parallel()
	ss, err := ReadSignIns(strings.NewReader("User,Time,IP,User Agent,MFA Device\na@example.com,2026-03-02T09:00:00Z,192.0.2.1,curl/8,\n"), "s.csv")
	if err != nil || len(ss) != 1 || ss[0].UserAgent != "curl/8" {
		t.Errorf("generic sign-in CSV with spaced headers: %+v, %v", ss, err)
	}
	ds, err := ReadInventory(strings.NewReader("Serial,Hostname,User,Item-Type,Name\nS1,h,u,software,AnyDesk\n"), "i.csv")
	if err != nil || len(ds) != 1 || len(ds[0].Software) != 1 {
		t.Errorf("inventory CSV with spaced headers: %+v, %v", ds, err)
	}
	_, err = ReadSignIns(strings.NewReader("user,time,ip,User Agent,user-agent\na,2026-03-02T09:00:00Z,192.0.2.1,x,y\n"), "s.csv")
	wantErr(t, err, bulwark.EINVALID, "s.csv: line 1: header: ", "appears twice")
}
