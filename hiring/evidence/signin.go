package evidence

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/screening/country"
)

// signInFormats lists the sign-in log formats ReadSignIns recognises, for
// the error about a file that is none of them.
const signInFormats = "Okta System Log JSON (an /api/v1/logs array or JSON lines of LogEvent objects), " +
	"Okta System Log CSV (the admin console's Download CSV: published, actor.alternateId, client.ipAddress, …), " +
	"Microsoft Entra sign-in JSON (the portal's JSON download, or a Graph auditLogs/signIns page with value[]), " +
	"Microsoft Entra sign-in CSV (the portal's CSV download: Date (UTC), Username, IP address, …), " +
	"or the generic CSV or JSON lines with user, time, ip, user_agent, mfa_device, country, asn, success, interactive"

// ReadSignIns reads an identity provider's sign-in log, recognising its
// format by its content: the Okta System Log as JSON (the /api/v1/logs array or JSON
// lines of LogEvent objects) or as the admin console's CSV download; the
// Microsoft Entra ID sign-in log as JSON (the portal's download, a Graph
// auditLogs/signIns page with its value array, or JSON lines of signIn
// objects) or as the portal's CSV download; or a generic CSV or JSON
// lines file with the columns user, time, ip, user_agent, mfa_device,
// country, asn and success (and optionally city, as_org, proxy,
// interactive). Its CSV header is compared as ReadPeople compares columns
// ("User Agent" is user_agent). A generic record without success counts
// as a successful sign-in: give success=false for failed attempts, or
// every rule counts them as sign-ins.
//
// Only sign-in events are kept: Okta's user.session.start and
// user.authentication.* events but the sign-outs (OAuth token grants and
// every other event type are skipped); every Entra record is a sign-in.
// SignIn.Interactive is read from Entra's isInteractive, from the name of
// an Entra CSV as the portal names its downloads (InteractiveSignIns_….csv,
// NonInteractiveSignIns_….csv) or its Interactive column, from the Okta
// event type, and from the generic interactive column; nil when the file
// does not say; the sign-ins of a file share the two values it points at
// (do not write through it). ReadSignInsNotes also says what was skipped.
// Times
// must carry a zone (only Entra's "Date (UTC)" column is read as UTC
// without one). Files are UTF-8 (a byte-order mark is skipped) or UTF-16
// with a byte-order mark; a CSV's delimiter (comma, semicolon or tab) is
// found from its header. name is the file's name for error messages. The file is
// at most DefaultMaxFileBytes (and DefaultMaxRows records of at most
// DefaultMaxRowBytes); an error names the line and field, and
// nothing is returned with it.
func ReadSignIns(r io.Reader, name string) ([]hiring.SignIn, error) {
	return ReadSignInsLimits(r, name, Limits{})
}

// ReadSignInsLimits is ReadSignIns with other limits on the file's size,
// a record's size and the number of records (a zero field takes its
// default).
func ReadSignInsLimits(r io.Reader, name string, lim Limits) ([]hiring.SignIn, error) {
	out, _, err := ReadSignInsNotes(r, name, lim)
	return out, err
}

// ReadSignInsNotes is ReadSignInsLimits that also returns notices, a
// sentence each, of what it skipped or could not use: events of other
// types, OAuth token grants and sign-outs it skipped (Okta), sign-ins
// without an IP address, a log that names no MFA device the
// shared-MFA-device check could compare (Okta without device.id, Entra's
// masked phone numbers and model names), and sign-ins that do not say
// whether a person made them. Notices hold counts and reasons, never a
// value of a data row; nil when there is nothing to say. With an error
// there are neither sign-ins nor notices.
func ReadSignInsNotes(r io.Reader, name string, lim Limits) ([]hiring.SignIn, []string, error) {
	lim = lim.withDefaults()
	br, first, err := openEvidence(r, name, lim)
	if err != nil {
		return nil, nil, err
	}
	n := &signInNotes{}
	var out []hiring.SignIn
	switch first {
	case 0:
		return nil, nil, fileError(name, "is empty: expected %s", signInFormats)
	case '[', '{':
		out, err = readSignInJSON(br, name, lim, n)
	default:
		out, err = readSignInCSV(br, name, lim, n)
	}
	if err != nil {
		return nil, nil, err
	}
	return out, n.list(), nil
}

