package evidence

import (
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// The Okta System Log (developer.okta.com, System Log API, LogEvent
// object). Fields read, by their LogEvent names (the CSV download uses the
// same dotted paths as column names; request.ipChain and target are not
// read from it, so there an event without client.ipAddress has no
// address and the MFA device is device.id only):
//
//	eventType                               user.session.start, user.authentication.*: sign-ins;
//	                                        user.authentication.slo and .universal_logout*
//	                                        (sign-outs), app.oauth2.*token* (token grants
//	                                        and refreshes) and others are skipped
//	published                               RFC 3339 with zone
//	actor.alternateId                       the account (login or e-mail)
//	client.ipAddress                        else the first request.ipChain[].ip
//	client.userAgent.rawUserAgent
//	client.geographicalContext.country      a country name ("United States"), mapped to ISO alpha-2
//	client.geographicalContext.city
//	securityContext.asNumber, .asOrg, .isProxy
//	outcome.result                          SUCCESS or ALLOW is a success
//	device.id                               the Okta device (Okta Verify, FastPass) of a
//	                                        sign-in event: the MFA device
//
// Only device.id names an MFA device. An AuthenticatorEnrollment target id
// is one user's enrolment of an authenticator (the same phone enrolled by
// two users has two), so it can never show two accounts sharing a device
// and is not read. Events without device.id (Classic Engine; SMS, voice
// and TOTP factors; Okta Verify without device registration) leave
// MFADevice empty: the shared-MFA-device check has nothing to compare on
// such a log.
//
// Every kept event is interactive (a person signed in, opened an app or
// passed a factor) but user.authentication.auth_via_richclient, which a
// legacy mail client causes with its stored password whenever it
// connects. OAuth token grants and refreshes are not read as sign-ins: a
// client asks for them in the background, and a server-side client's
// request carries the server's address, which would show everyone who uses
// the application as sharing one network. The CSV download without an
// eventType column is read row by row as sign-ins of unknown kind
// (Interactive nil).
//
// The format of a JSON file is fixed by its first record: in an Okta file
// a record without eventType is an error, and only events whose type is
// not a sign-in are skipped.

// oktaEvent is the part of a LogEvent the checks need.
type oktaEvent struct {
	EventType *string `json:"eventType"`
	Published string  `json:"published"`
	Actor     struct {
		AlternateID string `json:"alternateId"`
	} `json:"actor"`
	Client struct {
		IPAddress string `json:"ipAddress"`
		UserAgent struct {
			RawUserAgent string `json:"rawUserAgent"`
		} `json:"userAgent"`
		Geo struct {
			Country string `json:"country"`
			City    string `json:"city"`
		} `json:"geographicalContext"`
	} `json:"client"`
	Device struct {
		ID string `json:"id"`
	} `json:"device"`
	SecurityContext struct {
		AsNumber uint32 `json:"asNumber"`
		AsOrg    string `json:"asOrg"`
		IsProxy  bool   `json:"isProxy"`
	} `json:"securityContext"`
	Outcome struct {
		Result string `json:"result"`
	} `json:"outcome"`
	Request struct {
		IPChain []struct {
			IP string `json:"ip"`
		} `json:"ipChain"`
	} `json:"request"`
}

// oktaEventKind sorts an Okta event type: a sign-in (user.session.start
// and user.authentication.* but the sign-outs), an OAuth token grant or
// refresh (app.oauth2.*token*), a sign-out (user.authentication.slo,
// user.authentication.universal_logout*) or another event.
func oktaEventKind(t string) oktaKind {
	switch {
	case t == "user.session.start":
		return kindSignIn
	case t == "user.authentication.slo" || strings.HasPrefix(t, "user.authentication.universal_logout"):
		return kindLogout
	case strings.HasPrefix(t, "user.authentication."):
		return kindSignIn
	case strings.HasPrefix(t, "app.oauth2.") && strings.Contains(t, "token"):
		return kindTokenGrant
	}
	return kindOther
}

type oktaKind int

const (
	kindOther oktaKind = iota
	kindSignIn
	kindTokenGrant
	kindLogout
)

// skip counts an event the reader does not keep and reports whether it
// skips it.
func (n *signInNotes) skipOkta(eventType string) bool {
	switch oktaEventKind(eventType) {
	case kindSignIn:
		return false
	case kindTokenGrant:
		n.tokenGrants++
	case kindLogout:
		n.logouts++
	default:
		n.otherEvents++
	}
	return true
}

// oktaInteractive says whether a person made a sign-in event: every kept
// type but user.authentication.auth_via_richclient, which Office 365's
// legacy mail clients (Outlook, Exchange ActiveSync) cause with a stored
// password whenever they connect, around the clock.
func oktaInteractive(eventType string) bool {
	return eventType != "user.authentication.auth_via_richclient"
}

func parseOktaJSON(rec jsonRecord, name string, n *signInNotes) (hiring.SignIn, bool, error) {
	var ev oktaEvent
	if err := unmarshalRecord(rec, name, &ev); err != nil {
		return hiring.SignIn{}, false, err
	}
	if ev.EventType == nil {
		// Not a LogEvent: skipping it as a non-sign-in event would drop
		// another format's records silently (cat okta.jsonl entra.jsonl).
		return hiring.SignIn{}, false, lineError(name, rec.line, "eventType", "is missing: the file's first record is an Okta LogEvent, "+
			"so every record must be one; give each log format in a file of its own")
	}
	if n.skipOkta(*ev.EventType) {
		return hiring.SignIn{}, false, nil
	}
	ip := ev.Client.IPAddress
	ipField := "client.ipAddress"
	if ip == "" && len(ev.Request.IPChain) > 0 {
		ip, ipField = ev.Request.IPChain[0].IP, "request.ipChain[0].ip"
	}
	s, err := oktaSignIn(name, rec.line, oktaFields{
		user: ev.Actor.AlternateID, published: ev.Published, ip: ip, ipField: ipField,
		ua: ev.Client.UserAgent.RawUserAgent, country: ev.Client.Geo.Country, city: ev.Client.Geo.City,
		asOrg: ev.SecurityContext.AsOrg, result: ev.Outcome.Result, mfa: strings.TrimSpace(ev.Device.ID),
	})
	s.ASN = ev.SecurityContext.AsNumber
	s.Proxy = ev.SecurityContext.IsProxy
	s.Interactive = n.flag(oktaInteractive(*ev.EventType))
	return s, true, err
}

// oktaFields are an event's fields as text, from JSON or CSV.
type oktaFields struct {
	user, published, ip, ipField, ua, country, city, asOrg, result, mfa string
}

func oktaSignIn(name string, line int, f oktaFields) (hiring.SignIn, error) {
	s := hiring.SignIn{User: strings.TrimSpace(f.user), UserAgent: f.ua, MFADevice: f.mfa,
		Country: f.country, City: f.city, ASOrg: f.asOrg,
		Success: f.result == "SUCCESS" || f.result == "ALLOW", Provider: "okta", Line: line}
	if s.User == "" {
		return s, requireUser(name, line, "actor.alternateId")
	}
	var err error
	if s.Time, err = parseTime(f.published, false); err != nil {
		return s, lineError(name, line, "published", "%s", msg(err))
	}
	if s.IP, err = parseIP(f.ip); err != nil {
		return s, lineError(name, line, f.ipField, "%s", msg(err))
	}
	return s, nil
}

// oktaCSVColumns are the columns readOktaCSV reads (normalised).
var oktaCSVColumns = []string{"eventtype", "published", "actor.alternateid", "client.ipaddress", "client.useragent.rawuseragent",
	"client.geographicalcontext.country", "client.geographicalcontext.city", "securitycontext.asnumber", "securitycontext.asorg",
	"securitycontext.isproxy", "outcome.result", "device.id"}

// readOktaCSV reads the System Log as the admin console's Download CSV
// gives it: one column per dotted LogEvent path.
func readOktaCSV(t *csvTable, n *signInNotes) ([]hiring.SignIn, error) {
	hasType := t.has("eventtype")
	n.noTypeColumn = !hasType
	n.noDeviceColumn = !t.has("device.id")
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
		et := t.cell(rec, "eventtype")
		if hasType && n.skipOkta(et) {
			continue
		}
		ip, ipField := t.cell(rec, "client.ipaddress"), "client.ipAddress"
		mfa := t.cell(rec, "device.id")
		s, err := oktaSignIn(t.name, line, oktaFields{
			user: t.cell(rec, "actor.alternateid"), published: t.cell(rec, "published"), ip: ip, ipField: ipField,
			ua: t.cell(rec, "client.useragent.rawuseragent"), country: t.cell(rec, "client.geographicalcontext.country"),
			city: t.cell(rec, "client.geographicalcontext.city"), asOrg: t.cell(rec, "securitycontext.asorg"),
			result: t.cell(rec, "outcome.result"), mfa: mfa,
		})
		if err != nil {
			return nil, err
		}
		if s.ASN, err = parseASN(t.cell(rec, "securitycontext.asnumber")); err != nil {
			return nil, lineError(t.name, line, "securityContext.asNumber", "%s", msg(err))
		}
		if v := t.cell(rec, "securitycontext.isproxy"); v != "" {
			if s.Proxy, err = parseBool(v); err != nil {
				return nil, lineError(t.name, line, "securityContext.isProxy", "%s", msg(err))
			}
		}
		if hasType {
			s.Interactive = n.flag(oktaInteractive(et))
		}
		n.keep(&s)
		out = append(out, dd.signIn(s))
	}
}
