package hiring

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestInferZone: the statistics on typical routines.
func TestInferZone(t *testing.T) {
	t.Parallel()
	chicago := mustLoc(t, "America/Chicago")
	seoul := mustLoc(t, "Asia/Seoul")
	unix := func(s []SignIn) []int64 {
		out := make([]int64, len(s))
		for i := range s {
			out[i] = s[i].Time.Unix()
		}
		return out
	}
	rng := rand.New(rand.NewPCG(3, 4))
	t.Run("US worker", func(t *testing.T) {
		st, ok := inferZone(unix(routine(rng, "u", chicago, 60, 5, 8, 18, "203.0.113.1", "")), chicago)
		if !ok || st.r < 0.6 || circDist(st.inferred, st.claimedOff) > 1.5 || st.nightShare > 0.05 || st.quietShare > 0.01 {
			t.Errorf("%+v", st)
		}
	})
	t.Run("KST worker claiming Chicago", func(t *testing.T) {
		st, ok := inferZone(unix(routine(rng, "u", seoul, 60, 5, 9, 18, "203.0.113.1", "")), chicago)
		if !ok || circDist(st.inferred, 9) > 1 || st.nightShare < 0.5 {
			t.Errorf("%+v", st)
		}
	})
	t.Run("around the clock", func(t *testing.T) {
		var ev []int64
		for k := range 24 * 20 {
			ev = append(ev, now.Add(-time.Duration(k)*time.Hour-time.Duration(rng.IntN(3600))*time.Second).Unix())
		}
		st, ok := inferZone(ev, nil)
		if !ok || st.quietShare < 0.2 || st.r > 0.2 {
			t.Errorf("%+v", st)
		}
	})
	t.Run("too few events", func(t *testing.T) {
		if _, ok := inferZone(unix(routine(rng, "u", seoul, 5, 3, 9, 18, "203.0.113.1", "")), chicago); ok {
			t.Error("spoke on fewer than 50 events")
		}
	})
	t.Run("enough events on too few days", func(t *testing.T) {
		var ev []int64
		for k := range 100 {
			ev = append(ev, now.Add(time.Duration(k)*time.Minute).Unix())
		}
		if _, ok := inferZone(ev, chicago); ok {
			t.Error("spoke on one day")
		}
	})
}

