package hiring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bulwark-sec/bulwark"
)

// Checker runs the red-flag rules (see Rules) over people records, the
// evidence about them and the identity graph's clusters, and scores each
// person. The zero value with a Screener is usable; each dependency left nil
// switches off the checks that need it, and Report.Skipped says so.
//
// How evidence is matched to people: a sign-in's User, a device's User, a
// shipment's Person and a payroll account's Person may name the person by
// id or by any of their e-mails (compared as NormalizeEmail has them); a
// device or shipment that names nobody is matched by a serial the person
// record lists or a shipment to the person names, a GitHub profile by the
// person's GitHub handle. AttachEvidence matches the same way. Evidence
// that matches no person, or several (an e-mail two records share: the
// SHARED_IDENTIFIER rule reports that), is counted in Report.Unmatched and
// used by no rule; it is never silently dropped.
//
// Only successful sign-ins count: a failed one may be someone else's
// attempt on the account.
type Checker struct {
	// Network classifies sign-in addresses (VPN, hosting, DPRK space).
	// Without it only the identity provider's own proxy flag and country
	// are used.
	Network NetworkIntel
	// Devices recognises remote-access tools and IP-KVM hardware in the
	// endpoint inventories; without it the inventories are not checked.
	Devices DeviceIntel
	// Screener screens names and payroll crypto addresses against the
	// sanctions lists; without it neither is screened.
	Screener Screener
	// Now is the clock (time.Now when nil); the payroll-churn window ends
	// at Now.
	Now func() time.Time
	// OfficeNetworks are the company's own egress networks: sharing them
	// is no laptop farm, and sign-ins from them count as at home.
	OfficeNetworks []netip.Prefix
	// OfficeAddresses are the company's own postal addresses: laptops
	// shipped there are neither mismatched nor shared.
	OfficeAddresses []string
	// AllowedTools are remote-access products IT has sanctioned (compared
	// case-insensitively with the product the device intel names).
	AllowedTools []string
	// Subject returns the fingerprint of a person passed to the screener
	// as its subject; by default the first 16 bytes of SHA-256 of
	// "bulwark/hiring/subject:" and the id, in hex. Never an identifier.
	Subject func(id string) string
}

// Unmatched counts the evidence that matched no person (or several).
type Unmatched struct {
	SignIns   int `json:"sign_ins"`
	Devices   int `json:"devices"`
	Shipments int `json:"shipments"`
	Payroll   int `json:"payroll"`
	GitHub    int `json:"github"`
	// ClusterIDs are cluster members that are not among the people.
	ClusterIDs int `json:"cluster_ids"`
	// Referrals are referred_by values that name no person.
	Referrals int `json:"referrals"`
}

// Total is the sum of the counts.
func (u Unmatched) Total() int {
	return u.SignIns + u.Devices + u.Shipments + u.Payroll + u.GitHub + u.ClusterIDs + u.Referrals
}

// Report is the outcome of a check: one assessment per person, in the
// order of the people given, the count of evidence that matched nobody,
// and the checks that could not run (a dependency missing, an address too
// widely shared to count), one sentence each.
type Report struct {
	Assessments []Assessment `json:"assessments"`
	Unmatched   Unmatched    `json:"unmatched"`
	Skipped     []string     `json:"skipped,omitempty"`
}

// Check is Run without the report's counts: the assessments only.
func (c *Checker) Check(ctx context.Context, people []Person, ev Evidence, clusters []Cluster) ([]Assessment, error) {
	r, err := c.Run(ctx, people, ev, clusters)
	return r.Assessments, err
}

// CheckGraph is RunGraph without the report's counts: the assessments
// only.
func (c *Checker) CheckGraph(ctx context.Context, people []Person, ev Evidence, g *Graph) ([]Assessment, error) {
	r, err := c.RunGraph(ctx, people, ev, g)
	return r.Assessments, err
}

