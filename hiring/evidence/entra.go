package evidence

import (
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// Microsoft Entra ID sign-in logs. JSON (the portal's Download JSON, a
// Microsoft Graph auditLogs/signIns page or JSON lines of signIn
// resources) fields read:
//
//	userPrincipalName
//	createdDateTime                     RFC 3339 with zone
//	ipAddress
//	userAgent                           (Graph beta and the portal)
//	location.countryOrRegion, .city     ISO alpha-2 country
//	autonomousSystemNumber              (Graph beta and the portal)
//	status.errorCode                    0 is a success
//	authenticationDetails[]             the first succeeded SMS or voice step with
//	  .authenticationMethod             an unmasked phone number is the MFA device
//	  .authenticationMethodDetail       ("phone +13125550100"); see entraMFADevice
//	mfaDetail.authMethod, .authDetail   the same, when there are no authenticationDetails
//	isInteractive                       SignIn.Interactive (nil when absent)
//
// Entra masks phone numbers and gives device display names or key models
// for other methods, which many people share: those leave MFADevice
// empty, and the shared-MFA-device check has nothing to compare on such a
// log.
//
// The portal's CSV download, columns read (names compared without case
// and repeated spaces; the portal writes "Autonomous system  number"):
//
//	Date (UTC)                          RFC 3339; read as UTC when it has no zone
//	Username (or User principal name)
//	IP address, Location ("City, State, CC"), Status (Success, Failure, Interrupted)
//	Sign-in error code                  0 or empty is a success when there is no Status
//	User agent, Autonomous system number
//	Multifactor authentication auth method, Multifactor authentication auth detail
//	Interactive (or Is interactive)     optional, true or false: not a portal column
//
// The portal downloads interactive and non-interactive user sign-ins as
// two files with the same columns and no column that tells them apart;
// it names them InteractiveSignIns_<from>_<to>.csv and
// NonInteractiveSignIns_<from>_<to>.csv. SignIn.Interactive comes from an
// Interactive column when the user adds one (to merge both files), else
// from the file name; a file named otherwise leaves it nil, and
// ReadSignInsNotes says so. A column the reader does not read may repeat
// (the portal writes "Incoming token type" twice).

// entraSignIn is the part of a signIn resource the checks need.
type entraSignIn struct {
	CreatedDateTime   string `json:"createdDateTime"`
	UserPrincipalName string `json:"userPrincipalName"`
	IPAddress         string `json:"ipAddress"`
	UserAgent         string `json:"userAgent"`
	Location          struct {
		City            string `json:"city"`
		CountryOrRegion string `json:"countryOrRegion"`
	} `json:"location"`
	AutonomousSystemNumber uint32 `json:"autonomousSystemNumber"`
	Status                 struct {
		ErrorCode *int64 `json:"errorCode"`
	} `json:"status"`
	AuthenticationDetails []struct {
		AuthenticationMethod       string `json:"authenticationMethod"`
		AuthenticationMethodDetail string `json:"authenticationMethodDetail"`
		Succeeded                  *bool  `json:"succeeded"`
	} `json:"authenticationDetails"`
	MFADetail struct {
		AuthMethod string `json:"authMethod"`
		AuthDetail string `json:"authDetail"`
	} `json:"mfaDetail"`
	IsInteractive *bool `json:"isInteractive"`
}

func parseEntraJSON(rec jsonRecord, name string, n *signInNotes) (hiring.SignIn, bool, error) {
	var ev entraSignIn
	if err := unmarshalRecord(rec, name, &ev); err != nil {
		return hiring.SignIn{}, false, err
	}
	s := hiring.SignIn{User: strings.TrimSpace(ev.UserPrincipalName), UserAgent: ev.UserAgent,
		Country: ev.Location.CountryOrRegion, City: ev.Location.City,
		ASN: ev.AutonomousSystemNumber, Provider: "entra", Line: rec.line}
	if s.User == "" {
		return s, false, requireUser(name, rec.line, "userPrincipalName")
	}
	var err error
	if s.Time, err = parseTime(ev.CreatedDateTime, false); err != nil {
		return s, false, lineError(name, rec.line, "createdDateTime", "%s", msg(err))
	}
	if s.IP, err = parseIP(ev.IPAddress); err != nil {
		return s, false, lineError(name, rec.line, "ipAddress", "%s", msg(err))
	}
	if ev.Status.ErrorCode == nil {
		return s, false, lineError(name, rec.line, "status.errorCode", "is missing: a sign-in's status says whether it succeeded (0)")
	}
	s.Success = *ev.Status.ErrorCode == 0
	if ev.IsInteractive != nil {
		s.Interactive = n.flag(*ev.IsInteractive)
	}
	var why mfaDrop
	for _, d := range ev.AuthenticationDetails {
		if d.Succeeded != nil && !*d.Succeeded {
			continue
		}
		m, w := entraMFA(d.AuthenticationMethod, d.AuthenticationMethodDetail)
		if m != "" {
			s.MFADevice = m
			break
		}
		why = max(why, w)
	}
	if s.MFADevice == "" {
		m, w := entraMFA(ev.MFADetail.AuthMethod, ev.MFADetail.AuthDetail)
		s.MFADevice, why = m, max(why, w)
	}
	n.dropMFA(s.MFADevice, why)
	return s, true, nil
}

// entraMFADevice names the second factor of an authentication step when
// the log identifies it, and is "" otherwise. Entra's
// authenticationMethodDetail is a phone number for SMS and voice, masked
// in real logs ("+1 XXXXXXXX23"), and for the Authenticator app, FIDO2
// keys and Windows Hello a device's display name or a key model
// ("iPhone 15", "YubiKey 5 NFC"). Neither names one device: people whose
// numbers share a country code and last two digits, or who own the same
// model, would get the same value and be linked as sharing an MFA device.
// So only a phone method's unmasked number becomes the MFA device
// ("phone +13125550100", one phone line); every other detail is dropped.
// The Authenticator's device id is in the authentication-methods API, not
// in sign-in logs.
func entraMFADevice(method, detail string) string {
	m, _ := entraMFA(method, detail)
	return m
}

// mfaDrop is why entraMFA named no device, for the notices; a larger
// value is the likelier reason.
type mfaDrop int

const (
	mfaNone   mfaDrop = iota // no second factor, or a password
	mfaNamed                 // a device, key or app model name
	mfaMasked                // a masked phone number
)

// entraMFA is entraMFADevice and, when it names no device, why.
func entraMFA(method, detail string) (string, mfaDrop) {
	method, detail = strings.TrimSpace(method), strings.TrimSpace(detail)
	if detail == "" || method == "" {
		return "", mfaNone
	}
	switch strings.ToLower(method) {
	case "text message", "sms", "phone call", "voice", "voice call", "phone call (mobile)", "phone call (office)", "phone call (alternate)":
		if p := unmaskedPhone(detail); p != "" {
			return "phone " + p, mfaNone
		}
		return "", mfaMasked
	case "password", "previously satisfied":
		return "", mfaNone
	}
	return "", mfaNamed
}

// dropMFA counts a sign-in whose second factor names no device, by why.
func (n *signInNotes) dropMFA(device string, why mfaDrop) {
	if device != "" {
		return
	}
	switch why {
	case mfaMasked:
		n.maskedPhone++
	case mfaNamed:
		n.namedOnly++
	}
}

// unmaskedPhone returns the digits of a whole phone number ("+" and at
// least 8 digits, written with spaces, dashes, dots or brackets), or ""
// when s is masked or not a number.
func unmaskedPhone(s string) string {
	var b strings.Builder
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
			b.WriteRune(c)
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "" // a mask (X, *, •) or text
		}
	}
	if digits < 8 {
		return ""
	}
	return b.String()
}

