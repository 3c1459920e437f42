package hiring

// Rule is one red-flag rule: the code its flags carry, the consolidated
// indicator it checks (ID-01 … ID-28 of the indicator table), its severity
// and weight, and the public sources behind it, quoted from the indicator
// table's sources column.
//
// A flag is a reason to look, not a verdict on a nationality: no rule
// raises a flag from a person's nationality, country of birth, name or
// declared language alone. Every rule needs an observation of conduct or of
// shared identifiers (a sign-in, a shipment, an inventory, a payroll
// account, a screening hit, a link between records); the test
// TestNoFlagFromNationalityAlone holds them to it.
type Rule struct {
	// Code is the flag's code.
	Code string `json:"code"`
	// Indicator is the consolidated indicator (ID-01 … ID-28); empty for
	// rules outside the table (sanctions screening).
	Indicator string   `json:"indicator,omitempty"`
	Severity  Severity `json:"severity"`
	// Weight is what a flag of this rule adds to the score, once per person
	// however many observations raise it.
	Weight int `json:"weight"`
	// Blocks is true when a flag of this rule alone makes the verdict block.
	Blocks bool `json:"blocks,omitempty"`
	// Title says in a few words what the rule sees.
	Title string `json:"title"`
	// Source cites the public advisories and research behind the indicator.
	Source string `json:"source"`
}

// Rule codes.
const (
	CodeSharedIdentifier           = "SHARED_IDENTIFIER"
	CodeSharedHomeAddress          = "SHARED_HOME_ADDRESS"
	CodeDuplicateIdentitySeats     = "DUPLICATE_IDENTITY_SEATS"
	CodeGitHubYoungerThanCommits   = "GITHUB_ACCOUNT_YOUNGER_THAN_COMMITS"
	CodeReferredByFlagged          = "REFERRED_BY_FLAGGED"
	CodeShippingAddressMismatch    = "SHIPPING_ADDRESS_MISMATCH"
	CodeSharedShippingAddress      = "SHARED_SHIPPING_ADDRESS"
	CodeSharedNetwork              = "SHARED_NETWORK"
	CodeSharedDevice               = "SHARED_DEVICE"
	CodeRemoteAccessTool           = "REMOTE_ACCESS_TOOL"
	CodeRemoteAccessToolPossible   = "REMOTE_ACCESS_TOOL_POSSIBLE"
	CodeIPKVM                      = "IP_KVM"
	CodeIPKVMPossible              = "IP_KVM_POSSIBLE"
	CodeVPNClient                  = "VPN_CLIENT"
	CodeVPNOrHostingEgress         = "VPN_OR_HOSTING_EGRESS"
	CodeDPRKNetwork                = "DPRK_NETWORK"
	CodeHighRiskCountrySignIn      = "HIGH_RISK_COUNTRY_SIGN_IN"
	CodeForeignSignIn              = "FOREIGN_SIGN_IN"
	CodeImpossibleTravel           = "IMPOSSIBLE_TRAVEL"
	CodeSharedMFADevice            = "SHARED_MFA_DEVICE"
	CodeKSTWorkingHours            = "KST_WORKING_HOURS"
	CodeRoundTheClock              = "ROUND_THE_CLOCK"
	CodeSharedPayrollAccount       = "SHARED_PAYROLL_ACCOUNT"
	CodePayrollHolderMismatch      = "PAYROLL_HOLDER_MISMATCH"
	CodePayrollAccountChurn        = "PAYROLL_ACCOUNT_CHURN"
	CodeCryptoPayroll              = "CRYPTO_PAYROLL"
	CodeSanctionedPayrollAddress   = "SANCTIONED_PAYROLL_ADDRESS"
	CodeSanctionedPayrollAddressRv = "SANCTIONED_PAYROLL_ADDRESS_REVIEW"
	CodeSanctionedName             = "SANCTIONED_NAME"
	CodeSanctionedNameReview       = "SANCTIONED_NAME_REVIEW"
	CodeNameNotScreened            = "NAME_NOT_SCREENED"
	CodePayrollAddressNotScreened  = "PAYROLL_ADDRESS_NOT_SCREENED"
)

