package hiring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Time-zone inference (indicator ID-18) from the times of a person's
// successful sign-ins and the commits their GitHub profile shows.
//
// The rules speak only with at least zoneMinEvents events on at least
// zoneMinDays distinct UTC days: fewer say nothing about a routine.
//
// KST_WORKING_HOURS: the hours of the events, as angles on a 24-hour
// circle, have a circular mean μ (UTC) and a mean resultant length R (0:
// spread evenly, 1: all at one hour). A working day centred at 13:30 local
// time puts μ at 13:30 − offset, so the offset the activity points to is
// 13:30 − μ. The rule raises the flag when
//   - R ≥ 0.3 (the activity is concentrated, a routine),
//   - the inferred offset is within 1.5 h of UTC+9,
//   - the claimed zone's offset is at least 3 h from UTC+9, and
//   - at least half the events fall between 22:00 and 07:00 in the
//     claimed zone (working at night where the person says they live),
//   - the night-time events fall on at least kstMinNightDays (10)
//     different days: a trip to East Asia of a week or so, working there
//     in the day, is not a routine at home,
//   - and the week's shape sets the weight: with at most a tenth on a
//     Saturday or Sunday at UTC+9 (a Korean working week is Sunday to
//     Thursday evenings in the Americas, Friday evenings empty) the flag
//     weighs in full; with more it weighs kstWeekendWeight, less than the
//     rule's: DPRK IT workers are reported to work six or seven days a
//     week, but so does a night shift where the person lives. Weekend
//     activity never switches the rule off: a few weekend sign-ins would.
//
// The claimed zone is not taken on the record's word alone: when the
// record also gives a country whose zones (countryZones, countryOffsets)
// the claimed zone's offset does not fit (Australia/Sydney for a US
// resident), the country's zone is used, and the flag's evidence says the
// claimed zone disagreed with the country.
//
// Commits count as activity times only, and only those of the last 90 days
// (commitWindow): the offset a commit carries (+09:00) is never evidence
// on its own, since people who once lived in Japan or Korea would carry it.
// The claimed zone is Person.TimeZone, else the single zone of
// Person.Country when it has one (see countryZones), else the central zone
// of a country whose zones are all far from UTC+9 (countryMainZones: US,
// CA, MX, BR); without one the rule does not run (Report.Skipped counts
// those people).
//
// ROUND_THE_CLOCK: the quietest six consecutive hours of the day hold at
// least 15 % of the events (someone who sleeps has next to nothing there;
// activity spread evenly puts 25 % there), on at least roundClockMinDays
// (10) different days: a trip across time zones puts a week of work in
// the hours the person sleeps at home. It needs no claimed zone.
// Sign-ins marked non-interactive (SignIn.Interactive false: token
// refreshes in the background, which happen around the clock for everyone)
// are not events; a log that does not say should carry interactive
// sign-ins only.
const (
	zoneMinEvents    = 50
	zoneMinDays      = 5
	zoneMinR         = 0.3
	zoneWorkCentre   = 13.5
	kstOffset        = 9.0
	kstTolerance     = 1.5
	kstMinDistance   = 3.0
	kstMinNightShare = 0.5
	// commitWindow: only commits of the last 90 days before Now count,
	// and only as activity times. Where someone lived years ago, or the
	// offset a commit carries, says nothing about where they work now.
	commitWindow  = 90 * 24 * time.Hour
	kstMaxWeekend = 0.1
	// kstWeekendWeight is the flag's weight when more than kstMaxWeekend
	// of the activity falls on a KST weekend.
	kstWeekendWeight  = 15
	roundClockWindow  = 6
	roundClockMinRate = 0.15
	// kstMinNightDays and roundClockMinDays: the night-time (KST) or
	// quiet-window (ROUND_THE_CLOCK) events must fall on at least 10
	// different UTC days, more than a trip of tripMaxDays (7): a week
	// abroad shifts a week of activity, a routine shifts every week.
	kstMinNightDays   = 10
	roundClockMinDays = 10
)

// countryZones are the countries with one time zone (or one zone most of
// the population lives in) and that zone: the claimed zone when a person
// gives a country and no zone. Countries spanning several zones (US, CA,
// MX, BR, RU, AU, ID, KZ …) are absent: they need Person.TimeZone.
var countryZones = map[string]string{
	"AE": "Asia/Dubai", "AR": "America/Argentina/Buenos_Aires", "AT": "Europe/Vienna", "BD": "Asia/Dhaka",
	"BE": "Europe/Brussels", "BG": "Europe/Sofia", "BY": "Europe/Minsk", "CH": "Europe/Zurich",
	"CN": "Asia/Shanghai", "CO": "America/Bogota", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
	"DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "EG": "Africa/Cairo", "ES": "Europe/Madrid",
	"FI": "Europe/Helsinki", "FR": "Europe/Paris", "GB": "Europe/London", "GR": "Europe/Athens",
	"HK": "Asia/Hong_Kong", "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin",
	"IL": "Asia/Jerusalem", "IN": "Asia/Kolkata", "IT": "Europe/Rome", "JP": "Asia/Tokyo",
	"KE": "Africa/Nairobi", "KP": "Asia/Pyongyang", "KR": "Asia/Seoul", "LT": "Europe/Vilnius",
	"LV": "Europe/Riga", "MY": "Asia/Kuala_Lumpur", "NG": "Africa/Lagos", "NL": "Europe/Amsterdam",
	"NO": "Europe/Oslo", "NZ": "Pacific/Auckland", "PE": "America/Lima", "PH": "Asia/Manila",
	"PK": "Asia/Karachi", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest",
	"RS": "Europe/Belgrade", "SE": "Europe/Stockholm", "SG": "Asia/Singapore", "SI": "Europe/Ljubljana",
	"SK": "Europe/Bratislava", "TH": "Asia/Bangkok", "TR": "Europe/Istanbul", "TW": "Asia/Taipei",
	"UA": "Europe/Kyiv", "VN": "Asia/Ho_Chi_Minh", "ZA": "Africa/Johannesburg",
}