func readSignInCSV(br *bufio.Reader, name string, lim Limits, n *signInNotes) ([]hiring.SignIn, error) {
	t, err := newCSVTable(br, name, lim)
	if err != nil {
		return nil, err
	}
	switch {
	case t.has("published", "actor.alternateid"):
		n.format = "okta-csv"
		if err := t.refuseDuplicates(oktaCSVColumns); err != nil {
			return nil, err
		}
		return readOktaCSV(t, n)
	case t.has("ip address") && (t.has("date (utc)") || t.has("date")) &&
		(t.has("username") || t.has("user principal name")):
		n.format = "entra-csv"
		if err := t.refuseDuplicates(entraCSVColumns); err != nil {
			return nil, err
		}
		return readEntraCSV(t, n)
	case t.has("user", "time", "ip"):
		n.format = "csv"
		return readGenericSignInCSV(t, n)
	}
	if err := t.refuseDuplicates(nil); err != nil {
		return nil, err
	}
	return nil, fileError(name, "is not a sign-in log Bulwark recognises: expected %s", signInFormats)
}

// signInShape is what tells the JSON formats apart.
type signInShape struct {
	EventType         *string `json:"eventType"`
	Published         *string `json:"published"`
	CreatedDateTime   *string `json:"createdDateTime"`
	UserPrincipalName *string `json:"userPrincipalName"`
	User              *string `json:"user"`
	Time              *string `json:"time"`
}