// Sources quoted from the indicator table (redflags/dprk_itw_indicators.csv).
const (
	srcID01 = "S22 (reused templates / inconsistent details); PSA23 (multiple profiles same identity different photos); GTIG (email searches reveal profiles under other names); PSA25 (cross-check applicant details against other applicants and HR systems)"
	srcID08 = "SEAL (TTP section)"
	srcID09 = "SEAL; M-IR (fraudulent employee referred a second fake employee)"
	srcID11 = "PSA24 (facilitators receive and reship laptops); DOJ-CH (49 laptops shipped overseas incl. city near DPRK border; 90+ laptops at one residence); U42-ITW (suspicious shipping addresses); GTIG (verify laptop serial at onboarding)"
	srcID12 = "DOJ-CH; DOJ-RG (29 laptop farms / 16 states); M-IR (two 'employees' laptops on same IP point of presence); S22 (multiple accounts from one IP)"
	srcID13 = "S22 (router port 3389 / remote desktop); PSA24 (remote desktop installed by facilitators); PSA25 (restrict remote desktop installs); MS-JS (RMM tools); M-IR (AnyDesk)"
	srcID14 = "DOJ-RG (KVM switches at laptop farms); GTIG (question IP-based KVM use); fingerprints derived from vendor source code"
	srcID15 = "M-IR (Astrill VPN on both fraudulent laptops); Red Canary 2025 TDR (hunt on known-abused VPNs from Mandiant report found anomalous sign-ins); MS-JS (VPNs); MS-DEX (VPN services to mask origin)"
	srcID16 = "S22; PSA25 (multiple logins from various IPs in different countries); SEAL (Russian ISPs / inconsistent ranges)"
	srcID17 = "MS-DEX (Dec 2025)"
	srcID18 = "S22 (cannot do business in regular hours; logged in continuously for days); SEAL (timezone flag; note they can circumvent)"
	srcID24 = "S22 (PRC bank accounts; crypto; shared PayPal between client and developer accounts); FBI PSA guidance 2024-25 (compare payment accounts / frequent bank changes - as summarised); SEAL (crypto at flat rate)"
	srcList = "sanctions and DPRK attribution lists (OFAC SDN, UN and the other active lists), as the screening service decides"
)

// rules is the rule table, in the order of the indicators. It is never
// modified; Rules hands out a copy.
var rules = []Rule{
	{CodeSharedIdentifier, "ID-01", SeverityHigh, 40, false, "an e-mail, phone, national id, GitHub handle or resume shared with a record of a different name", srcID01},
	{CodeSharedHomeAddress, "ID-01", SeverityMedium, 15, false, "a home address shared with a record of a different name", srcID01},
	{CodeDuplicateIdentitySeats, "ID-01", SeverityHigh, 40, false, "several records taken for one person, two or more of them paid, given a laptop or employed (one person drawing several seats)", srcID01},
	{CodeGitHubYoungerThanCommits, "ID-08", SeverityMedium, 10, false, "a GitHub account created after the commits it shows", srcID08},
	{CodeReferredByFlagged, "ID-09", SeverityHigh, 20, false, "referred by a person whose flags block, or who is in review while the person has flags of their own", srcID09},
	{CodeShippingAddressMismatch, "ID-11", SeverityHigh, 20, false, "a laptop shipped somewhere other than the home address", srcID11},
	{CodeSharedShippingAddress, "ID-11", SeverityHigh, 30, false, "laptops of several people shipped to one address", srcID11},
	{CodeSharedNetwork, "ID-12", SeverityHigh, 25, false, "a network the person signs in from regularly that other people sign in from regularly too (a laptop farm)", srcID12},
	{CodeSharedDevice, "ID-12", SeverityHigh, 25, false, "a device serial assigned or shipped to several people", srcID12},
	{CodeRemoteAccessTool, "ID-13", SeverityHigh, 25, false, "remote-access software on the company laptop", srcID13},
	{CodeRemoteAccessToolPossible, "ID-13", SeverityMedium, 10, false, "a remote-access tool IT departments often use themselves (a catalogue entry, not a product's own fingerprint) on the company laptop", srcID13},
	{CodeIPKVM, "ID-14", SeverityHigh, 40, false, "IP-KVM hardware attached to the company laptop", srcID14},
	{CodeIPKVMPossible, "ID-14", SeverityMedium, 15, false, "a generic sign of IP-KVM hardware (the Linux USB gadget id alone) on the company laptop", srcID14},
	{CodeVPNOrHostingEgress, "ID-15", SeverityMedium, 15, false, "sign-ins mostly through a VPN, anonymising proxy or hosting network", srcID15},
	{CodeVPNClient, "ID-15", SeverityMedium, 10, false, "a commercial VPN client (such as Astrill VPN) on the company laptop", srcID15},
	{CodeDPRKNetwork, "ID-16", SeverityHigh, 100, true, "a sign-in from North Korean address space, or two or more the identity provider locates in North Korea", srcID16},
	{CodeHighRiskCountrySignIn, "ID-16", SeverityHigh, 25, false, "sign-ins from China or Russia on more days than a week's trip while claiming to live elsewhere, or one sign-in the identity provider alone locates in North Korea", srcID16},
	{CodeForeignSignIn, "ID-16", SeverityMedium, 15, false, "a stay of more than a week in countries other than the claimed one, without a day at home", srcID16},
	{CodeImpossibleTravel, "ID-16", SeverityMedium, 15, false, "two changes of country within two hours, on two or more days", srcID16},
	{CodeSharedMFADevice, "ID-17", SeverityHigh, 40, false, "one MFA device satisfying MFA for several people's accounts", srcID17},
	{CodeKSTWorkingHours, "ID-18", SeverityMedium, 20, false, "activity concentrated in Korean (UTC+9) working hours, at night in the claimed time zone", srcID18},
	{CodeRoundTheClock, "ID-18", SeverityMedium, 15, false, "activity around the clock, without a quiet night, on ten or more days", srcID18},
	{CodeSharedPayrollAccount, "ID-24", SeverityHigh, 40, false, "salary to an account other people are paid to as well", srcID24},
	{CodePayrollHolderMismatch, "ID-24", SeverityMedium, 20, false, "salary to an account held in another name", srcID24},
	{CodePayrollAccountChurn, "ID-24", SeverityMedium, 15, false, "three or more payroll accounts within a year", srcID24},
	{CodeCryptoPayroll, "ID-24", SeverityLow, 5, false, "salary to a crypto address", srcID24},
	{CodeSanctionedPayrollAddress, "ID-24", SeverityHigh, 100, true, "salary to a crypto address the screening blocks", srcID24},
	{CodeSanctionedPayrollAddressRv, "ID-24", SeverityMedium, 20, false, "salary to a crypto address the screening sends to review", srcID24},
	{CodePayrollAddressNotScreened, "ID-24", SeverityMedium, 20, false, "the payroll crypto address could not be screened: the screening service refused it (a chain or address format it does not screen)", srcID24},
	{CodeSanctionedName, "", SeverityHigh, 100, true, "the name matches a sanctioned or DPRK-attributed person (screening verdict block)", srcList},
	{CodeSanctionedNameReview, "", SeverityMedium, 20, false, "the name may match a sanctioned or DPRK-attributed person (screening verdict review)", srcList},
	{CodeNameNotScreened, "", SeverityMedium, 20, false, "the name could not be screened: the screening service refused the record's name, birth date or country as invalid (fix the record and screen again)", srcList},
}