// countryMainZones stand for the claimed zone of a country spanning
// several zones when a person gives no zone: the KST rule only asks whether
// the claimed zone is far from UTC+9 and whether the activity falls at
// night there, and every zone of these countries is 12 to 16 hours from
// UTC+9, so the central zone's night is within two or three hours of every
// other's. Countries with zones near UTC+9 (RU, ID, AU, MN) have none:
// Vladivostok's working day would look like Korea's.
var countryMainZones = map[string]string{
	"US": "America/Chicago", "CA": "America/Toronto", "MX": "America/Mexico_City", "BR": "America/Sao_Paulo",
}

// zoneStats is what the inference found for one person.
type zoneStats struct {
	events, days int
	meanUTC      float64 // hours
	r            float64
	inferred     float64 // UTC offset in hours the activity points to
	claimed      *time.Location
	claimedOff   float64
	nightShare   float64
	// nightDays is how many UTC days hold a night-time event in the
	// claimed zone; quietDays how many hold an event in the quietest
	// window.
	nightDays, quietDays int
	// kstWeekend is the share of events on a Saturday or Sunday at UTC+9.
	kstWeekend float64
	quietShare float64
	quietStart int // UTC hour the quietest window starts
}

// checkZones raises KST_WORKING_HOURS and ROUND_THE_CLOCK.
func (c *Checker) checkZones(x *index, ev Evidence) {
	events := x.events // the sign-ins', gathered by checkSignIns
	for k := range ev.GitHub {
		g := &ev.GitHub[k]
		i, ok := x.m.gitHub(g).unique()
		if !ok {
			continue
		}
		from := x.now.Add(-commitWindow)
		for _, t := range g.CommitTimes {
			if t.Before(from) || t.After(x.now) {
				continue
			}
			events[i] = append(events[i], t.Unix())
		}
	}
	locs := map[string]*time.Location{}
	noZone := 0
	for i := range x.people {
		if len(events[i]) < zoneMinEvents {
			continue
		}
		loc := claimedZone(&x.people[i], locs)
		st, ok := inferZone(events[i], loc)
		if !ok {
			continue
		}
		disagree := ""
		if home := countryZone(&x.people[i], locs); loc != nil && home != nil && home != loc {
			if _, off := time.Unix(events[i][len(events[i])/2], 0).In(home).Zone(); !zoneFitsCountry(st.claimedOff, float64(off)/3600, x.people[i].Country) {
				disagree = fmt.Sprintf(" (the claimed zone %s does not fit the record's country %s: its zone is used)", loc, strings.ToUpper(strings.TrimSpace(x.people[i].Country)))
				loc = home
				if st, ok = inferZone(events[i], loc); !ok {
					continue
				}
			}
		}
		p := int32(i)
		if st.quietShare >= roundClockMinRate && st.quietDays >= roundClockMinDays {
			x.flag(p, CodeRoundTheClock, fmt.Sprintf("%d sign-ins and commits over %d days; the quietest six hours (%02d:00–%02d:00 UTC) still hold %.0f%% of them", st.events, st.days, st.quietStart, (st.quietStart+roundClockWindow)%24, 100*st.quietShare))
		}
		if loc == nil {
			noZone++
			continue
		}
		far := circDist(st.claimedOff, kstOffset) >= kstMinDistance
		if !far {
			continue
		}
		if st.r >= zoneMinR && circDist(st.inferred, kstOffset) <= kstTolerance && st.nightShare >= kstMinNightShare && st.nightDays >= kstMinNightDays {
			which := "the claimed zone"
			if disagree != "" {
				which = "the zone of the claimed country" + disagree
			}
			ev := fmt.Sprintf("%d sign-ins and commits over %d days centre on %s UTC (concentration %.2f), a working day at UTC%+.1f; %.0f%% fall between 22:00 and 07:00 in %s, %s", st.events, st.days, clock(st.meanUTC), st.r, st.inferred, 100*st.nightShare, loc, which)
			if st.kstWeekend <= kstMaxWeekend {
				x.flag(p, CodeKSTWorkingHours, ev)
			} else {
				x.flagReduced(p, CodeKSTWorkingHours, ev+fmt.Sprintf("; %.0f%% on Saturdays and Sundays at UTC+9 (a six- or seven-day week, or a night shift)", 100*st.kstWeekend), kstWeekendWeight)
			}
		}
	}
	if noZone > 0 {
		x.skip(fmt.Sprintf("%d people with enough activity give neither a time zone nor a country with one zone: KST_WORKING_HOURS not checked for them", noZone))
	}
}

