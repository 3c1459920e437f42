package hiring

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Thresholds of the rules. Each is a reason not to flag what ordinary
// people do: sign in through a VPN now and then, travel, share a café's
// network once.
const (
	// vpnMinSignIns and vpnMinShare: VPN_OR_HOSTING_EGRESS needs at least
	// 3 sign-ins through VPN or hosting networks making at least a fifth
	// of the person's sign-ins.
	vpnMinSignIns = 3
	vpnMinShare   = 0.2
	// tripMaxDays: a stay abroad of up to 7 days (a business trip, a
	// week's holiday) raises none of the sign-ins-from-abroad rules. The
	// rules count days, not sign-ins: a day is a calendar day in the
	// claimed time zone (UTC when there is none), "at home" when a
	// located sign-in that day comes from the claimed country or an
	// office network, "away" when its located sign-ins come only from
	// elsewhere.
	tripMaxDays = 7
	// foreignMinDays: FOREIGN_SIGN_IN needs a stay abroad of at least 8
	// away days (tripMaxDays+1) in a row, days without located sign-ins
	// not counting either way and a day at home ending the stay. A day
	// trip or a daily commute across a border (signing in at home and
	// abroad on one day) is a day at home; a commuter who signs in at
	// home in the evenings or at weekends never stays 8 days.
	foreignMinDays = tripMaxDays + 1
	// highRiskMinDays: HIGH_RISK_COUNTRY_SIGN_IN needs sign-ins from CN or
	// RU on at least 8 different days (a week's trip there raises nothing).
	// Days at home count too: someone working through a laptop at home
	// and signing in from China on the same days is no commuter.
	highRiskMinDays = tripMaxDays + 1
	// dprkGeoMinSignIns: DPRK_NETWORK on the identity provider's country
	// alone (an address not in the DPRK reference data) needs 2 sign-ins;
	// one is HIGH_RISK_COUNTRY_SIGN_IN, a review.
	dprkGeoMinSignIns = 2
	// travelWindow and travelMinDays: IMPOSSIBLE_TRAVEL needs, on at least
	// 2 different days, two changes of country among consecutive sign-ins
	// within two hours (out and back: US, CA, US; or on again: US, CA,
	// MX). The evidence gives cities and countries but no coordinates, so
	// speed between cities cannot be computed; two crossings within two
	// hours stand for it. One crossing is a flight landing or a commuter
	// crossing a border (morning and evening crossings are hours apart);
	// one day of it can be a border town's roaming. Sign-ins through VPN,
	// hosting or proxy networks are left out (their country is the exit's).
	travelWindow  = 2 * time.Hour
	travelMinDays = 2
	// sharedMinSpan and sharedMinShare: an address counts as a person's
	// regular network when their sign-ins from it span at least 7 days, or
	// come on at least 2 different days and make at least half their
	// sign-ins. Two people sharing a regular network share a home or a
	// farm; a conference's, hotel's or café's network, or a team's week
	// abroad, is shared for a few days among many others.
	sharedMinSpan  = 7
	sharedMinShare = 0.5
	// sharedMinPeople and sharedLongSpan: a network regular for only two
	// people counts when both use it over at least 21 days (a home);
	// colleagues on a week's trip share a hotel's network for less. Three
	// or more people need no longer span.
	sharedMinPeople = 3
	sharedLongSpan  = 21
	// sharedMaxPeople: an address more than 10 people sign in from is an
	// office or a carrier's NAT not listed in OfficeNetworks, not a farm;
	// it is left out and Report.Skipped says so.
	sharedMaxPeople = 10
	// mfaMaxPeople: only a value that identifies one device links people
	// (MFADeviceKey: a device id, credential id, serial or whole phone
	// number; never a model or product name such as "iPhone 15" or "Okta
	// Verify on iOS"). Even such a value more than 20 people's sign-ins
	// name is no one device (an exporter's placeholder, a shared lab
	// key). A device a farm shares approves for a few accounts; 20 is
	// twice the shared-network cap and well below the identity graph's
	// DefaultMaxShare (50). Such values are left out and Report.Skipped
	// counts them.
	mfaMaxPeople = 20
	// githubMinEarlyCommits and githubGrace: the GitHub rule needs 3
	// commits dated more than a week before the account was created (one
	// re-uploaded old project is common).
	githubMinEarlyCommits = 3
	githubGrace           = 7 * 24 * time.Hour
	// churnWindow and churnMinAccounts: PAYROLL_ACCOUNT_CHURN needs 3
	// payroll accounts that became the person's within the year before
	// Now.
	churnWindow      = 365 * 24 * time.Hour
	churnMinAccounts = 3
	// buildingMinPeople and buildingWeight: laptops of 3 or more people
	// shipped to different units of one building raise
	// SHARED_SHIPPING_ADDRESS at weight 5 (one unit: 30). A shared
	// building alone is an annotation, not an indicator: an apartment
	// block or a serviced-office building houses many colleagues, and a
	// flat number is all that tells a farm's "units" from neighbours'. At
	// 5 it never changes a verdict on its own (clear below 20); it adds to
	// the flags that corroborate it (a network, a device or an MFA device
	// the same people share, a laptop shipped away from home).
	buildingMinPeople = 3
	buildingWeight    = 5
)

// strongLinkKinds are the identifiers whose sharing between different
// names raises SHARED_IDENTIFIER (ID-01).
var strongLinkKinds = map[string]bool{"email": true, "phone": true, "national_id": true, "github": true, "resume": true}

