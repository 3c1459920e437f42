package hiring

import (
	"net/netip"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Role says what a person is to the employer.
type Role string

// Roles of a person record.
const (
	RoleApplicant  Role = "applicant"
	RoleContractor Role = "contractor"
	RoleEmployee   Role = "employee"
)

// Person is one people record: an applicant, contractor or employee as an
// applicant-tracking system or HR system exports it. Multi-valued fields
// hold every value given; identifiers are kept as given and normalised by
// the identity graph. Only what the checks need is kept.
type Person struct {
	// ID is the record's id in the source system; unique within an import.
	ID string `json:"id"`
	// Role is applicant, contractor or employee; empty means applicant.
	Role Role `json:"role,omitempty"`
	// FullName is the legal name as given.
	FullName string `json:"full_name,omitempty"`
	// DateOfBirth is YYYY-MM-DD, YYYY-MM or YYYY; empty when unknown.
	DateOfBirth string `json:"date_of_birth,omitempty"`
	// NationalID is a national identity or social security number.
	NationalID string `json:"national_id,omitempty"`
	// Emails, Phones, BankAccounts, DeviceSerials and IPs are multi-valued
	// (";" between values in a CSV cell).
	Emails        []string `json:"emails,omitempty"`
	Phones        []string `json:"phones,omitempty"`
	BankAccounts  []string `json:"bank_accounts,omitempty"`
	DeviceSerials []string `json:"device_serials,omitempty"`
	IPs           []string `json:"ips,omitempty"`
	// HomeAddress is the verified (or claimed) home address;
	// ShippingAddress where the company laptop is to be sent.
	HomeAddress     string `json:"home_address,omitempty"`
	ShippingAddress string `json:"shipping_address,omitempty"`
	// Country is the claimed country of residence, ISO 3166-1 alpha-2.
	Country string `json:"country,omitempty"`
	// GitHub is the GitHub handle.
	GitHub string `json:"github,omitempty"`
	// ResumeText is the resume's text, compared for near-duplicates.
	ResumeText string `json:"resume_text,omitempty"`
	// TimeZone is the claimed IANA time zone (e.g. America/Chicago); when
	// empty, the checks fall back to Country where it has one zone.
	TimeZone string `json:"time_zone,omitempty"`
	// Languages are the languages the person declared (ISO 639-1 or names).
	Languages []string `json:"languages,omitempty"`
	// ReferredBy is the id of the person who referred this one.
	ReferredBy string `json:"referred_by,omitempty"`
	// Source is where the application came from (job board, agency name).
	Source string `json:"source,omitempty"`
	// Line is the line of the file the record was read from (not stored).
	Line int `json:"-"`
}

// SignIn is one sign-in event from an identity provider's log.
type SignIn struct {
	// User is the account as the identity provider names it (login,
	// e-mail or user principal name).
	User string     `json:"user"`
	Time time.Time  `json:"time"`
	IP   netip.Addr `json:"ip"`
	// UserAgent is the raw user agent string.
	UserAgent string `json:"user_agent,omitempty"`
	// MFADevice identifies the factor or device that satisfied the second
	// factor (an authenticator device id, phone, key), empty when none.
	MFADevice string `json:"mfa_device,omitempty"`
	// Country (alpha-2), City, ASN and ASOrg are the provider's
	// geolocation of IP, when it gives them.
	Country string `json:"country,omitempty"`
	City    string `json:"city,omitempty"`
	ASN     uint32 `json:"asn,omitempty"`
	ASOrg   string `json:"as_org,omitempty"`
	// Proxy is true when the provider flagged the address as a proxy, VPN
	// or anonymiser.
	Proxy bool `json:"proxy,omitempty"`
	// Success is false for a failed sign-in.
	Success bool `json:"success"`
	// Interactive is false for a sign-in no person made at that moment (a
	// client's background token refresh, Entra's non-interactive sign-ins),
	// true for one a person made, nil when the log does not say. The
	// time-zone rules (KST_WORKING_HOURS, ROUND_THE_CLOCK) leave
	// non-interactive sign-ins out: refreshes happen around the clock for
	// everyone.
	Interactive *bool `json:"interactive,omitempty"`
	// Provider names the log's format: "okta", "entra" or "csv".
	Provider string `json:"provider"`
	// Line is the event's line or array index in its file (not stored).
	Line int `json:"-"`
}

// Device is one endpoint of an inventory (EDR or MDM export): a laptop
// with its software and attached hardware.
type Device struct {
	Serial   string `json:"serial"`
	Hostname string `json:"hostname,omitempty"`
	// User is the person (id or e-mail) the device is assigned to.
	User     string        `json:"user,omitempty"`
	Software []Software    `json:"software,omitempty"`
	USB      []USBDevice   `json:"usb,omitempty"`
	Displays []DisplayInfo `json:"displays,omitempty"`
	Line     int           `json:"-"`
}

// Software is one installed program or running process.
type Software struct {
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	Publisher string `json:"publisher,omitempty"`
	Path      string `json:"path,omitempty"`
}

// USBDevice is one attached USB device.
type USBDevice struct {
	// VendorID and ProductID are four lower-case hex digits each.
	VendorID     string `json:"vendor_id,omitempty"`
	ProductID    string `json:"product_id,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
}

// DisplayInfo is one attached display as its EDID names it.
type DisplayInfo struct {
	Name         string `json:"name,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
}

// Shipment is one laptop shipping record.
type Shipment struct {
	DeviceSerial string `json:"device_serial,omitempty"`
	// Person is the id or e-mail of the person it was shipped for.
	Person    string    `json:"person"`
	Address   string    `json:"address"`
	ShippedAt time.Time `json:"shipped_at,omitempty"`
	Carrier   string    `json:"carrier,omitempty"`
	Line      int       `json:"-"`
}

// PayrollAccount is one account a person's pay goes to, with its history.
type PayrollAccount struct {
	// Person is the id or e-mail of the payee.
	Person string `json:"person"`
	// Kind is "bank", "iban", "crypto" or "wallet" (a money-service or
	// fintech account).
	Kind string `json:"kind"`
	// Account is the account number, IBAN or crypto address.
	Account string `json:"account"`
	// Holder is the account holder's name as the bank has it.
	Holder string `json:"holder,omitempty"`
	// Institution is the bank or provider.
	Institution string `json:"institution,omitempty"`
	// Chain is the chain of a crypto address (ethereum, bitcoin, tron, …).
	Chain string `json:"chain,omitempty"`
	// Since is when the account became the payee's.
	Since time.Time `json:"since,omitempty"`
	Line  int       `json:"-"`
}

// GitHubProfile is what the GitHub API says of an account, for the
// account-age check and time-zone inference.
type GitHubProfile struct {
	Login     string    `json:"login"`
	CreatedAt time.Time `json:"created_at"`
	// CommitTimes are the author times of the commits the profile shows,
	// with their original offsets.
	CommitTimes []time.Time `json:"commit_times,omitempty"`
	Line        int         `json:"-"`
}

// Evidence is everything known about a set of people besides their
// records.
type Evidence struct {
	SignIns   []SignIn         `json:"sign_ins,omitempty"`
	Devices   []Device         `json:"devices,omitempty"`
	Shipments []Shipment       `json:"shipments,omitempty"`
	Payroll   []PayrollAccount `json:"payroll,omitempty"`
	GitHub    []GitHubProfile  `json:"github,omitempty"`
}

// Severity of a flag.
type Severity string

// Severities, from least to most.
const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// Flag is one red flag raised on a person: the rule, how much it weighs,
// the evidence that raised it and the public source of the indicator.
type Flag struct {
	// Rule is the flag's code (e.g. SHARED_IDENTIFIER).
	Rule string `json:"rule"`
	// Indicator is the consolidated indicator it checks (ID-01 … ID-28).
	Indicator string   `json:"indicator,omitempty"`
	Severity  Severity `json:"severity"`
	// Weight is what the flag adds to the person's score.
	Weight int `json:"weight"`
	// Evidence says, for a human, what was seen.
	Evidence string `json:"evidence"`
	// Source cites the public advisory or research behind the indicator.
	Source string `json:"source"`
	// Related are the ids of other people the flag links this one to.
	Related []string `json:"related,omitempty"`
}

// Assessment is the outcome of screening one person.
type Assessment struct {
	ID      string          `json:"id"`
	Verdict bulwark.Verdict `json:"verdict"`
	Score   int             `json:"score"`
	Flags   []Flag          `json:"flags"`
}

// Link is one reason two records belong together.
type Link struct {
	// Kind is what they share: email, phone, national_id, address,
	// bank_account, device_serial, ip, github, mfa_device, identity (a
	// fuzzy match of name, birth date and address) or resume (near-duplicate
	// resume text).
	Kind string `json:"kind"`
	// IDs are the two (or more) records that share it.
	IDs []string `json:"ids"`
	// Value is the normalised shared value; empty for fuzzy links.
	Value string `json:"value,omitempty"`
	// Score is 1 for an exact shared identifier, the similarity otherwise.
	Score float64 `json:"score"`
	// Why explains a fuzzy link field by field (e.g. "family_name exact,
	// given_name close 0.93, date_of_birth close"); empty otherwise.
	Why string `json:"why,omitempty"`
}

// Cluster is a set of two or more records the identity graph links, with
// the reasons that link them.
type Cluster struct {
	IDs []string `json:"ids"`
	// Reasons say, one sentence each, why the records are linked.
	Reasons []string `json:"reasons"`
	// Links are the same reasons, structured.
	Links []Link `json:"links"`
}