// entraCSVColumns are the columns readEntraCSV reads (normalised).
var entraCSVColumns = []string{"date (utc)", "date", "username", "user principal name", "ip address", "location", "status",
	"sign-in error code", "user agent", "autonomous system number", "multifactor authentication auth method",
	"multifactor authentication auth detail", "interactive", "is interactive"}

func readEntraCSV(t *csvTable, n *signInNotes) ([]hiring.SignIn, error) {
	// Whether the file's sign-ins are interactive: an Interactive column,
	// else the portal's file name.
	interCol := ""
	for _, c := range []string{"interactive", "is interactive"} {
		if t.has(c) {
			interCol = c
			break
		}
	}
	fileInteractive := entraFileInteractive(t.name)
	dateCol, utc := "date (utc)", true
	if !t.has(dateCol) {
		dateCol, utc = "date", false
	}
	userCol := "username"
	if !t.has(userCol) {
		userCol = "user principal name"
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
		s := hiring.SignIn{User: t.cell(rec, userCol), UserAgent: t.cell(rec, "user agent"),
			Provider: "entra", Line: line}
		if s.User == "" {
			return nil, requireUser(t.name, line, headerName(userCol))
		}
		if s.Time, err = parseTime(t.cell(rec, dateCol), utc); err != nil {
			return nil, lineError(t.name, line, headerName(dateCol), "%s", msg(err))
		}
		if s.IP, err = parseIP(t.cell(rec, "ip address")); err != nil {
			return nil, lineError(t.name, line, "IP address", "%s", msg(err))
		}
		if s.ASN, err = parseASN(t.cell(rec, "autonomous system number")); err != nil {
			return nil, lineError(t.name, line, "Autonomous system number", "%s", msg(err))
		}
		if loc := t.cell(rec, "location"); loc != "" {
			parts := strings.Split(loc, ",")
			s.Country = parts[len(parts)-1]
			if len(parts) > 1 {
				s.City = strings.TrimSpace(parts[0])
			}
		}
		switch st := strings.ToLower(t.cell(rec, "status")); st {
		case "success":
			s.Success = true
		case "failure", "interrupted":
		case "":
			code := t.cell(rec, "sign-in error code")
			if code != "" {
				if _, err := strconv.ParseInt(code, 10, 64); err != nil {
					return nil, lineError(t.name, line, "Sign-in error code", "is not a number: give the error code (0 for a success)")
				}
			}
			s.Success = code == "" || code == "0"
		default:
			return nil, lineError(t.name, line, "Status", "is not Success, Failure or Interrupted")
		}
		var why mfaDrop
		s.MFADevice, why = entraMFA(t.cell(rec, "multifactor authentication auth method"), t.cell(rec, "multifactor authentication auth detail"))
		n.dropMFA(s.MFADevice, why)
		if v := t.cell(rec, interCol); interCol != "" && v != "" {
			b, err := parseBool(v)
			if err != nil {
				return nil, lineError(t.name, line, headerName(interCol), "%s: true for a sign-in a person made, false for a non-interactive one", msg(err))
			}
			s.Interactive = n.flag(b)
		} else if fileInteractive != nil {
			s.Interactive = n.flag(*fileInteractive)
		}
		n.keep(&s)
		out = append(out, dd.signIn(s))
	}
}

// headerName gives a normalised Entra column name back its portal
// spelling for messages.
func headerName(c string) string {
	switch c {
	case "date (utc)":
		return "Date (UTC)"
	case "date":
		return "Date"
	case "username":
		return "Username"
	case "user principal name":
		return "User principal name"
	case "interactive":
		return "Interactive"
	case "is interactive":
		return "Is interactive"
	}
	return c
}