// Run is RunGraph over a graph of clusters alone: the identity graph's
// shared links (addresses, public IPs, identifiers shared by more records
// than it merges) are not seen. Prefer RunGraph.
func (c *Checker) Run(ctx context.Context, people []Person, ev Evidence, clusters []Cluster) (Report, error) {
	return c.RunGraph(ctx, people, ev, &Graph{Clusters: clusters})
}

// RunGraph checks every person against every rule and scores them (see
// Score), with the identity graph g of the people (BuildGraph): its
// clusters and its shared links, which raise the SHARED_* rules too (a
// home address or public IP a few records share, a strong identifier
// more records share than the graph merges). People ids must be
// non-empty and unique (an Invalid error names the record otherwise). An
// error of the screener (cancellation included) ends the run with that
// error: a check with names unscreened is not handed out as clear. A
// name or payroll address the screener refuses as invalid is no error of
// the run: the person gets NAME_NOT_SCREENED or
// PAYROLL_ADDRESS_NOT_SCREENED (review) instead.
func (c *Checker) RunGraph(ctx context.Context, people []Person, ev Evidence, g *Graph) (Report, error) {
	x, err := c.index(people, ev)
	if err != nil {
		return Report{}, err
	}
	if g == nil {
		g = &Graph{}
	}
	c.checkClusters(x, g.Clusters)
	c.checkShared(x, g.Shared)
	c.checkSignIns(x, ev.SignIns)
	c.checkZones(x, ev)
	c.checkDevices(x, ev)
	c.checkShipping(x, ev.Shipments)
	c.checkPayroll(x, ev.Payroll)
	c.checkGitHub(x, ev.GitHub)
	if err := c.screen(ctx, x, ev.Payroll); err != nil {
		return Report{}, err
	}
	// Referrals last: they look at the referrer's flags from every other
	// rule (one hop; see checkReferrals).
	c.checkReferrals(x)
	r := Report{Assessments: make([]Assessment, len(people)), Unmatched: x.unmatched, Skipped: x.skipped}
	if to := runReportFrom(ctx); to != nil {
		to.Unmatched, to.Skipped = x.unmatched, x.skipped
	}
	for i := range x.people {
		r.Assessments[i] = x.assess(i)
	}
	return r, nil
}

// index is a check's working state: the people, how evidence names them,
// and the flags raised so far.
type index struct {
	people []Person
	names  [][]string
	// m resolves evidence to people (see matcher).
	m *matcher
	// same holds pairs of people the identity graph says are one person
	// (an identity link). A fuzzy match switches no rule off (see
	// oneApplicant); it groups the records DUPLICATE_IDENTITY_SEATS
	// counts.
	same map[[2]int32]bool
	// dobs, nids, emails and cities are each person's birth date, national
	// id (NormalizeNationalID), e-mails (NormalizeEmail) and home city
	// (homeCity), for oneApplicant.
	dobs   []string
	nids   []string
	emails [][]string
	cities []string
	// paid and laptops count the payroll records and laptops (serials of
	// the record, its devices and shipments) of each person: the seats a
	// record draws (DUPLICATE_IDENTITY_SEATS).
	paid, laptops []int
	flags         []map[string]*flagDraft
	// homes are the people's home addresses as NormalizeAddress has them.
	homes []string
	// holders are the holder names the payroll evidence gives for each
	// account (payrollKey), for joint accounts.
	holders map[string][]string
	// payees are the people each account (payrollKey) pays: the payroll
	// evidence's and the people records' bank accounts.
	payees map[string][]int32
	// banks are the institutions each person's payroll records give for
	// a bare account number (bareAccount): such a number is unique only at
	// its bank.
	banks map[string]map[int32][]string
	// events are the Unix times of each person's successful sign-ins, for
	// the time-zone inference.
	events    [][]int64
	unmatched Unmatched
	skipped   []string
	now       time.Time
}

// flagDraft collects the observations of one rule on one person.
type flagDraft struct {
	evidence []string
	related  map[int32]bool
	// more counts observations beyond those kept for the evidence text.
	more int
	// weight is the flag's weight when every observation was raised at a
	// reduced weight (flagReduced); 0 when one was raised in full.
	weight int
	full   bool
}

