package evidence

import (
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// Notices. The ...Notes readers return, beside what they read, notices
// of what they skipped or could not use: a sentence each, for the user
// (the CLI prints them), with counts and reasons only. A notice never
// holds a value of a data row (an account, address, time, device id):
// like errors, notices reach stderr, API responses and logs.

// valueLike reports whether a column name looks like a value rather than
// a header cell (an e-mail address, an IP address, a URL, a long number
// such as a phone number or an account): a file whose header line is
// missing, or a JSON object keyed by its values, would otherwise have a
// notice repeat a value of a data row.
func valueLike(c string) bool {
	if strings.ContainsAny(c, "@:/\\") {
		return true
	}
	if _, err := netip.ParseAddr(strings.TrimSpace(c)); err == nil {
		return true
	}
	digits := 0
	for _, r := range c {
		if r >= '0' && r <= '9' {
			if digits++; digits >= 5 {
				return true
			}
		}
	}
	return false
}

// count writes n with thousands separators: 1,204.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// signInNotes counts what a sign-in reader skipped or could not use.
type signInNotes struct {
	format string // "okta", "okta-csv", "entra", "entra-csv", "csv"
	kept   int

	otherEvents int // Okta events of types other than sign-ins
	tokenGrants int // Okta OAuth token grants and refreshes (app.oauth2.*token*)
	logouts     int // Okta sign-outs (user.authentication.slo, universal_logout)

	noIP        int // kept sign-ins without an IP address
	mfaDevices  int // kept sign-ins with an MFA device
	maskedPhone int // Entra: the only phone factor's number was masked
	namedOnly   int // Entra: the factor was named by a device, key or app model only
	mfaNoDevice int // kept sign-ins whose MFA device value identifies no one device (hiring.MFADeviceKey)

	interactiveUnknown int  // kept sign-ins that do not say whether a person made them
	noDeviceColumn     bool // Okta CSV without device.id
	noTypeColumn       bool // Okta CSV without eventType

	// flags are the values the file's sign-ins point Interactive at: one
	// false and one true a file, not an allocation a sign-in.
	flags [2]*bool
}

// flag returns the file's shared pointer to b.
func (n *signInNotes) flag(b bool) *bool {
	i := 0
	if b {
		i = 1
	}
	if n.flags[i] == nil {
		n.flags[i] = boolPtr(b)
	}
	return n.flags[i]
}

// keep counts a sign-in the reader returns.
func (n *signInNotes) keep(s *hiring.SignIn) {
	n.kept++
	if !s.IP.IsValid() {
		n.noIP++
	}
	if s.MFADevice != "" {
		n.mfaDevices++
		if hiring.MFADeviceKey(s.MFADevice) == "" {
			n.mfaNoDevice++
		}
	}
	if s.Interactive == nil {
		n.interactiveUnknown++
	}
}

// list returns the notices, in a fixed order.
func (n *signInNotes) list() []string {
	var out []string
	add := func(s string) { out = append(out, s) }
	if n.otherEvents > 0 {
		add(count(n.otherEvents) + " event" + plural(n.otherEvents) + " of types other than sign-ins (user.session.start, user.authentication.*) " + were(n.otherEvents) + " skipped")
	}
	if n.tokenGrants > 0 {
		add(count(n.tokenGrants) + " OAuth token grant" + plural(n.tokenGrants) + " or refresh" + pluralES(n.tokenGrants) + " (app.oauth2.*token*) " + were(n.tokenGrants) + " skipped: " +
			"a client asks for them in the background, not a person signing in, and a server-side client's request carries the server's address, not the person's")
	}
	if n.logouts > 0 {
		add(count(n.logouts) + " sign-out" + plural(n.logouts) + " (user.authentication.slo, user.authentication.universal_logout*) " + were(n.logouts) + " skipped")
	}
	if n.noTypeColumn {
		add("this Okta export has no eventType column: every row was read as a sign-in; export the eventType column so that other events are skipped")
	}
	if n.kept == 0 {
		return out
	}
	if n.noIP > 0 {
		s := count(n.noIP) + " of " + count(n.kept) + " sign-ins " + carry(n.noIP) + " no IP address: the network checks (shared IPs, VPN and hosting ranges, DPRK address space) cannot use them"
		if n.format == "okta-csv" {
			s += " (the Okta CSV download has no request.ipChain, where an event without client.ipAddress has its address; the API's JSON has it)"
		}
		add(s)
	}
	switch {
	case n.noDeviceColumn:
		add("this Okta export has no device.id column, so it names no MFA device: the shared-MFA-device check cannot use it")
	case (n.format == "okta" || n.format == "okta-csv") && n.mfaDevices == 0:
		add("no sign-in of this Okta log names an Okta device (device.id: Okta Verify or FastPass with device registration; SMS, voice and TOTP factors name none): the shared-MFA-device check cannot use it")
	}
	if n.maskedPhone > 0 {
		add(count(n.maskedPhone) + " sign-in" + plural(n.maskedPhone) + " passed MFA by a phone number Entra masks: the shared-MFA-device check cannot use them")
	}
	if n.namedOnly > 0 {
		add(count(n.namedOnly) + " sign-in" + plural(n.namedOnly) + " " + name3(n.namedOnly) + " their second factor only by a device, key or app model (Entra gives no device id, and many people own the same model): the shared-MFA-device check cannot use them")
	}
	if n.mfaNoDevice > 0 {
		add(count(n.mfaNoDevice) + " sign-in" + plural(n.mfaNoDevice) + " " + name3(n.mfaNoDevice) + " their MFA device by a value that identifies no one device (a model or product name such as \"iPhone 15\", a masked number, a short label; not a device or credential id, a serial or a whole phone number): the shared-MFA-device check cannot use them")
	}
	if n.interactiveUnknown > 0 {
		s := count(n.interactiveUnknown) + " of " + count(n.kept) + " sign-ins " + doNot(n.interactiveUnknown) + " say whether a person made them or a client refreshed a token in the background: " +
			"the time-zone rules count them as made by a person"
		switch n.format {
		case "entra-csv":
			s += "; Entra's CSV has no such column: keep the portal's file names (InteractiveSignIns_….csv, NonInteractiveSignIns_….csv) or add a column Interactive (true or false)"
		case "entra":
			s += " (their isInteractive is missing)"
		case "okta-csv":
			s += " (the export has no eventType column)"
		case "csv":
			s += "; give the column interactive (false for background token refreshes)"
		}
		add(s)
	}
	return out
}

// entraFileInteractive reads whether an Entra sign-in CSV holds
// interactive or non-interactive sign-ins from its file name as the
// portal names its downloads (InteractiveSignIns_2026-03-01_2026-03-31.csv,
// NonInteractiveSignIns_….csv; the columns of both are the same); nil when
// the name says neither.
func entraFileInteractive(name string) *bool {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case strings.HasPrefix(base, "noninteractivesignins"):
		return boolPtr(false)
	case strings.HasPrefix(base, "interactivesignins"):
		return boolPtr(true)
	}
	return nil
}

func boolPtr(b bool) *bool { return &b }

// Verbs agreeing with a count.
func were(n int) string     { return pick(n, "was", "were") }
func carry(n int) string    { return pick(n, "carries", "carry") }
func name3(n int) string    { return pick(n, "names", "name") }
func doNot(n int) string    { return pick(n, "does not", "do not") }
func pluralES(n int) string { return pick(n, "", "es") }

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
