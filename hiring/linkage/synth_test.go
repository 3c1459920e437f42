package linkage

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// Synthetic people for the benchmarks and the synthetic quality test:
// deterministic, with common names far more frequent than rare ones (a
// Zipf draw over real names plus a long tail of made-up ones), and ~10%
// duplicates carrying typos, swapped names, initials, day/month swaps and
// missing fields.

var (
	synthGiven = strings.Fields(`james mary john patricia robert jennifer michael linda william elizabeth david barbara
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
	synthFamily = strings.Fields(`smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
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
	synthSyl    = strings.Fields(`ka lo mi ne ru sa te vo bra chi del fen gar hol isk jor kel lun mar nor pel quin ros sten tor ul vin wes yar zel an ber cor dun el fis gul han ith`)
	synthStreet = []string{"street", "road", "avenue", "lane", "drive", "court", "place", "crescent", "way", "terrace"}
)

type synthGen struct {
	r               *rand.Rand
	zGiven, zFamily *rand.Zipf
	suburbs         []string
	postcodes       []int
}

func newSynthGen(seed uint64) *synthGen {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	g := &synthGen{r: r}
	g.zGiven = rand.NewZipf(r, 1.1, 20, uint64(len(synthGiven)-1))
	g.zFamily = rand.NewZipf(r, 1.05, 30, uint64(len(synthFamily)-1))
	for range 3000 {
		g.suburbs = append(g.suburbs, g.made(2, 3))
		g.postcodes = append(g.postcodes, 1000+r.IntN(9000))
	}
	return g
}

func (g *synthGen) made(lo, hi int) string {
	n := lo + g.r.IntN(hi-lo+1)
	var b strings.Builder
	for range n {
		b.WriteString(synthSyl[g.r.IntN(len(synthSyl))])
	}
	return b.String()
}

type synthPerson struct {
	given, family, dob, addr, id string
}

func (g *synthGen) person() synthPerson {
	var p synthPerson
	p.given = synthGiven[g.zGiven.Uint64()]
	if g.r.IntN(3) == 0 {
		p.family = g.made(2, 3) // the long tail of rarer names
	} else {
		p.family = synthFamily[g.zFamily.Uint64()]
	}
	p.dob = fmt.Sprintf("%04d-%02d-%02d", 1940+g.r.IntN(66), 1+g.r.IntN(12), 1+g.r.IntN(28))
	s := g.r.IntN(len(g.suburbs))
	p.addr = fmt.Sprintf("%d %s %s, %s %04d", 1+g.r.IntN(300), g.made(2, 3), synthStreet[g.r.IntN(len(synthStreet))], g.suburbs[s], g.postcodes[s])
	if g.r.IntN(10) < 7 {
		p.id = fmt.Sprintf("%09d", g.r.IntN(1_000_000_000))
	}
	return p
}

func (g *synthGen) typo(s string) string {
	if len(s) < 2 {
		return s
	}
	b := []byte(s)
	i := g.r.IntN(len(b))
	switch g.r.IntN(4) {
	case 0: // substitute
		b[i] = byte('a' + g.r.IntN(26))
		if isDigits(s) {
			b[i] = byte('0' + g.r.IntN(10))
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

// corrupt returns a duplicate of p with one to three changes.
func (g *synthGen) corrupt(p synthPerson) synthPerson {
	for range 1 + g.r.IntN(3) {
		switch g.r.IntN(11) {
		case 0:
			p.given = g.typo(p.given)
		case 1:
			p.family = g.typo(p.family)
		case 2:
			p.given, p.family = p.family, p.given
		case 3:
			if p.given != "" {
				p.given = p.given[:1]
			}
		case 4:
			p.given = ""
		case 5:
			p.dob = ""
		case 6:
			if len(p.dob) == 10 {
				p.dob = p.dob[:5] + p.dob[8:10] + "-" + p.dob[5:7] // day and month swapped
			}
		case 7:
			p.dob = g.typo(strings.ReplaceAll(p.dob, "-", ""))
		case 8:
			p.addr = ""
		case 9:
			f := strings.Fields(p.addr)
			if len(f) > 2 {
				i := 1 + g.r.IntN(len(f)-1)
				f[i] = g.typo(f[i])
			}
			p.addr = strings.Join(f, " ")
		default:
			p.id = g.typo(p.id)
		}
	}
	return p
}

func (p synthPerson) record(id string) Record {
	name := p.given + " " + p.family
	if p.given == "" {
		name = p.family + ","
	}
	return Record{ID: id, Name: name, DOB: p.dob, Address: p.addr, NationalID: p.id}
}

// synthRecords returns n records, ~10% duplicates of earlier ones, and
// each record's person.
func synthRecords(n int, seed uint64) ([]Record, []int32) {
	g := newSynthGen(seed)
	recs := make([]Record, 0, n)
	entity := make([]int32, 0, n)
	people := make([]synthPerson, 0, n)
	for i := range n {
		if i > 10 && g.r.IntN(10) == 0 {
			j := g.r.IntN(len(people))
			recs = append(recs, g.corrupt(people[j]).record(fmt.Sprint(i)))
			entity = append(entity, int32(j))
			continue
		}
		p := g.person()
		recs = append(recs, p.record(fmt.Sprint(i)))
		entity = append(entity, int32(len(people)))
		people = append(people, p)
	}
	return recs, entity
}

func TestSyntheticQuality(t *testing.T) {
	t.Parallel()
	recs, ent := synthRecords(50_000, 1)
	entity := map[string]string{}
	for i, r := range recs {
		entity[r.ID] = fmt.Sprint(ent[i])
	}
	found, err := Dedupe(recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := pairwise(found, truthWithin(recs, entity))
	t.Logf("synthetic 50,000 dedupe: %d pairs found, tp %d fp %d fn %d, precision %.4f recall %.4f F1 %.4f",
		len(found), p.tp, p.fp, p.fn, p.precision(), p.recall(), p.f1())
	if p.f1() < 0.9 {
		t.Errorf("synthetic F1 %.4f < 0.9", p.f1())
	}
}