// maxObservations is how many observations a flag's evidence spells out;
// the rest are counted.
const maxObservations = 5

func (c *Checker) index(people []Person, ev Evidence) (*index, error) {
	x := &index{
		people:  people,
		names:   make([][]string, len(people)),
		m:       newMatcher(people, ev.Shipments),
		same:    map[[2]int32]bool{},
		flags:   make([]map[string]*flagDraft, len(people)),
		events:  make([][]int64, len(people)),
		homes:   make([]string, len(people)),
		dobs:    make([]string, len(people)),
		nids:    make([]string, len(people)),
		emails:  make([][]string, len(people)),
		cities:  make([]string, len(people)),
		paid:    make([]int, len(people)),
		laptops: make([]int, len(people)),
		holders: map[string][]string{},
		payees:  map[string][]int32{},
		banks:   map[string]map[int32][]string{},
		now:     time.Now(),
	}
	if c.Now != nil {
		x.now = c.Now()
	}
	ids := make(map[string]int, len(people))
	for i := range people {
		p := &people[i]
		id := strings.TrimSpace(p.ID)
		if id == "" {
			return nil, bulwark.Invalid("id", "person record %d%s has no id: give every person a unique id", i+1, lineOf(p.Line))
		}
		if j, dup := ids[id]; dup {
			return nil, bulwark.Invalid("id", "person id %q is given twice (records %d and %d%s): ids must be unique", id, j+1, i+1, lineOf(p.Line))
		}
		ids[id] = i
		x.names[i] = nameTokens(p.FullName)
		x.homes[i] = NormalizeAddress(p.HomeAddress)
		x.cities[i] = homeCity(x.homes[i])
		x.dobs[i] = strings.TrimSpace(p.DateOfBirth)
		if v, ok := NormalizeNationalID(p.NationalID); ok {
			x.nids[i] = v
		}
		for _, e := range p.Emails {
			if v, ok := NormalizeEmail(e); ok && !slices.Contains(x.emails[i], v) {
				x.emails[i] = append(x.emails[i], v)
			}
		}
		for _, s := range p.DeviceSerials {
			if serialKey(s) != "" {
				x.laptops[i]++
			}
		}
		for _, a := range p.BankAccounts {
			if k := payrollKey("bank", a); k != "" {
				x.paid[i]++
				x.payees[k] = addUnique(x.payees[k], int32(i))
			}
		}
	}
	for k := range ev.Shipments {
		if i, ok := x.m.shipment(&ev.Shipments[k]).unique(); ok {
			x.laptops[i]++
		}
	}
	for k := range ev.Devices {
		if i, ok := x.m.device(&ev.Devices[k]).unique(); ok {
			x.laptops[i]++
		}
	}
	for k := range ev.Payroll {
		a := &ev.Payroll[k]
		key := payrollKey(a.Kind, a.Account)
		if key == "" {
			continue
		}
		if i, ok := x.m.payroll(a).unique(); ok {
			x.paid[i]++
			x.payees[key] = addUnique(x.payees[key], i)
		}
		if strings.TrimSpace(a.Holder) != "" && !slices.Contains(x.holders[key], a.Holder) {
			x.holders[key] = append(x.holders[key], a.Holder)
		}
		if !isCrypto(a.Kind) && bareAccount(key) {
			i, ok := x.m.payroll(a).unique()
			if inst := institutionKey(a.Institution); ok && inst != "" {
				if x.banks[key] == nil {
					x.banks[key] = map[int32][]string{}
				}
				x.banks[key][i] = append(x.banks[key][i], inst)
			}
		}
	}
	return x, nil
}

// household reports whether i and j give the same home address: people
// of different names there are a household (a couple, a parent and an
// adult child), whose shared landline, joint account and home network are
// one fact, not several (see foldPairs).
func (x *index) household(i, j int32) bool {
	return x.homes[i] != "" && x.homes[i] == x.homes[j]
}