// checkClusters raises the rules on identifiers the identity graph found
// shared: SHARED_IDENTIFIER, SHARED_HOME_ADDRESS, SHARED_NETWORK (ip),
// SHARED_DEVICE (device_serial), SHARED_PAYROLL_ACCOUNT (bank_account),
// SHARED_MFA_DEVICE (mfa_device). Only records provably of one applicant
// (oneApplicant) share without a flag: an identity link (a fuzzy match) or
// an equal name switches no rule off. Records the graph or the checks take
// for one person that draw several seats raise DUPLICATE_IDENTITY_SEATS
// (checkDuplicates).
func (c *Checker) checkClusters(x *index, clusters []Cluster) {
	byID := make(map[string]int32, len(x.people))
	for i := range x.people {
		byID[strings.TrimSpace(x.people[i].ID)] = int32(i)
	}
	resolve := func(ids []string) []int32 {
		var out []int32
		for _, id := range ids {
			i, ok := byID[strings.TrimSpace(id)]
			if !ok {
				x.unmatched.ClusterIDs++
				continue
			}
			out = addUnique(out, i)
		}
		return out
	}
	members := func(ids []string) []int32 {
		var out []int32
		for _, id := range ids {
			if i, ok := byID[strings.TrimSpace(id)]; ok {
				out = addUnique(out, i)
			}
		}
		return out
	}
	for _, cl := range clusters {
		for _, l := range cl.Links {
			if l.Kind != "identity" {
				continue
			}
			m := resolve(l.IDs)
			for a := range m {
				for b := a + 1; b < len(m); b++ {
					i, j := min(m[a], m[b]), max(m[a], m[b])
					x.same[[2]int32{i, j}] = true
				}
			}
		}
	}
	for _, cl := range clusters {
		x.checkDuplicates(members(cl.IDs))
	}
	for _, cl := range clusters {
		for _, l := range cl.Links {
			var code string
			switch {
			case strongLinkKinds[l.Kind]:
				code = CodeSharedIdentifier
			case l.Kind == "address":
				if c.isOfficeAddress(l.Value) {
					continue
				}
				code = CodeSharedHomeAddress
			case l.Kind == "ip":
				if ip, err := netip.ParseAddr(l.Value); err == nil && c.inOffice(ip) {
					continue
				}
				code = CodeSharedNetwork
			case l.Kind == "device_serial":
				code = CodeSharedDevice
			case l.Kind == "bank_account":
				code = CodeSharedPayrollAccount
			case l.Kind == "mfa_device":
				if MFADeviceKey(l.Value) == "" {
					continue // a model or product name: no one device
				}
				code = CodeSharedMFADevice
			default:
				continue
			}
			what := "shares " + sharedValue(l.Kind, l.Value)
			if l.Value == "" && l.Score > 0 && l.Score < 1 {
				what += " (similarity " + strconv.FormatFloat(l.Score, 'f', 2, 64) + ")"
			}
			c.flagLink(x, resolve(l.IDs), l.Kind, l.Value, code, what+" with")
		}
	}
}

// checkDuplicates raises DUPLICATE_IDENTITY_SEATS on the records of a
// cluster that are one person (isSame: a fuzzy identity link, or provably
// one applicant), when two or more of them each draw a seat: a salary (a
// payroll record or a bank account), a laptop (a serial, a device, a
// shipment) or a post (an employee or contractor record). One person
// applying twice is one seat; the same person paid or equipped twice is
// an over-employment or laptop-farm sign, the very thing a farm hopes
// taking its identities for one person hides.
func (x *index) checkDuplicates(members []int32) {
	if len(members) < 2 {
		return
	}
	seen := make([]bool, len(members))
	for a := range members {
		if seen[a] {
			continue
		}
		group := []int32{members[a]}
		seen[a] = true
		for k := 0; k < len(group); k++ {
			for b := range members {
				if !seen[b] && x.isSame(group[k], members[b]) {
					seen[b] = true
					group = append(group, members[b])
				}
			}
		}
		var seats []int32
		paid, laptops, posts := 0, 0, 0
		for _, i := range group {
			p := &x.people[i]
			post := p.Role == RoleEmployee || p.Role == RoleContractor
			if x.paid[i] > 0 {
				paid++
			}
			if x.laptops[i] > 0 {
				laptops++
			}
			if post {
				posts++
			}
			if x.paid[i] > 0 || x.laptops[i] > 0 || post {
				seats = append(seats, i)
			}
		}
		if len(seats) < 2 {
			continue
		}
		slices.Sort(seats)
		what := fmt.Sprintf("%d records taken for one person draw %d seats (%d paid, %d with a laptop, %d employed or contracted): this record and", len(group), len(seats), paid, laptops, posts)
		for _, i := range seats {
			var rel []int32
			for _, j := range seats {
				if j != i {
					rel = append(rel, j)
				}
			}
			x.flag(i, CodeDuplicateIdentitySeats, what+" "+x.labels(rel), rel...)
		}
	}
}

// flagLink raises code on a cluster link's members. Two exceptions keep a
// household's shared facts from counting as a facilitator's: a phone
// shared by people who give the same home address is their landline and
// raises SHARED_HOME_ADDRESS (the household), not SHARED_IDENTIFIER; a
// bank account the payroll evidence says both hold (a joint account), or
// that it places at two different banks, raises nothing.
func (c *Checker) flagLink(x *index, group []int32, kind, value, code, what string) {
	switch kind {
	case LinkKindPhone:
		x.flagGroupIf(group, code, what, func(i, j int32) bool { return !x.household(i, j) })
		x.flagGroupIf(group, CodeSharedHomeAddress, "shares the home address and "+sharedValue(LinkKindPhone, value)+" with", x.household)
	case LinkKindBankAccount:
		x.flagGroupIf(group, code, what+x.jointNote(value), func(i, j int32) bool { return x.sameAccount(value, i, j) })
	default:
		x.flagGroup(group, code, what)
	}
}