// Rules returns the rule table (a copy), in the order of the indicators.
func Rules() []Rule { return append([]Rule(nil), rules...) }

// ruleByCode returns the rule of code; the code must be in the table.
func ruleByCode(code string) Rule {
	for _, r := range rules {
		if r.Code == code {
			return r
		}
	}
	panic("hiring: no rule " + code) // a programming error: every code used is in the table (TestRuleTable)
}

// Unchecked is an indicator of the table that no rule checks, with the
// data it would need.
type Unchecked struct {
	Indicator string `json:"indicator"`
	// Needs says which data Bulwark does not take that checking it needs.
	Needs string `json:"needs"`
}

// uncheckedIndicators lists the indicators (and the parts of checked ones)
// that need data Bulwark does not take.
var uncheckedIndicators = []Unchecked{
	{"ID-01", "photo reuse: needs applicant photos (perceptual hashes)"},
	{"ID-02", "identity attributes across resume, profiles and KYC: needs OSINT profile extracts and the KYC vendor's result"},
	{"ID-03", "foreign education, experience predating technologies: needs parsed resumes (education, work history with dates)"},
	{"ID-04", "camera refusal, deepfakes, voice changers: needs video-interview logs and liveness results"},
	{"ID-05", "avoided in-person steps: needs the ATS workflow's in-person verification events"},
	{"ID-06", "coding-test cheating: needs interview scorecards or proctoring telemetry"},
	{"ID-07", "not checked by design: a declared language is no conduct; the same conduct must get the same verdict whatever languages a person speaks"},
	{"ID-08", "copied repositories, fake organisations, mass following, avatars: needs repository and follower data beyond the profile's creation date and commit times"},
	{"ID-10", "agency hires without own verification: needs the in-house identity-verification events (the source alone is no red flag)"},
	{"ID-12", "shared Wi-Fi (BSSID): needs Wi-Fi telemetry from the endpoints"},
	{"ID-15", "VPN clients the device reference data does not name (it names Astrill VPN): needs a wider catalogue of VPN clients"},
	{"ID-19", "long-lived sessions, replayed cookies: needs token and CASB logs"},
	{"ID-20", "bulk cloning to personal accounts: needs SCM audit and DLP logs"},
	{"ID-21", "several operators per account: needs manager attestations"},
	{"ID-22", "identity switches: needs GitHub rename history and IdP audit logs"},
	{"ID-23", "early privileged-access requests: needs IAM/PAM request logs"},
	{"ID-24", "PRC-linked or money-service accounts: needs the bank's routing country and institution type"},
	{"ID-25", "stolen-identity complaints: needs HR case intake and E-Verify results"},
	{"ID-26", "below-market pay, prepayment requests: needs offer and accounts-payable data"},
	{"ID-27", "recruiter lures sent to employees: checked on the repository itself by bulwark scan, not here"},
	{"ID-28", "developer-endpoint behaviour: needs EDR behaviour telemetry"},
}

// UncheckedIndicators returns the indicators, or parts of them, that no
// rule checks because they need data Bulwark does not take.
func UncheckedIndicators() []Unchecked {
	return append([]Unchecked(nil), uncheckedIndicators...)
}