// jointAccount reports whether i and j sharing the account key is a
// household's joint account, which is no sign of a facilitator: a holder
// the payroll evidence gives names exactly two people, i and j, who give
// the same home address (household), and the account pays nobody else.
// The holder is the payee's own declaration: three or more people, or two
// at different homes, paid to one account are flagged however it is
// declared (jointNote says so in the evidence).
func (x *index) jointAccount(key string, i, j int32) bool {
	if !x.household(i, j) || len(x.payees[key]) > 2 {
		return false
	}
	is := func(h string, k int32) bool { return holderIsOne(h, x.names[k], x.people[k].FullName) }
	for _, h := range x.holders[key] {
		hs := holderNames(h)
		if len(hs) == 2 && (is(hs[0], i) && is(hs[1], j) || is(hs[1], i) && is(hs[0], j)) {
			return true
		}
	}
	return false
}

// jointNote is what a SHARED_PAYROLL_ACCOUNT evidence adds about the
// account key's declared holders: "" unless a holder names several
// people; else how many of the people the account pays the holders name,
// since an account declared joint by people of several homes (or more
// than two) is a facilitator's pattern, not a household's.
func (x *index) jointNote(key string) string {
	var named []int32
	for _, h := range x.holders[key] {
		if len(holderNames(h)) < 2 {
			continue
		}
		for _, k := range x.payees[key] {
			if holderIsPerson(h, x.names[k], x.people[k].FullName) {
				named = addUnique(named, k)
			}
		}
	}
	if len(named) < 2 {
		return ""
	}
	homes := map[string]bool{}
	for _, k := range named {
		homes[x.homes[k]] = true
	}
	return fmt.Sprintf(" (declared a joint account: its holders name %d of the people it pays, at %d home addresses; a joint account clears only two people of one household, and one naming several people of different homes is a facilitator's pattern)", len(named), len(homes))
}

// sameAccount reports whether i and j sharing the account key can be one
// account paying two people: not a joint account of both (jointAccount),
// and, for a bare account number (bareAccount), one both people's payroll
// records place at the same bank. The same digits at two banks are two
// accounts, and a number whose bank one side does not give cannot be told
// from another bank's: it links nobody. An IBAN carries its bank and a
// crypto address is one account wherever it is given: the value alone
// decides.
func (x *index) sameAccount(key string, i, j int32) bool {
	if x.jointAccount(key, i, j) {
		return false
	}
	if !bareAccount(key) || bankInValue(key) {
		return true
	}
	bi, bj := x.banks[key][i], x.banks[key][j]
	for _, b := range bi {
		for _, c := range bj {
			if sameInstitution(b, c) {
				return true
			}
		}
	}
	return false
}

func lineOf(line int) string {
	if line <= 0 {
		return ""
	}
	return ", line " + strconv.Itoa(line)
}

// person resolves an id or e-mail naming one person (see matcher).
func (x *index) person(name string) (int32, bool) { return x.m.user(name).unique() }

// flag records one observation of rule code on person i.
func (x *index) flag(i int32, code, evidence string, related ...int32) {
	x.draft(i, code, evidence, related...).full = true
}

// flagReduced records an observation of rule code on person i that weighs
// weight, less than the rule's: the flag weighs the rule's weight when
// another observation raised it in full, else the largest reduced weight.
func (x *index) flagReduced(i int32, code, evidence string, weight int, related ...int32) {
	d := x.draft(i, code, evidence, related...)
	d.weight = max(d.weight, weight)
}

func (x *index) draft(i int32, code, evidence string, related ...int32) *flagDraft {
	m := x.flags[i]
	if m == nil {
		m = map[string]*flagDraft{}
		x.flags[i] = m
	}
	d := m[code]
	if d == nil {
		d = &flagDraft{}
		m[code] = d
	}
	switch {
	case evidence == "" || slices.Contains(d.evidence, evidence):
	case len(d.evidence) < maxObservations:
		d.evidence = append(d.evidence, evidence)
	default:
		d.more++
	}
	for _, r := range related {
		if r == i {
			continue
		}
		if d.related == nil {
			d.related = map[int32]bool{}
		}
		d.related[r] = true
	}
	return d
}