// checkShared raises the rules on the identity graph's shared links
// (Graph.Shared), which annotate without merging identities: a home
// address (SHARED_HOME_ADDRESS) or a public IP given in the records
// (SHARED_NETWORK) that at most sharedMaxPeople records share, offices
// excluded (more: an apartment block, an office or a carrier's NAT, left
// out and Report.Skipped says so); and a strong identifier more records
// share than the graph merges (e-mail, phone, national id, GitHub handle:
// SHARED_IDENTIFIER; bank account: SHARED_PAYROLL_ACCOUNT; device serial:
// SHARED_DEVICE). The last do not make the records one identity, but one
// mailbox or account behind many applications is the strongest sign of
// a facilitator, so every record of a different name is flagged, naming
// a few of the others.
func (c *Checker) checkShared(x *index, shared []SharedLink) {
	if len(shared) == 0 {
		return
	}
	byID := make(map[string]int32, len(x.people))
	for i := range x.people {
		byID[strings.TrimSpace(x.people[i].ID)] = int32(i)
	}
	skippedWide := 0
	for _, l := range shared {
		var members []int32
		for _, id := range l.IDs {
			if i, ok := byID[strings.TrimSpace(id)]; ok {
				members = addUnique(members, i)
			} else {
				x.unmatched.ClusterIDs++
			}
		}
		what := "shares " + sharedValue(l.Kind, l.Value) + " with"
		switch {
		case l.Kind == LinkKindAddress || l.Kind == LinkKindIP:
			code := CodeSharedNetwork
			if l.Kind == LinkKindAddress {
				if c.isOfficeAddress(l.Value) {
					continue
				}
				code = CodeSharedHomeAddress
				// The graph's address links hold shipping addresses too:
				// only the records whose home address it is count here.
				home := members[:0:0]
				for _, i := range members {
					if NormalizeAddress(x.people[i].HomeAddress) == l.Value {
						home = append(home, i)
					}
				}
				members = home
			} else if ip, err := netip.ParseAddr(l.Value); err == nil && c.inOffice(ip) {
				continue
			}
			if len(members) > sharedMaxPeople {
				skippedWide++
				continue
			}
			x.flagGroup(members, code, what)
		case l.Kind == LinkKindPhone && len(members) <= maxObservations+1:
			c.flagLink(x, members, l.Kind, l.Value, CodeSharedIdentifier, what)
		case strongLinkKinds[l.Kind]:
			x.flagWide(members, CodeSharedIdentifier, what)
		case l.Kind == LinkKindBankAccount:
			x.flagWide(members, CodeSharedPayrollAccount, what+x.jointNote(l.Value), func(i, j int32) bool { return x.sameAccount(l.Value, i, j) })
		case l.Kind == LinkKindDeviceSerial:
			x.flagWide(members, CodeSharedDevice, what)
		}
	}
	if skippedWide > 0 {
		x.skip(fmt.Sprintf("%d home addresses or record IP addresses shared by more than %d records not counted (an apartment block, an office or a carrier's NAT)", skippedWide, sharedMaxPeople))
	}
}

// flagWide is flagGroup for a group of any size: each member is related
// to at most maxObservations others of a different name (the first in
// the group), the rest counted, so that the work and the flags stay
// linear in the group's size.
func (x *index) flagWide(group []int32, code, what string, keep ...func(i, j int32) bool) {
	var k func(i, j int32) bool
	if len(keep) > 0 {
		k = keep[0]
	}
	if len(group) <= maxObservations+1 {
		x.flagGroupIf(group, code, what, k)
		return
	}
	const maxScan = 4 * maxObservations * maxObservations
	for _, i := range group {
		var rel []int32
		for n, j := range group {
			if len(rel) == maxObservations || n >= maxScan {
				break
			}
			if j != i && x.differ(i, j) && (k == nil || k(i, j)) {
				rel = append(rel, j)
			}
		}
		if len(rel) == 0 {
			continue
		}
		text := what + " " + x.labels(rel) + " and " + strconv.Itoa(len(group)-1-len(rel)) + " other records"
		x.flag(i, code, text, rel...)
	}
}

// signInStats are one person's sign-in counts.
type signInStats struct {
	ok, vpn  int
	vpnNames []string
	// kp are the sign-ins the identity provider alone locates in KP (the
	// address is not in the DPRK reference data).
	kp []string
}

// ipPerson is a network and a person signing in from it.
type ipPerson struct {
	ip netip.Addr
	p  int32
}

// ipDays is when and how often a person signed in from a network: the
// first and last day and the count.
type ipDays struct {
	first, last, n int32
}

// sharedSmallNetWeight is SHARED_NETWORK's weight when the people share a
// small network (smallNet) and no address.
const sharedSmallNetWeight = 15

// cgnat is the carriers' shared address space (RFC 6598): neighbouring
// addresses there are different customers.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// smallNet is the small network an address belongs to: its IPv4 /29 (a
// static business block of up to 6 hosts) or its IPv6 /56 (the prefix a
// provider delegates to one home, which hands out several /64). false for
// carrier-grade NAT space, whose neighbours are strangers.
func smallNet(ip netip.Addr) (netip.Addr, bool) {
	ip = ip.Unmap()
	if cgnat.Contains(ip) {
		return netip.Addr{}, false
	}
	bits := 29
	if ip.Is6() {
		bits = 56
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return netip.Addr{}, false
	}
	return p.Addr(), true
}

// sharedNetGroups returns the groups of people who use one network
// regularly (useDays by network and person), sorted: three or more, or two
// over a long period (two people on one network for a week or two are
// colleagues on a trip: a hotel, an off-site). Networks more than
// sharedMaxPeople use are counted in tooShared and left out.
func sharedNetGroups(useDays map[ipPerson]ipDays, stats []signInStats, tooShared *int) [][]int32 {
	byNet := map[netip.Addr][]int32{}
	longUse := map[netip.Addr]int{}
	for k, d := range useDays {
		span := d.last - d.first
		if span >= sharedMinSpan || (span > 0 && float64(d.n) >= sharedMinShare*float64(stats[k.p].ok)) {
			byNet[k.ip] = append(byNet[k.ip], k.p)
			if span >= sharedLongSpan {
				longUse[k.ip]++
			}
		}
	}
	var out [][]int32
	for _, ip := range sortedAddrs(byNet) {
		group := byNet[ip]
		if len(group) < 2 || (len(group) < sharedMinPeople && longUse[ip] < 2) {
			continue
		}
		if len(group) > sharedMaxPeople {
			*tooShared++
			continue
		}
		slices.Sort(group)
		out = append(out, group)
	}
	return out
}