func readSignInJSON(br *bufio.Reader, name string, lim Limits, n *signInNotes) ([]hiring.SignIn, error) {
	var out []hiring.SignIn
	dd := newDedup()
	var parse func(rec jsonRecord) (hiring.SignIn, bool, error)
	err := eachJSON(br, name, lim, func(rec jsonRecord) error {
		if parse == nil {
			var s signInShape
			if err := json.Unmarshal(rec.raw, &s); err != nil {
				return unmarshalRecord(rec, name, &s)
			}
			switch {
			case s.EventType != nil || s.Published != nil:
				n.format = "okta"
				parse = func(rec jsonRecord) (hiring.SignIn, bool, error) { return parseOktaJSON(rec, name, n) }
			case s.CreatedDateTime != nil || s.UserPrincipalName != nil:
				n.format = "entra"
				parse = func(rec jsonRecord) (hiring.SignIn, bool, error) { return parseEntraJSON(rec, name, n) }
			case s.User != nil && s.Time != nil:
				n.format = "csv"
				parse = func(rec jsonRecord) (hiring.SignIn, bool, error) { return parseGenericSignInJSON(rec, name, n) }
			default:
				return lineError(name, rec.line, "record", "is not a sign-in event Bulwark recognises: expected %s", signInFormats)
			}
		}
		s, keep, err := parse(rec)
		if err != nil {
			return err
		}
		if keep {
			n.keep(&s)
			out = append(out, dd.signIn(s))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// genericSignInColumns are the columns of the generic sign-in CSV.
var genericSignInColumns = []string{"user", "time", "ip", "user_agent", "mfa_device", "country", "city", "asn", "as_org", "proxy", "success", "interactive"}

// genericSignIn is one row of the generic format, as JSON.
type genericSignIn struct {
	User      string          `json:"user"`
	Time      string          `json:"time"`
	IP        string          `json:"ip"`
	UserAgent string          `json:"user_agent"`
	MFADevice string          `json:"mfa_device"`
	Country   string          `json:"country"`
	City      string          `json:"city"`
	ASN       json.RawMessage `json:"asn"`
	ASOrg     string          `json:"as_org"`
	Proxy     json.RawMessage `json:"proxy"`
	Success   json.RawMessage `json:"success"`
	// Interactive is false for a background token refresh, true for a
	// sign-in a person made; absent when unknown.
	Interactive json.RawMessage `json:"interactive"`
}

func readGenericSignInCSV(t *csvTable, n *signInNotes) ([]hiring.SignIn, error) {
	if err := t.useColumnKeys(); err != nil {
		return nil, err
	}
	if u := t.unknown(genericSignInColumns); u != "" {
		return nil, lineError(t.name, 1, "header", "unknown column %q: the generic sign-in CSV has the columns %s", u, strings.Join(genericSignInColumns, ", "))
	}
	var out []hiring.SignIn
	dd := newDedup()
	for {
		rec, line, err := t.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		g := genericSignIn{
			User: t.cell(rec, "user"), Time: t.cell(rec, "time"), IP: t.cell(rec, "ip"),
			UserAgent: t.cell(rec, "user_agent"), MFADevice: t.cell(rec, "mfa_device"),
			Country: t.cell(rec, "country"), City: t.cell(rec, "city"), ASOrg: t.cell(rec, "as_org"),
		}
		s, err := g.signIn(t.name, line, t.cell(rec, "asn"), t.cell(rec, "proxy"), t.cell(rec, "success"), t.cell(rec, "interactive"))
		if err != nil {
			return nil, err
		}
		if s.Interactive != nil {
			s.Interactive = n.flag(*s.Interactive)
		}
		n.keep(&s)
		out = append(out, dd.signIn(s))
	}
}

func parseGenericSignInJSON(rec jsonRecord, name string, n *signInNotes) (hiring.SignIn, bool, error) {
	var g genericSignIn
	if err := unmarshalRecord(rec, name, &g); err != nil {
		return hiring.SignIn{}, false, err
	}
	s, err := g.signIn(name, rec.line, jsonScalar(g.ASN), jsonScalar(g.Proxy), jsonScalar(g.Success), jsonScalar(g.Interactive))
	if s.Interactive != nil {
		s.Interactive = n.flag(*s.Interactive)
	}
	return s, true, err
}

// jsonScalar returns a JSON string's text or a number's or boolean's
// literal ("" for null or absent).
func jsonScalar(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func (g genericSignIn) signIn(name string, line int, asn, proxy, success, interactive string) (hiring.SignIn, error) {
	s := hiring.SignIn{User: strings.TrimSpace(g.User), UserAgent: g.UserAgent, MFADevice: strings.TrimSpace(g.MFADevice),
		City: g.City, ASOrg: g.ASOrg, Success: true, Provider: "csv", Line: line}
	if s.User == "" {
		return s, lineError(name, line, "user", "is empty: name the account that signed in")
	}
	var err error
	if s.Time, err = parseTime(g.Time, false); err != nil {
		return s, lineError(name, line, "time", "%s", msg(err))
	}
	if s.IP, err = parseIP(g.IP); err != nil {
		return s, lineError(name, line, "ip", "%s", msg(err))
	}
	if s.ASN, err = parseASN(asn); err != nil {
		return s, lineError(name, line, "asn", "%s", msg(err))
	}
	if g.Country != "" {
		c, err := country.Parse("country", g.Country)
		if err != nil {
			return s, lineError(name, line, "country", "%s", countryMessage(err))
		}
		s.Country = c
	}
	if proxy != "" {
		if s.Proxy, err = parseBool(proxy); err != nil {
			return s, lineError(name, line, "proxy", "%s", msg(err))
		}
	}
	if success != "" {
		if s.Success, err = parseBool(success); err != nil {
			return s, lineError(name, line, "success", "%s", msg(err))
		}
	}
	if interactive != "" {
		b, err := parseBool(interactive)
		if err != nil {
			return s, lineError(name, line, "interactive", "%s: true for a sign-in a person made, false for a background token refresh", msg(err))
		}
		s.Interactive = boolPtr(b) // replaced by the file's shared value (signInNotes.flag)
	}
	return s, nil
}

// dedup shares the strings sign-ins repeat (accounts, user agents,
// cities, networks, MFA devices) and maps each country once: a log of a
// million events of a few thousand people keeps each string once. It
// stops adding after maxDedup distinct strings.
type dedup struct {
	strs      map[string]string
	countries map[string]string
}

const maxDedup = 1 << 16

func newDedup() *dedup {
	return &dedup{strs: map[string]string{}, countries: map[string]string{}}
}

func (d *dedup) str(s string) string {
	if v, ok := d.strs[s]; ok {
		return v
	}
	if len(d.strs) < maxDedup {
		d.strs[s] = s
	}
	return s
}

// signIn shares s's strings and maps its Country, as the provider gave
// it (a name such as Okta's "United States" or a code such as Entra's
// "US"), to ISO 3166-1 alpha-2; "" when it names no country Bulwark
// knows.
func (d *dedup) signIn(s hiring.SignIn) hiring.SignIn {
	s.User, s.UserAgent, s.MFADevice = d.str(s.User), d.str(s.UserAgent), d.str(s.MFADevice)
	s.City, s.ASOrg = d.str(s.City), d.str(s.ASOrg)
	if s.Country != "" {
		c, ok := d.countries[s.Country]
		if !ok {
			c = ""
			if code, known := country.Code(strings.TrimSpace(s.Country)); known {
				c = code
			}
			if len(d.countries) < maxDedup {
				d.countries[s.Country] = c
			}
		}
		s.Country = c
	}
	return s
}

// requireUser is the error for a sign-in without an account.
func requireUser(name string, line int, field string) error {
	return lineError(name, line, field, "is empty: a sign-in event must name its account")
}