// isSame reports whether the identity graph linked i and j as one person
// (an identity link, a fuzzy match) or they are provably one applicant
// twice (oneApplicant).
func (x *index) isSame(i, j int32) bool {
	if i > j {
		i, j = j, i
	}
	return i == j || x.same[[2]int32{i, j}] || x.oneApplicant(i, j)
}

// differ reports whether i and j are different people to the sharing
// rules: not provably one applicant twice (oneApplicant). A fuzzy match of
// the identity graph or an equal name never makes two records one person
// here: both are the applicant's own fields, and a laptop farm gives its
// identities one name, or names alike, precisely to be taken for one.
func (x *index) differ(i, j int32) bool {
	return !x.oneApplicant(i, j)
}

// oneApplicant reports whether records i and j are provably one person
// applying twice: the same national id, or the same e-mail together with
// the same name and the same birth date; and nothing contradicting it
// (birth dates both given and different, national ids both given and
// different, homes in different cities). Only such records share
// identifiers without a flag.
func (x *index) oneApplicant(i, j int32) bool {
	if i == j {
		return true
	}
	if x.contradict(i, j) {
		return false
	}
	if x.nids[i] != "" && x.nids[i] == x.nids[j] {
		return true
	}
	if x.dobs[i] == "" || x.dobs[i] != x.dobs[j] || !sameName(x.names[i], x.names[j]) {
		return false
	}
	for _, e := range x.emails[i] {
		if slices.Contains(x.emails[j], e) {
			return true
		}
	}
	return false
}

// contradict reports whether records i and j give facts of two different
// people: birth dates (one not a less precise form of the other),
// national ids, or home cities (homeCity) both given and different.
func (x *index) contradict(i, j int32) bool {
	if a, b := x.dobs[i], x.dobs[j]; a != "" && b != "" && !strings.HasPrefix(a, b) && !strings.HasPrefix(b, a) {
		return true
	}
	if a, b := x.nids[i], x.nids[j]; a != "" && b != "" && a != b {
		return true
	}
	return x.cities[i] != "" && x.cities[j] != "" && x.cities[i] != x.cities[j]
}

// homeCity is the city of a normalised address (NormalizeAddress): the
// last word without digits before the trailing region code and postal
// code, "" when the address ends with neither (a street alone names no
// city) or has no such word.
func homeCity(norm string) string {
	w := strings.Fields(norm)
	k := len(w)
	for k > 0 && (hasDigit(w[k-1]) || regionCode[w[k-1]]) {
		k--
	}
	if k == len(w) || k == 0 {
		return ""
	}
	if streetWord[w[k-1]] {
		return ""
	}
	return w[k-1]
}

// regionCode holds the region codes NormalizeAddress writes (US states,
// Canadian provinces).
var regionCode = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range regions {
		m[c] = true
	}
	return m
}()

// streetWord holds the street and unit words NormalizeAddress writes.
var streetWord = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range addressAbbrev {
		m[w] = true
	}
	return m
}()

// label names person i for evidence text: the id and the name.
func (x *index) label(i int32) string {
	p := &x.people[i]
	if p.FullName == "" {
		return p.ID
	}
	return p.ID + " (" + p.FullName + ")"
}