// netKey is the network an address stands for: the address itself for
// IPv4, its /64 for IPv6 (a home network's prefix; the host part changes).
func netKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// checkSignIns raises the sign-in rules: VPN_OR_HOSTING_EGRESS,
// DPRK_NETWORK, HIGH_RISK_COUNTRY_SIGN_IN, FOREIGN_SIGN_IN,
// IMPOSSIBLE_TRAVEL, SHARED_NETWORK and SHARED_MFA_DEVICE.
func (c *Checker) checkSignIns(x *index, signIns []SignIn) {
	if c.Network == nil && len(signIns) > 0 {
		x.skip("sign-in addresses not classified (no network reference data): VPN and DPRK checks use the identity provider's own proxy flag and country only")
	}
	classes := map[netip.Addr]*NetworkClass{}
	classify := func(s *SignIn) *NetworkClass {
		if c.Network == nil || !s.IP.IsValid() {
			return nil
		}
		if cl, ok := classes[s.IP]; ok {
			return cl
		}
		var res *NetworkClass
		if cl, ok := c.Network.Network(s.IP.Unmap(), s.ASN); ok {
			res = &cl
		}
		classes[s.IP] = res
		return res
	}
	// The addresses of the people records (where they applied from):
	// North Korean address space there is the DPRK_NETWORK flag too.
	if c.Network != nil {
		for i := range x.people {
			for _, v := range x.people[i].IPs {
				ip, err := netip.ParseAddr(strings.TrimSpace(v))
				if err != nil {
					continue
				}
				if cl, ok := c.Network.Network(ip.Unmap(), 0); ok && cl.Kind == "dprk" {
					x.flag(int32(i), CodeDPRKNetwork, "the person record gives the address "+ip.String()+" ("+classLabel(&cl)+")")
				}
			}
		}
	}
	stats := make([]signInStats, len(x.people))
	perPerson := make([][]int32, len(x.people))
	locs := map[string]*time.Location{}
	useDays := map[ipPerson]ipDays{}
	// smallDays is useDays by small network (smallNet): a static block or
	// a home's delegated IPv6 prefix.
	smallDays := map[ipPerson]ipDays{}
	mfa := map[string][]int32{}
	lastUser, lastI, lastOK := "", int32(0), false
	for k := range signIns {
		s := &signIns[k]
		// Logs often hold runs of one user's events: resolve once a run.
		if k == 0 || s.User != lastUser {
			lastUser = s.User
			lastI, lastOK = x.m.signIn(s).unique()
		}
		i, ok := lastI, lastOK
		if !ok {
			x.unmatched.SignIns++
			continue
		}
		if !s.Success {
			continue
		}
		st := &stats[i]
		st.ok++
		if s.Interactive == nil || *s.Interactive {
			x.events[i] = append(x.events[i], s.Time.Unix())
		}
		cl := classify(s)
		anon := s.Proxy || (cl != nil && (cl.Kind == "vpn" || cl.Kind == "hosting"))
		if cl != nil && cl.Kind == "dprk" {
			x.flag(i, CodeDPRKNetwork, "signed in from "+s.IP.String()+" at "+s.Time.UTC().Format(time.RFC3339)+" ("+classLabel(cl)+")")
		} else if strings.EqualFold(s.Country, "KP") {
			st.kp = append(st.kp, s.IP.String()+" at "+s.Time.UTC().Format(time.RFC3339))
		}
		if anon {
			st.vpn++
			name := "a proxy the identity provider flagged"
			if cl != nil {
				name = classLabel(cl)
			}
			if !slices.Contains(st.vpnNames, name) {
				st.vpnNames = append(st.vpnNames, name)
			}
		}
		if s.Country != "" && !anon {
			perPerson[i] = append(perPerson[i], int32(k))
		}
		if s.IP.IsValid() && !anon && !c.inOffice(s.IP) {
			key := ipPerson{netKey(s.IP), i}
			dd := day(s.Time)
			d, seen := useDays[key]
			if !seen {
				d = ipDays{first: dd, last: dd}
			}
			d.first, d.last, d.n = min(d.first, dd), max(d.last, dd), d.n+1
			useDays[key] = d
			if n, ok := smallNet(s.IP); ok {
				key := ipPerson{n, i}
				d, seen := smallDays[key]
				if !seen {
					d = ipDays{first: dd, last: dd}
				}
				d.first, d.last, d.n = min(d.first, dd), max(d.last, dd), d.n+1
				smallDays[key] = d
			}
		}
		if dev := strings.TrimSpace(s.MFADevice); dev != "" {
			// A value that names no one device (MFADeviceKey "") is
			// counted apart: several people sharing it is no indicator.
			key := MFADeviceKey(dev)
			if key == "" {
				key = "\x00" + strings.ToLower(dev)
			}
			mfa[key] = addUnique(mfa[key], i)
		}
	}
	for i := range stats {
		st := &stats[i]
		p := int32(i)
		if st.vpn >= vpnMinSignIns && float64(st.vpn) >= vpnMinShare*float64(st.ok) {
			x.flag(p, CodeVPNOrHostingEgress, fmt.Sprintf("%d of %d sign-ins through %s", st.vpn, st.ok, joinCapped(st.vpnNames, 3)))
		}
		// One sign-in an identity provider's geolocation alone puts in
		// North Korea can be a geolocation error: HIGH_RISK_COUNTRY_SIGN_IN,
		// a review. Two or more, or an address in the DPRK reference data,
		// block.
		switch {
		case len(st.kp) >= dprkGeoMinSignIns:
			x.flag(p, CodeDPRKNetwork, fmt.Sprintf("%d sign-ins located in KP by the identity provider: %s", len(st.kp), joinCapped(st.kp, 3)))
		case len(st.kp) == 1:
			x.flag(p, CodeHighRiskCountrySignIn, "signed in from "+st.kp[0]+", located in KP by the identity provider only: check the address")
		}
		// The located, non-anonymised sign-ins in time order: stays
		// abroad and impossible travel.
		ks := perPerson[i]
		byTime := func(a, b int32) int { return signIns[a].Time.Compare(signIns[b].Time) }
		if !slices.IsSortedFunc(ks, byTime) { // logs usually come in time order
			slices.SortFunc(ks, byTime)
		}
		c.checkAbroad(x, p, signIns, ks, locs)
		c.checkTravel(x, p, signIns, ks)
	}
	// Shared networks: people signing in from one address regularly, and
	// (at a lower weight) from one small network.
	tooShared := 0
	exact := map[[2]int32]bool{}
	for _, group := range sharedNetGroups(useDays, stats, &tooShared) {
		x.flagGroup(group, CodeSharedNetwork, "signs in regularly from the same network address as")
		for _, i := range group {
			for _, j := range group {
				exact[[2]int32{i, j}] = true
			}
		}
	}
	for _, group := range sharedNetGroups(smallDays, stats, &tooShared) {
		for _, i := range group {
			var rel []int32
			for _, j := range group {
				if j != i && !exact[[2]int32{i, j}] && x.differ(i, j) {
					rel = append(rel, j)
				}
			}
			if len(rel) > 0 {
				x.flagReduced(i, CodeSharedNetwork, "signs in regularly from the same small network (an IPv4 /29 or IPv6 /56: a static business block, a home's delegated prefix) as "+x.labels(rel), sharedSmallNetWeight, rel...)
			}
		}
	}
	if tooShared > 0 {
		x.skip(fmt.Sprintf("%d network addresses more than %d people use regularly were not counted as shared (an office or carrier NAT: list the company's own in OfficeNetworks)", tooShared, sharedMaxPeople))
	}
	generic := 0
	for _, dev := range sortedKeys(mfa) {
		group := mfa[dev]
		if len(group) < 2 {
			continue
		}
		if len(group) > mfaMaxPeople || strings.HasPrefix(dev, "\x00") {
			generic++
			continue
		}
		slices.Sort(group)
		x.flagGroup(group, CodeSharedMFADevice, "signs in with "+sharedValue("mfa_device", dev)+" that also satisfies MFA for")
	}
	if generic > 0 {
		x.skip(fmt.Sprintf("%d MFA device values that several people share were not counted as one device: masked phone numbers, model or product names and short labels (no device id, credential id, serial or whole phone number), or values more than %d people share", generic, mfaMaxPeople))
	}
}