// TestZoneRules: KST_WORKING_HOURS and ROUND_THE_CLOCK through Run, with
// commit times and the claimed zone from the country.
func TestZoneRules(t *testing.T) {
	t.Parallel()
	seoul := mustLoc(t, "Asia/Seoul")
	berlin := mustLoc(t, "Europe/Berlin")
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name string
		p    Person
		ev   Evidence
		want []string
	}{
		{"KST hours, Germany claimed by country", person("k", "Karl Weber", func(p *Person) { p.Country = "DE" }),
			Evidence{SignIns: routine(rng, "k", seoul, 40, 4, 9, 18, "203.0.113.1", "")}, []string{CodeKSTWorkingHours}},
		{"KST hours, living in Korea", person("k", "Karl Weber", func(p *Person) { p.Country = "KR" }),
			Evidence{SignIns: routine(rng, "k", seoul, 40, 4, 9, 18, "203.0.113.1", "")}, nil},
		{"Berlin hours in Berlin", person("k", "Karl Weber", func(p *Person) { p.TimeZone = "Europe/Berlin" }),
			Evidence{SignIns: routine(rng, "k", berlin, 40, 4, 9, 18, "203.0.113.1", "")}, nil},
		{"KST hours, US claimed without a zone", person("k", "Karl Weber", func(p *Person) { p.Country = "US" }),
			Evidence{SignIns: routine(rng, "k", seoul, 40, 4, 9, 18, "203.0.113.1", "")}, []string{CodeKSTWorkingHours}},
		{"Vladivostok hours, Russia claimed without a zone", person("k", "Karl Weber", func(p *Person) { p.Country = "RU" }),
			Evidence{SignIns: routine(rng, "k", mustLoc(t, "Asia/Vladivostok"), 40, 4, 9, 18, "203.0.113.1", "")}, nil},
		// Friday evenings in Chicago are Saturdays at UTC+9: the flag at
		// its reduced weight (TestKSTWeekendAndClaimedZone).
		{"night owl in Chicago, 20:00 to 02:00 on weekdays", person("k", "Sam Night", func(p *Person) { p.TimeZone = "America/Chicago" }),
			Evidence{SignIns: routine(rng, "k", mustLoc(t, "America/Chicago"), 40, 4, 20, 26, "203.0.113.1", "")}, []string{CodeKSTWorkingHours}},
		{"night shift in Chicago every day, 20:00 to 04:00", person("k", "Sam Night", func(p *Person) { p.TimeZone = "America/Chicago" }),
			Evidence{SignIns: func() []SignIn {
				var s []SignIn
				chicago := mustLoc(t, "America/Chicago")
				for d := range 30 {
					y, m, dd := now.AddDate(0, 0, -30+d).In(chicago).Date()
					for h := range 4 {
						s = append(s, signIn("k", time.Date(y, m, dd, 20+2*h, 30, 0, 0, chicago), "203.0.113.1", ""))
					}
				}
				return s
			}()}, []string{CodeKSTWorkingHours}},
		{"Los Angeles hours, US claimed without a zone", person("k", "Karl Weber", func(p *Person) { p.Country = "US" }),
			Evidence{SignIns: routine(rng, "k", mustLoc(t, "America/Los_Angeles"), 40, 4, 8, 18, "203.0.113.1", "")}, nil},
		// The +09:00 offset a commit carries is no evidence: 60 recent
		// commits in a Chicago working day, dated with Seoul's offset.
		{"commits dated +09:00 in Chicago hours", person("k", "Karl Weber", func(p *Person) { p.TimeZone = "America/Chicago"; p.GitHub = "kw" }),
			Evidence{GitHub: []GitHubProfile{{Login: "kw", CreatedAt: now.AddDate(-3, 0, 0), CommitTimes: func() []time.Time {
				c := commitsAt(rng, mustLoc(t, "America/Chicago"), now, 60, 9, 17)
				for k := range c {
					c[k] = c[k].In(seoul)
				}
				return c
			}()}}}, nil},
		// Commits in KST working hours from when the person lived in Tokyo
		// years ago count for nothing.
		{"old commits in Tokyo hours, living in Germany", person("k", "Haruto Sato", func(p *Person) { p.Country = "DE"; p.GitHub = "kw" }),
			Evidence{GitHub: []GitHubProfile{{Login: "kw", CreatedAt: now.AddDate(-6, 0, 0), CommitTimes: commitsAt(rng, mustLoc(t, "Asia/Tokyo"), now.AddDate(-4, 0, 0), 80, 9, 18)}}}, nil},
		{"recent commits in KST working hours, Chicago claimed", person("k", "Karl Weber", func(p *Person) { p.TimeZone = "America/Chicago"; p.GitHub = "kw" }),
			Evidence{GitHub: []GitHubProfile{{Login: "kw", CreatedAt: now.AddDate(-3, 0, 0), CommitTimes: commitsAt(rng, seoul, now, 80, 9, 18)}}}, []string{CodeKSTWorkingHours}},
		{"around the clock", person("k", "Karl Weber", func(p *Person) { p.TimeZone = "Europe/Berlin" }),
			Evidence{SignIns: func() []SignIn {
				var s []SignIn
				for k := range 24 * 10 {
					s = append(s, signIn("k", now.Add(-time.Duration(k)*time.Hour), "203.0.113.1", ""))
				}
				return s
			}()}, []string{CodeRoundTheClock}},
		{"Berlin hours and token refreshes around the clock", person("k", "Karl Weber", func(p *Person) { p.TimeZone = "Europe/Berlin" }),
			Evidence{SignIns: func() []SignIn {
				s := routine(rng, "k", berlin, 40, 4, 9, 18, "203.0.113.1", "")
				interactive, background := true, false
				for k := range s {
					s[k].Interactive = &interactive
				}
				for k := range 24 * 40 {
					s = append(s, signIn("k", now.Add(-time.Duration(k)*time.Hour), "203.0.113.1", "", func(s *SignIn) { s.Interactive = &background }))
				}
				return s
			}()}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _ := run(t, newChecker(), []Person{tc.p}, tc.ev, nil)
			if g := got["k"]; len(g) != len(tc.want) || (len(g) > 0 && g[0] != tc.want[0]) {
				t.Errorf("flags %v, want %v", g, tc.want)
			}
		})
	}
}