// sharedValue names, for a flag's evidence, a value the person shares
// with other people: its kind, with an article, and for a long
// number-like value its last four characters ("a phone number ending
// 0177"), never the value itself. A person's assessment is shown to
// whoever views that person, and a shared value is the other people's
// identifier too: the evidence names them by id and name only (label),
// and the person's own evidence items hold the value for whoever may see
// it. E-mails, addresses, network addresses, national ids and GitHub
// handles get no tail: a part of them identifies the other person as
// well as the whole.
func sharedValue(kind, value string) string {
	var name string
	tail := false
	switch kind {
	case LinkKindEmail:
		name = "an e-mail address"
	case LinkKindPhone:
		name, tail = "a phone number", true
	case LinkKindNationalID:
		name = "a national id"
	case LinkKindBankAccount:
		name, tail = "a bank account", true
	case LinkKindDeviceSerial:
		name, tail = "a device serial", true
	case LinkKindGitHub:
		name = "a GitHub handle"
	case LinkKindAddress:
		name = "a home address"
	case LinkKindIP:
		name = "a network address"
	case LinkKindResume:
		name = "a near-duplicate resume"
	case "mfa_device":
		name, tail = "an MFA device", true
		if _, v, ok := strings.Cut(value, ":"); ok {
			value = v // MFADeviceKey's kind
		}
	case "salary_account":
		name, tail = "a salary account", true
	default:
		name = "a " + strings.ReplaceAll(kind, "_", " ")
	}
	if !tail {
		return name
	}
	if t := lastFour(value); t != "" {
		return name + " ending " + t
	}
	return name
}

// sharedTail is what may be shown of a value of kind that people share
// (see sharedValue): the last four letters or digits of a long value of a
// kind that has a tail, else "".
func sharedTail(kind, value string) string {
	switch kind {
	case LinkKindPhone, LinkKindBankAccount, LinkKindDeviceSerial, "salary_account":
		return lastFour(value)
	case "mfa_device":
		if _, v, ok := strings.Cut(value, ":"); ok {
			value = v
		}
		return lastFour(value)
	}
	return ""
}

// lastFour returns the last four letters or digits of a value of eight or
// more, else "".
func lastFour(value string) string {
	var alnum []rune
	for _, r := range value {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum = append(alnum, r)
		}
	}
	if len(alnum) < 8 {
		return ""
	}
	return string(alnum[len(alnum)-4:])
}

// labels names several people.
func (x *index) labels(is []int32) string {
	s := make([]string, 0, len(is))
	for _, i := range is {
		s = append(s, x.label(i))
	}
	return joinCapped(s, maxObservations)
}

// joinCapped joins at most n items with ", " and says how many more.
func joinCapped(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + " and " + strconv.Itoa(len(s)-n) + " more"
}

func (x *index) skip(msg string) { x.skipped = append(x.skipped, msg) }

// subject is the screener's fingerprint of person id: the one the
// Service put in ctx (WithSubjects), else Subject's.
func (c *Checker) subject(ctx context.Context, id string) string {
	if f := subjectsFrom(ctx); f != nil {
		return f(id)
	}
	if c.Subject != nil {
		return c.Subject(id)
	}
	h := sha256.Sum256([]byte("bulwark/hiring/subject:" + id))
	return hex.EncodeToString(h[:16])
}

// addUnique appends i to set unless present (the sets are small).
func addUnique(set []int32, i int32) []int32 {
	if slices.Contains(set, i) {
		return set
	}
	return append(set, i)
}

// flagGroup raises code on every member of a group of people sharing
// something, against those members of a different name; what describes the
// shared thing for the evidence text.
func (x *index) flagGroup(group []int32, code, what string) {
	x.flagGroupIf(group, code, what, nil)
}

// flagGroupIf is flagGroup counting only the pairs keep accepts (all when
// keep is nil).
func (x *index) flagGroupIf(group []int32, code, what string, keep func(i, j int32) bool) {
	for _, i := range group {
		var rel []int32
		for _, j := range group {
			if j != i && x.differ(i, j) && (keep == nil || keep(i, j)) {
				rel = append(rel, j)
			}
		}
		if len(rel) == 0 {
			continue
		}
		slices.Sort(rel)
		x.flag(i, code, what+" "+x.labels(rel), rel...)
	}
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// sortedAddrs returns the keys of m, sorted.
func sortedAddrs[V any](m map[netip.Addr]V) []netip.Addr {
	ks := make([]netip.Addr, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, netip.Addr.Compare)
	return ks
}

// inOffice reports whether ip is in one of the company's networks.
func (c *Checker) inOffice(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range c.OfficeNetworks {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// day is the UTC day number of t.
func day(t time.Time) int32 { return int32(t.Unix() / 86400) }