// checkAbroad raises FOREIGN_SIGN_IN and HIGH_RISK_COUNTRY_SIGN_IN on
// person p from their located sign-ins ks (indexes into signIns, in time
// order): a stay abroad of foreignMinDays away days in a row, sign-ins
// from CN or RU on highRiskMinDays days (see tripMaxDays). Days are
// calendar days in the claimed zone, UTC when none.
func (c *Checker) checkAbroad(x *index, p int32, signIns []SignIn, ks []int32, locs map[string]*time.Location) {
	claimed := strings.ToUpper(strings.TrimSpace(x.people[p].Country))
	if claimed == "" || len(ks) == 0 {
		return
	}
	loc := claimedZone(&x.people[p], locs)
	if loc == nil {
		loc = time.UTC
	}
	var (
		run, best             []string // the away days of the current and the longest stay
		runCountries, bestCCs []string
		riskDays              = map[string][]string{} // CN or RU: the days
		day                   string
		home, away            bool
		dayCCs                []string
	)
	endDay := func() {
		switch {
		case day == "":
		case home:
			run, runCountries = nil, nil // a day at home ends a stay
		case away:
			run = append(run, day)
			for _, cc := range dayCCs {
				if !slices.Contains(runCountries, cc) {
					runCountries = append(runCountries, cc)
				}
			}
			if len(run) > len(best) {
				best, bestCCs = slices.Clone(run), slices.Clone(runCountries)
			}
		}
		home, away, dayCCs = false, false, dayCCs[:0]
	}
	for _, k := range ks {
		s := &signIns[k]
		d := s.Time.In(loc).Format(time.DateOnly)
		if d != day {
			endDay()
			day = d
		}
		cc := strings.ToUpper(s.Country)
		switch {
		case cc == claimed || c.inOffice(s.IP):
			home = true
		case cc == "KP": // DPRK_NETWORK and HIGH_RISK_COUNTRY_SIGN_IN above
		case cc == "CN" || cc == "RU":
			if ds := riskDays[cc]; len(ds) == 0 || ds[len(ds)-1] != d {
				riskDays[cc] = append(ds, d)
			}
		default:
			away = true
			if !slices.Contains(dayCCs, cc) {
				dayCCs = append(dayCCs, cc)
			}
		}
	}
	endDay()
	for _, cc := range sortedKeys(riskDays) {
		if ds := riskDays[cc]; len(ds) >= highRiskMinDays {
			x.flag(p, CodeHighRiskCountrySignIn, fmt.Sprintf("sign-ins from %s on %d days (%s to %s), claims to live in %s", cc, len(ds), ds[0], ds[len(ds)-1], x.people[p].Country))
		}
	}
	if len(best) >= foreignMinDays {
		slices.Sort(bestCCs)
		x.flag(p, CodeForeignSignIn, fmt.Sprintf("signed in only from %s on %d days in a row without a day at home (%s to %s), claims to live in %s", joinCapped(bestCCs, 5), len(best), best[0], best[len(best)-1], x.people[p].Country))
	}
}

// checkTravel raises IMPOSSIBLE_TRAVEL on person p from their located
// sign-ins ks (in time order): two changes of country within
// travelWindow on travelMinDays different days.
func (c *Checker) checkTravel(x *index, p int32, signIns []SignIn, ks []int32) {
	var days []int32
	example := ""
	for n := 2; n < len(ks); n++ {
		a, b, e := &signIns[ks[n-2]], &signIns[ks[n-1]], &signIns[ks[n]]
		if strings.EqualFold(a.Country, b.Country) || strings.EqualFold(b.Country, e.Country) || e.Time.Sub(a.Time) >= travelWindow {
			continue
		}
		if d := day(e.Time); !slices.Contains(days, d) {
			days = append(days, d)
		}
		if example == "" {
			example = fmt.Sprintf("%s at %s, %s at %s, %s at %s", a.Country, a.Time.UTC().Format(time.RFC3339), b.Country, b.Time.UTC().Format(time.RFC3339), e.Country, e.Time.UTC().Format(time.RFC3339))
		}
	}
	if len(days) >= travelMinDays {
		x.flag(p, CodeImpossibleTravel, fmt.Sprintf("two changes of country within two hours on %d days, e.g. %s", len(days), example))
	}
}

// maskedMFA reports whether an MFA device value (matchKey's lower case) is
// a masked phone number or address, as identity providers display them
// ("+1 XXXXXXXX23", "+44 *** *** 789", "•••• 1234"): many people's phones
// share what is left.
func maskedMFA(dev string) bool {
	return strings.Contains(dev, "xxx") || strings.Contains(dev, "***") || strings.Contains(dev, "•••")
}

// classLabel names a network class for evidence text.
func classLabel(cl *NetworkClass) string {
	s := cl.Kind
	if cl.Name != "" {
		s += " " + cl.Name
	}
	return s
}