// commitsAt makes n commit times on the weekdays before end, between
// startHour and endHour local time in loc, carrying loc's offset.
func commitsAt(rng *rand.Rand, loc *time.Location, end time.Time, n, startHour, endHour int) []time.Time {
	var out []time.Time
	for d := 1; len(out) < n; d++ {
		base := end.AddDate(0, 0, -d).In(loc)
		if wd := base.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		y, m, dd := base.Date()
		for range 2 {
			mins := startHour*60 + rng.IntN(max(1, (endHour-startHour)*60))
			out = append(out, time.Date(y, m, dd, 0, mins, 0, 0, loc))
		}
	}
	return out[:n]
}

// TestKSTWeekendAndClaimedZone: activity in KST working hours on KST
// weekdays (March 2026, 00:10–08:10 UTC) by people living in Boston.
// Weekend activity lowers the flag, never removes it; a claimed zone
// near UTC+9 that does not fit the record's country is not trusted.
func TestKSTWeekendAndClaimedZone(t *testing.T) {
	t.Parallel()
	events := func(user string, weekends bool) []SignIn {
		var out []SignIn
		interactive := true
		for d := range 31 {
			day := time.Date(2026, 3, 1+d, 0, 0, 0, 0, time.UTC)
			wd := day.Add(9 * time.Hour).Weekday()
			weekend := wd == time.Saturday || wd == time.Sunday
			hours := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
			if weekend {
				if !weekends {
					continue
				}
				hours = []int{1, 2, 3}
			}
			for _, h := range hours {
				out = append(out, signIn(user, day.Add(time.Duration(h)*time.Hour+10*time.Minute), "203.0.113.49", "US",
					func(s *SignIn) { s.Interactive = &interactive }))
			}
		}
		return out
	}
	boston := func(zone string) func(*Person) {
		return func(p *Person) {
			p.Country = "US"
			p.HomeAddress = "12 Oak St, Boston, MA 02108, US"
			p.TimeZone = zone
		}
	}
	for _, tc := range []struct {
		name       string
		zone       string
		weekends   bool
		wantWeight int // 0: no flag
		wantText   string
	}{
		{"New York, weekdays", "America/New_York", false, 20, "in America/New_York, the claimed zone"},
		{"New York, with weekends", "America/New_York", true, kstWeekendWeight, "on Saturdays and Sundays at UTC+9"},
		{"no zone, weekdays", "", false, 20, "America/Chicago"},
		{"no zone, with weekends", "", true, kstWeekendWeight, "six- or seven-day week"},
		{"Sydney claimed, US country", "Australia/Sydney", false, 20, "the claimed zone Australia/Sydney does not fit the record's country US"},
		{"Tokyo claimed, US country, with weekends", "Asia/Tokyo", true, kstWeekendWeight, "does not fit the record's country US"},
		// A zone of the country is trusted: evenings in Los Angeles.
		{"Los Angeles claimed, US country", "America/Los_Angeles", false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := person("k", "Ann Lee", boston(tc.zone))
			r, err := newChecker().Run(context.Background(), []Person{p}, Evidence{SignIns: events(p.Emails[0], tc.weekends)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got *Flag
			for k, f := range r.Assessments[0].Flags {
				if f.Rule == CodeKSTWorkingHours {
					got = &r.Assessments[0].Flags[k]
				}
			}
			switch {
			case got == nil && tc.wantWeight != 0:
				t.Fatalf("no KST_WORKING_HOURS: %+v", r.Assessments[0].Flags)
			case got == nil:
			case got.Weight != tc.wantWeight || !strings.Contains(got.Evidence, tc.wantText):
				t.Errorf("weight %d, %q; want %d, …%q…", got.Weight, got.Evidence, tc.wantWeight, tc.wantText)
			}
		})
	}
}