// claimedZone is the person's claimed zone, nil when unknown or not
// loadable.
func claimedZone(p *Person, cache map[string]*time.Location) *time.Location {
	name := strings.TrimSpace(p.TimeZone)
	if name == "" {
		cc := strings.ToUpper(strings.TrimSpace(p.Country))
		name = cmp.Or(countryZones[cc], countryMainZones[cc])
	}
	if name == "" {
		return nil
	}
	if loc, ok := cache[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		loc = nil
	}
	cache[name] = loc
	return loc
}

// countryZone is the zone of the person's country (countryZones, else
// countryMainZones), nil when it has none or the record gives none.
func countryZone(p *Person, cache map[string]*time.Location) *time.Location {
	cc := strings.ToUpper(strings.TrimSpace(p.Country))
	name := cmp.Or(countryZones[cc], countryMainZones[cc])
	if name == "" {
		return nil
	}
	if loc, ok := cache[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	cache[name] = loc
	return loc
}

// countryOffsets are the UTC offsets (hours, standard and summer time)
// the zones of the countries of countryMainZones span.
var countryOffsets = map[string][2]float64{
	"US": {-11, -4}, "CA": {-8, -2.5}, "MX": {-8, -5}, "BR": {-5, -2},
}

// zoneFitsCountry reports whether a claimed zone's offset fits the
// country cc, whose (main) zone has offset home then: within the
// country's span of offsets, or within an hour of its one zone's.
func zoneFitsCountry(claimed, home float64, country string) bool {
	if span, ok := countryOffsets[strings.ToUpper(strings.TrimSpace(country))]; ok {
		return claimed >= span[0]-0.5 && claimed <= span[1]+0.5
	}
	return circDist(claimed, home) <= 1
}

// inferZone computes the statistics of the event times (Unix seconds),
// which it sorts; false when there are too few events or days. loc may be
// nil (nightShare and claimedOff are then zero).
func inferZone(ev []int64, loc *time.Location) (zoneStats, bool) {
	st := zoneStats{events: len(ev), claimed: loc}
	if len(ev) < zoneMinEvents {
		return st, false
	}
	slices.Sort(ev)
	var hist [24]int
	var sumC, sumS float64
	lastDay := int64(math.MinInt64)
	night, weekend := 0, 0
	lastNight := int64(math.MinInt64)
	for _, s := range ev {
		if wd := time.Unix(s+9*3600, 0).UTC().Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekend++
		}
		d := floorDiv(s, 86400)
		if d != lastDay {
			st.days++
			lastDay = d
		}
		sec := s - d*86400
		h := float64(sec) / 3600
		hist[int(h)]++
		a := h * 2 * math.Pi / 24
		sumC += math.Cos(a)
		sumS += math.Sin(a)
		if loc != nil {
			lh := time.Unix(s, 0).In(loc).Hour()
			if lh >= 22 || lh < 7 {
				night++
				if d != lastNight {
					st.nightDays++
					lastNight = d
				}
			}
		}
	}
	if st.days < zoneMinDays {
		return st, false
	}
	n := float64(len(ev))
	st.r = math.Hypot(sumC, sumS) / n
	st.meanUTC = math.Mod(math.Atan2(sumS, sumC)*24/(2*math.Pi)+24, 24)
	st.inferred = wrapOffset(zoneWorkCentre - st.meanUTC)
	st.nightShare = float64(night) / n
	st.kstWeekend = float64(weekend) / n
	if loc != nil {
		_, off := time.Unix(ev[len(ev)/2], 0).In(loc).Zone()
		st.claimedOff = float64(off) / 3600
	}
	best := len(ev) + 1
	for h := range 24 {
		w := 0
		for k := range roundClockWindow {
			w += hist[(h+k)%24]
		}
		if w < best {
			best, st.quietStart = w, h
		}
	}
	st.quietShare = float64(best) / n
	lastQuiet := int64(math.MinInt64)
	for _, s := range ev {
		d := floorDiv(s, 86400)
		if h := int((s - d*86400) / 3600); (h-st.quietStart+24)%24 < roundClockWindow && d != lastQuiet {
			st.quietDays++
			lastQuiet = d
		}
	}
	return st, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// wrapOffset brings an offset in hours into (−12, +12].
func wrapOffset(h float64) float64 {
	h = math.Mod(h, 24)
	if h <= -12 {
		h += 24
	}
	if h > 12 {
		h -= 24
	}
	return h
}

// circDist is the distance in hours between two offsets or hours on the
// 24-hour circle.
func circDist(a, b float64) float64 {
	d := math.Abs(math.Mod(a-b, 24))
	return min(d, 24-d)
}

// clock formats hours as HH:MM.
func clock(h float64) string {
	m := int(math.Round(h*60)) % (24 * 60)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