// checkDevices raises the tool rules (see flagTool) and SHARED_DEVICE
// from the endpoint inventories and shipments.
func (c *Checker) checkDevices(x *index, ev Evidence) {
	if c.Devices == nil && len(ev.Devices) > 0 {
		x.skip("endpoint inventories not checked for remote-access tools and IP-KVMs (no device reference data)")
	}
	serials := map[string][]int32{}
	for i := range x.people {
		for _, s := range x.people[i].DeviceSerials {
			if k := serialKey(s); k != "" {
				serials[k] = addUnique(serials[k], int32(i))
			}
		}
	}
	for _, s := range ev.Shipments {
		if i, ok := x.m.shipment(&s).unique(); ok && serialKey(s.DeviceSerial) != "" {
			k := serialKey(s.DeviceSerial)
			serials[k] = addUnique(serials[k], i)
		}
	}
	for k := range ev.Devices {
		d := &ev.Devices[k]
		i, ok := x.m.device(d).unique()
		if !ok {
			x.unmatched.Devices++
			continue
		}
		if sk := serialKey(d.Serial); sk != "" {
			serials[sk] = addUnique(serials[sk], i)
		}
		if c.Devices == nil {
			continue
		}
		on := " on " + deviceLabel(d)
		for _, s := range d.Software {
			if m, ok := c.Devices.Software(s); ok {
				c.flagTool(x, i, m, on)
			}
		}
		for _, u := range d.USB {
			if m, ok := c.Devices.USB(u); ok {
				c.flagTool(x, i, m, on)
			}
		}
		for _, disp := range d.Displays {
			if m, ok := c.Devices.Display(disp); ok {
				c.flagTool(x, i, m, on)
			}
		}
	}
	for _, k := range sortedKeys(serials) {
		if group := serials[k]; len(group) > 1 {
			slices.Sort(group)
			x.flagGroup(group, CodeSharedDevice, sharedValue(LinkKindDeviceSerial, k)+" is assigned or shipped to this person and to")
		}
	}
}

func deviceLabel(d *Device) string {
	if d.Hostname != "" {
		return d.Hostname + " (" + d.Serial + ")"
	}
	return d.Serial
}

// flagTool raises the rule of a recognised product, unless IT allows it:
// REMOTE_ACCESS_TOOL and IP_KVM on a product's own fingerprint (confidence
// high, or none given), REMOTE_ACCESS_TOOL_POSSIBLE and IP_KVM_POSSIBLE on
// a generic sign (confidence medium: a catalogue entry IT often uses, the
// Linux USB gadget id alone), VPN_CLIENT for a VPN client. A low-confidence
// match (an operating system's own remote-desktop client, an EDID name
// real monitors share) raises nothing: everyone has one.
func (c *Checker) flagTool(x *index, i int32, m ToolMatch, on string) {
	for _, a := range c.AllowedTools {
		if strings.EqualFold(strings.TrimSpace(a), m.Product) {
			return
		}
	}
	conf := strings.ToLower(m.Confidence)
	if conf == "low" {
		return
	}
	weak := conf == "medium"
	var code string
	switch m.Kind {
	case "ip-kvm":
		code = CodeIPKVM
		if weak {
			code = CodeIPKVMPossible
		}
	case "vpn-client":
		code = CodeVPNClient
	case "remote-access":
		code = CodeRemoteAccessTool
		if weak {
			code = CodeRemoteAccessToolPossible
		}
	default:
		code = CodeRemoteAccessToolPossible
	}
	x.flag(i, code, m.Product+" ("+m.Signal+")"+on)
}

func (c *Checker) isOfficeAddress(a string) bool {
	k := NormalizeAddress(a)
	for _, o := range c.OfficeAddresses {
		if NormalizeAddress(o) == k {
			return true
		}
	}
	return false
}

// checkShipping raises SHIPPING_ADDRESS_MISMATCH (a laptop shipped
// elsewhere than the home's building, compared normalised: see
// NormalizeAddress and buildingAddress; only the shipment's Address, the
// destination, is compared, never its carrier)
// and SHARED_SHIPPING_ADDRESS (laptops of people of different names
// shipped to one address). The shipping address of the person record
// counts as a shipment. Company offices are neither.
func (c *Checker) checkShipping(x *index, shipments []Shipment) {
	byAddr := map[string][]int32{}
	byBuilding := map[string][]int32{}
	addrs := map[int32][]string{} // each person's shipping addresses, normalised
	one := func(i int32, addr, serial string) {
		k := NormalizeAddress(addr)
		if k == "" || c.isOfficeAddress(addr) {
			return
		}
		byAddr[k] = addUnique(byAddr[k], i)
		seen := slices.Contains(addrs[i], k)
		if !seen {
			addrs[i] = append(addrs[i], k)
		}
		b := buildingAddress(k)
		byBuilding[b] = addUnique(byBuilding[b], i)
		home := x.people[i].HomeAddress
		hk := NormalizeAddress(home)
		// The home's building is the home: a unit left out on either
		// side, written otherwise or different ("Apt 4" and "Apt 9": a
		// typo, the building's parcel room) makes no other address. Three
		// or more hires' laptops at one building's other units are the
		// building annotation below. One address is reported once: the
		// shipments (with their serials) come before the record's own
		// shipping address.
		if !seen && hk != "" && hk != k && buildingAddress(hk) != b {
			what := "laptop"
			if serial != "" {
				what += " " + serial
			}
			x.flag(i, CodeShippingAddressMismatch, fmt.Sprintf("%s shipped to %q, home address %q", what, strings.TrimSpace(addr), strings.TrimSpace(home)))
		}
	}
	for k := range shipments {
		s := &shipments[k]
		i, ok := x.m.shipment(s).unique()
		if !ok {
			x.unmatched.Shipments++
			continue
		}
		one(i, s.Address, s.DeviceSerial)
	}
	for i := range x.people {
		if a := x.people[i].ShippingAddress; a != "" {
			one(int32(i), a, "")
		}
	}
	for _, k := range sortedKeys(byAddr) {
		if group := byAddr[k]; len(group) > 1 {
			slices.Sort(group)
			x.flagGroup(group, CodeSharedShippingAddress, "laptop shipped to the same address as for")
		}
	}
	// Several units of one building: a farm writing a different flat for
	// each hire, or neighbours. Three or more people of different names,
	// an annotation at buildingWeight that needs corroboration by other
	// flags to count (an apartment block houses colleagues too).
	for _, b := range sortedKeys(byBuilding) {
		group := byBuilding[b]
		if len(group) < buildingMinPeople {
			continue
		}
		slices.Sort(group)
		for _, i := range group {
			var rel []int32
			for _, j := range group {
				// Only other units: those sharing an address are the
				// flag above.
				if j != i && x.differ(i, j) && !sharesAddress(addrs[i], addrs[j]) {
					rel = append(rel, j)
				}
			}
			if len(rel)+1 < buildingMinPeople {
				continue
			}
			x.flagReduced(i, CodeSharedShippingAddress, "laptop shipped to another unit of the same building as for "+x.labels(rel)+" (an annotation: one building alone)", buildingWeight, rel...)
		}
	}
}

