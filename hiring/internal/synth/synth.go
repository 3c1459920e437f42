// Package synth generates synthetic people for the hiring benchmarks and
// quality tests: deterministic for a seed, with common names far more
// frequent than rare ones (a Zipf draw over real names plus a long tail of
// made-up ones), birth dates over 66 years, street addresses with
// postcodes, national ids for 70 %, and duplicates carrying typos, swapped
// names, initials, day/month swaps and missing fields.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	given = strings.Fields(`james mary john patricia robert jennifer michael linda william elizabeth david barbara
	richard susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa matthew betty anthony margaret
	mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle kenneth dorothy kevin carol brian
	amanda george melissa timothy deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob
	kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole
	brandon helen benjamin samantha samuel katherine gregory christine alexander debra frank rachel patrick carolyn
	raymond janet jack catherine dennis maria jerry heather tyler diane aaron ruth jose julie adam olivia henry joyce
	nathan virginia douglas victoria zachary kelly peter lauren kyle christina ethan joan walter evelyn noah judith
	jeremy megan christian andrea keith cheryl roger hannah terry jacqueline gerald martha harold gloria sean teresa
	austin ann carl sara arthur madison lawrence frances dylan kathryn jesse janice jordan jean bryan abigail billy alice
	joe julia bruce judy gabriel sophia logan grace albert denise willie amber alan doris juan marilyn wayne danielle
	elijah beverly randy isabella roy theresa vincent diana ralph natalie eugene brittany russell charlotte bobby marie
	mason kayla philip alexis louis lori mei wei yuki hiroshi aisha omar fatima ali priya raj ivan olga sven ingrid`)
	family = strings.Fields(`smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
	gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis
	robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell
	mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales
	murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson
	watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross
	foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez
	simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant
	herrera gibson ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods
	washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter hunter
	gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd rose stone
	salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne
	grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham
	duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston matthews pena
	richards contreras willis carpenter lawrence sandoval wang li zhang liu yang huang zhao wu zhou xu sun ma zhu hu guo
	he lin luo zheng liang park choi jung kang cho yoon jang lim`)
	syllables   = strings.Fields(`ka lo mi ne ru sa te vo bra chi del fen gar hol isk jor kel lun mar nor pel quin ros sten tor ul vin wes yar zel an ber cor dun el fis gul han ith`)
	streetTypes = []string{"street", "road", "avenue", "lane", "drive", "court", "place", "crescent", "way", "terrace"}
)

// Gen generates people; R is its random source, for callers that draw
// alongside it.
type Gen struct {
	R               *rand.Rand
	zGiven, zFamily *rand.Zipf
	suburbs         []string
	postcodes       []int
}

// New returns a generator seeded with seed.
func New(seed uint64) *Gen {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	g := &Gen{R: r}
	g.zGiven = rand.NewZipf(r, 1.1, 20, uint64(len(given)-1))
	g.zFamily = rand.NewZipf(r, 1.05, 30, uint64(len(family)-1))
	for range 3000 {
		g.suburbs = append(g.suburbs, g.made(2, 3))
		g.postcodes = append(g.postcodes, 1000+r.IntN(9000))
	}
	return g
}

func (g *Gen) made(lo, hi int) string {
	n := lo + g.R.IntN(hi-lo+1)
	var b strings.Builder
	for range n {
		b.WriteString(syllables[g.R.IntN(len(syllables))])
	}
	return b.String()
}

// Person is one generated person's record.
type Person struct {
	// Given and Family are the name's parts (either may be empty or an
	// initial in a duplicate), DOB is YYYY-MM-DD or damaged, Address a
	// street address with a postcode, NationalID nine digits or empty.
	Given, Family, DOB, Address, NationalID string
}

// Person returns a new person.
func (g *Gen) Person() Person {
	var p Person
	p.Given = given[g.zGiven.Uint64()]
	if g.R.IntN(3) == 0 {
		p.Family = g.made(2, 3) // the long tail of rarer names
	} else {
		p.Family = family[g.zFamily.Uint64()]
	}
	p.DOB = fmt.Sprintf("%04d-%02d-%02d", 1940+g.R.IntN(66), 1+g.R.IntN(12), 1+g.R.IntN(28))
	s := g.R.IntN(len(g.suburbs))
	p.Address = fmt.Sprintf("%d %s %s, %s %04d", 1+g.R.IntN(300), g.made(2, 3), streetTypes[g.R.IntN(len(streetTypes))], g.suburbs[s], g.postcodes[s])
	if g.R.IntN(10) < 7 {
		p.NationalID = fmt.Sprintf("%09d", g.R.IntN(1_000_000_000))
	}
	return p
}

func (g *Gen) typo(s string) string {
	if len(s) < 2 {
		return s
	}
	b := []byte(s)
	i := g.R.IntN(len(b))
	switch g.R.IntN(4) {
	case 0: // substitute
		b[i] = byte('a' + g.R.IntN(26))
		if isDigits(s) {
			b[i] = byte('0' + g.R.IntN(10))
		}
	case 1: // delete
		b = append(b[:i], b[i+1:]...)
	case 2: // insert
		b = append(b[:i], append([]byte{b[i]}, b[i:]...)...)
	default: // transpose
		if i+1 < len(b) {
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
	return string(b)
}

// Corrupt returns a duplicate of p with one to three changes.
func (g *Gen) Corrupt(p Person) Person {
	for range 1 + g.R.IntN(3) {
		switch g.R.IntN(11) {
		case 0:
			p.Given = g.typo(p.Given)
		case 1:
			p.Family = g.typo(p.Family)
		case 2:
			p.Given, p.Family = p.Family, p.Given
		case 3:
			if p.Given != "" {
				p.Given = p.Given[:1]
			}
		case 4:
			p.Given = ""
		case 5:
			p.DOB = ""
		case 6:
			if len(p.DOB) == 10 {
				p.DOB = p.DOB[:5] + p.DOB[8:10] + "-" + p.DOB[5:7] // day and month swapped
			}
		case 7:
			p.DOB = g.typo(strings.ReplaceAll(p.DOB, "-", ""))
		case 8:
			p.Address = ""
		case 9:
			f := strings.Fields(p.Address)
			if len(f) > 2 {
				i := 1 + g.R.IntN(len(f)-1)
				f[i] = g.typo(f[i])
			}
			p.Address = strings.Join(f, " ")
		default:
			p.NationalID = g.typo(p.NationalID)
		}
	}
	return p
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// People returns n people, about 10 % of them duplicates (Corrupt) of
// earlier ones, and each one's entity: the index of the first record of
// the person it is.
func People(n int, seed uint64) ([]Person, []int32) {
	g := New(seed)
	out := make([]Person, 0, n)
	entity := make([]int32, 0, n)
	var firsts []int32
	for i := range n {
		if i > 10 && g.R.IntN(10) == 0 {
			j := firsts[g.R.IntN(len(firsts))]
			out = append(out, g.Corrupt(out[j]))
			entity = append(entity, entity[j])
			continue
		}
		firsts = append(firsts, int32(i))
		entity = append(entity, int32(len(firsts)-1))
		out = append(out, g.Person())
	}
	return out, entity
}