// sharesAddress reports whether two lists of normalised addresses have
// one in common.
func sharesAddress(a, b []string) bool {
	for _, v := range a {
		if slices.Contains(b, v) {
			return true
		}
	}
	return false
}

// checkPayroll raises SHARED_PAYROLL_ACCOUNT, PAYROLL_HOLDER_MISMATCH,
// PAYROLL_ACCOUNT_CHURN and CRYPTO_PAYROLL. The crypto addresses are
// screened in screen.
func (c *Checker) checkPayroll(x *index, payroll []PayrollAccount) {
	byAcct := map[string][]int32{}
	recent := make(map[int32]map[string]bool)
	for k := range payroll {
		a := &payroll[k]
		i, ok := x.m.payroll(a).unique()
		if !ok {
			x.unmatched.Payroll++
			continue
		}
		if strings.TrimSpace(a.Account) == "" {
			continue
		}
		// An account that does not normalise (a placeholder such as
		// "000000") is neither shared nor counted as a new account.
		key := payrollKey(a.Kind, a.Account)
		if key != "" {
			byAcct[key] = addUnique(byAcct[key], i)
		}
		if a.Holder != "" && !holderIsPerson(a.Holder, x.names[i], x.people[i].FullName) {
			// The holder may be another person: the evidence names the
			// account as flags name shared values, not the holder (the
			// person's own payroll evidence holds both).
			x.flag(i, CodePayrollHolderMismatch, "the holder of "+sharedValue("salary_account", a.Account)+" is not the person by name")
		}
		if key != "" && !a.Since.IsZero() && !a.Since.After(x.now) && x.now.Sub(a.Since) <= churnWindow {
			if recent[i] == nil {
				recent[i] = map[string]bool{}
			}
			recent[i][key] = true
		}
		if isCrypto(a.Kind) {
			x.flag(i, CodeCryptoPayroll, "paid to crypto address "+a.Account+chainNote(a.Chain))
		}
	}
	for i, accts := range recent {
		if len(accts) >= churnMinAccounts {
			x.flag(i, CodePayrollAccountChurn, fmt.Sprintf("%d payroll accounts became the person's within the year before %s", len(accts), x.now.UTC().Format(time.DateOnly)))
		}
	}
	for _, k := range sortedKeys(byAcct) {
		if group := byAcct[k]; len(group) > 1 {
			slices.Sort(group)
			x.flagGroupIf(group, CodeSharedPayrollAccount, "paid to "+sharedValue("salary_account", k)+x.jointNote(k)+" that also pays", func(i, j int32) bool { return x.sameAccount(k, i, j) })
		}
	}
}

func chainNote(chain string) string {
	if chain == "" {
		return ""
	}
	return " (" + chain + ")"
}

func isCrypto(kind string) bool { return strings.EqualFold(strings.TrimSpace(kind), "crypto") }

// checkGitHub raises GITHUB_ACCOUNT_YOUNGER_THAN_COMMITS.
func (c *Checker) checkGitHub(x *index, profiles []GitHubProfile) {
	for k := range profiles {
		g := &profiles[k]
		i, ok := x.m.gitHub(g).unique()
		if !ok {
			x.unmatched.GitHub++
			continue
		}
		if g.CreatedAt.IsZero() {
			continue
		}
		early := 0
		var oldest time.Time
		for _, t := range g.CommitTimes {
			if t.Before(g.CreatedAt.Add(-githubGrace)) {
				early++
				if oldest.IsZero() || t.Before(oldest) {
					oldest = t
				}
			}
		}
		if early >= githubMinEarlyCommits {
			x.flag(i, CodeGitHubYoungerThanCommits, fmt.Sprintf("GitHub account %s created %s; %d of %d commits shown are older, the oldest %s", g.Login, g.CreatedAt.UTC().Format(time.DateOnly), early, len(g.CommitTimes), oldest.UTC().Format(time.DateOnly)))
		}
	}
}

// screen screens every name and payroll crypto address through the
// screening service: SANCTIONED_NAME on a block verdict,
// SANCTIONED_NAME_REVIEW on review; the same for payroll addresses. A
// name or address the service refuses as invalid (EINVALID: a birth date
// in the future, a chain or address format it does not screen) is that
// person's flag, NAME_NOT_SCREENED or PAYROLL_ADDRESS_NOT_SCREENED, and
// the run goes on; any other error ends the run.
func (c *Checker) screen(ctx context.Context, x *index, payroll []PayrollAccount) error {
	if c.Screener == nil {
		x.skip("names and payroll crypto addresses not screened (no screener)")
		return nil
	}
	for i := range x.people {
		p := &x.people[i]
		if strings.TrimSpace(p.FullName) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		hit, err := c.Screener.ScreenPersonName(ctx, c.subject(ctx, p.ID), p.FullName, p.DateOfBirth, p.Country)
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			// This record's outcome, not the run's; the refusal may quote
			// the value, so it is not repeated.
			x.flag(int32(i), CodeNameNotScreened, "the screening service refused this record's name, birth date or country as invalid: check them and screen again")
			continue
		}
		if err != nil {
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("screening person record %d%s: the screening service failed (%s)", i+1, lineOf(p.Line), bulwark.ErrorCode(err)))
		}
		switch bulwark.Verdict(hit.Verdict) {
		case bulwark.VerdictBlock, bulwark.VerdictReject:
			x.flag(int32(i), CodeSanctionedName, screenEvidence("name "+strconv.Quote(p.FullName), hit.Verdict, hit.DecisionID, hit.Matches))
		case bulwark.VerdictReview:
			x.flag(int32(i), CodeSanctionedNameReview, screenEvidence("name "+strconv.Quote(p.FullName), hit.Verdict, hit.DecisionID, hit.Matches))
		}
	}
	for k := range payroll {
		a := &payroll[k]
		if !isCrypto(a.Kind) {
			continue
		}
		i, ok := x.m.payroll(a).unique()
		if !ok {
			continue // counted in checkPayroll
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		hit, err := c.Screener.ScreenPayrollAddress(ctx, c.subject(ctx, x.people[i].ID), a.Chain, a.Account)
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			// The screening service refuses an address it cannot screen (a
			// chain or format it does not support): this person's outcome,
			// a review, not the run's. The refusal may quote the value, so
			// it is not repeated.
			x.flag(i, CodePayrollAddressNotScreened, "payroll crypto address "+a.Account+chainNote(a.Chain)+" could not be screened: the screening service refused it (a chain or format it does not screen)")
			continue
		}
		if err != nil {
			return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening payroll address of record %d%s: %v", k+1, lineOf(a.Line), err)
		}
		what := "payroll crypto address " + a.Account + chainNote(a.Chain)
		switch bulwark.Verdict(hit.Verdict) {
		case bulwark.VerdictBlock, bulwark.VerdictReject:
			x.flag(i, CodeSanctionedPayrollAddress, screenEvidence(what, hit.Verdict, hit.DecisionID, hit.Matches))
		case bulwark.VerdictReview:
			x.flag(i, CodeSanctionedPayrollAddressRv, screenEvidence(what, hit.Verdict, hit.DecisionID, hit.Matches))
		}
	}
	return nil
}

func screenEvidence(what, verdict, decision string, matches []string) string {
	s := what + ": screening verdict " + verdict
	if len(matches) > 0 {
		s += ", matches " + joinCapped(matches, 3)
	}
	if decision != "" {
		s += " (decision " + decision + ")"
	}
	return s
}

// checkReferrals raises REFERRED_BY_FLAGGED on people whose referrer's
// flags (from every other rule) block, or reach review while the person
// has flags of their own: on its own, a referrer's review is no conduct of
// the person referred. One hop only:
// a referral chain is seen link by link (each flagged person's referrals
// are flagged), but the flag does not propagate on its own, so that one
// flagged person does not paint a whole referral tree.
func (c *Checker) checkReferrals(x *index) {
	base := make([]Assessment, len(x.people))
	for i := range x.people {
		base[i] = x.assess(i)
	}
	for i := range x.people {
		ref := strings.TrimSpace(x.people[i].ReferredBy)
		if ref == "" {
			continue
		}
		j, ok := x.person(ref)
		if !ok {
			x.unmatched.Referrals++
			continue
		}
		// A referrer in review (a shared phone, a trip abroad) says little
		// about the people they refer: only a referrer who blocks, or a
		// referrer in review of a person with flags of their own, counts.
		if j == int32(i) || base[j].Verdict == bulwark.VerdictClear {
			continue
		}
		if base[j].Verdict != bulwark.VerdictBlock && len(base[i].Flags) == 0 {
			continue
		}
		// The referrer's verdict only: their flags and score are their own
		// assessment, for whoever may view them (see sharedValue).
		x.flag(int32(i), CodeReferredByFlagged, fmt.Sprintf("referred by %s, whose verdict is %s: review the referrer's own assessment first", x.label(j), base[j].Verdict), j)
	}
}

// institutionKey is a bank's name as the payroll rule compares it: its
// words folded, without legal forms and generic words ("Inc", "Ltd",
// "N.A.", "Bank", "of"), unless nothing else is left; "" when none.
func institutionKey(s string) string {
	all := foldTokens(s)
	var kept []string
	for k := 0; k < len(all); k++ {
		t := all[k]
		// "N.A." folds to "n" "a".
		if t == "n" && k+1 < len(all) && all[k+1] == "a" {
			k++
			continue
		}
		if !institutionNoise[t] {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		kept = all
	}
	return strings.Join(kept, " ")
}

// institutionNoise are the words of a bank's name that do not tell one
// bank from another: legal forms and generic words.
var institutionNoise = map[string]bool{
	"inc": true, "incorporated": true, "ltd": true, "limited": true, "llc": true, "plc": true, "na": true, "corp": true,
	"corporation": true, "co": true, "company": true, "gmbh": true, "ag": true, "sa": true, "nv": true, "bv": true,
	"bank": true, "banking": true, "the": true, "of": true, "and": true, "fsb": true,
}

// sameInstitution reports whether two institution keys (institutionKey)
// can name one bank: the words of one are all among the other's ("Wise"
// and "Wise Payments Ltd", "Chase" and "JPMorgan Chase Bank N.A.").
func sameInstitution(a, b string) bool {
	if a == b {
		return true
	}
	ta, tb := strings.Fields(a), strings.Fields(b)
	if len(ta) > len(tb) {
		ta, tb = tb, ta
	}
	if len(ta) == 0 {
		return false
	}
	for _, t := range ta {
		if !slices.Contains(tb, t) {
			return false
		}
	}
	return true
}

// bankInValue reports whether a bare account key (bareAccount) carries
// its bank: a 9-digit ABA routing number (a valid one: prefix and check
// digit) followed by an account number of 4 to 17 digits, or a UK sort
// code and account number (6 and 8 digits, 14 in all). The same value is
// then the same account at the same bank whatever institution the payee
// writes.
func bankInValue(key string) bool {
	if !allDigits(key) {
		return false
	}
	if len(key) >= 9+4 && len(key) <= 9+17 && validABA(key[:9]) {
		return true
	}
	return len(key) == 6+8
}

// validABA reports whether nine digits are an ABA routing number: a
// Federal Reserve prefix (00–12, 21–32, 61–72, 80) and the check digit.
func validABA(d string) bool {
	if len(d) != 9 || !allDigits(d) {
		return false
	}
	p := int(d[0]-'0')*10 + int(d[1]-'0')
	if !(p <= 12 || p >= 21 && p <= 32 || p >= 61 && p <= 72 || p == 80) {
		return false
	}
	w := [9]int{3, 7, 1, 3, 7, 1, 3, 7, 1}
	sum := 0
	for k := range 9 {
		sum += w[k] * int(d[k]-'0')
	}
	return sum%10 == 0
}
