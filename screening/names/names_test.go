package names

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Recep Tayyip Erdoğan", "recep tayyip erdogan"},
		{"Aleksandar Vučić", "aleksandar vucic"},
		{"Société Générale S.A.", "societe generale sa"},
		{"Mr. Recep Tayyip Erdoğan", "recep tayyip erdogan"},
		{"Sheikh Mohammed bin Rashid Al-Maktoum", "mohammed bin rashid al maktoum"},
		{"Dr. Haji Ahmad", "ahmad"},
		{"General Motors Company", "general motors co"}, // a rank is kept (low weight)
		{"Usama ibn Ladin", "usama bin ladin"},
		{"Ch'oe Ryong-hae", "choe ryong hae"},
		{"P'yŏngyang", "pyongyang"},
		{"Deutsche Bank's AG", "deutsche bank ag"},
		{"ANGLO-CARIBBEAN CO., LTD.", "anglo caribbean co ltd"},
		{"Siemens Aktiengesellschaft", "siemens ag"},
		{"Open Joint Stock Company Gazprom", "jsc gazprom"},
		{"OAO Gazprom", "jsc gazprom"},
		{"ООО \"Ромашка\"", "llc romashka"},
		{"Oboronnye Initsiativy o.O.O.", "oboronnye initsiativy llc"},
		{"Volkswagen Gesellschaft mit beschränkter Haftung", "volkswagen gmbh"},
		{"TACTICAL MISSILES CORPORATION JOINT STOCK COMPAN", "tactical missiles corp jsc"},
		{"Ko Chol Hun", "ko chol hun"}, // "Ko" is a surname, not "Co."
		{"A.B.C. Company", "abc co"},
		{"J.-C. Juncker", "jc juncker"},
		{"Ig0r Sech1n", "igor sechin"},
		{"Brigade Forty-Four", "brigade 44"},
		{"1st International Bank", "1 international bank"},
		{"Blackstone Capital Partners VII L.P.", "blackstone capital partners 7 lp"},
		{"Goldman Sachs & Co.", "goldman sachs and co"},
		{"Владимир Путин", "vladimir putin"},
		{"Володимир Зеленський", "volodimir zelenskiy"},
		{"김정은", "gim jeong eun"},
		{"习近平", "xi jin ping"},
		{"Барак Хусеин Обама", "barak khusein obama"},
		{"Բարակ Օբամա", "barak obama"},
		{"ბარაკ ობამა", "barak obama"},
		{"バラク・オバマ", "baraku obama"},
		{"Νικόλαος", "nikolaos"},
		{"محمد علي", "mhmd ali"},
		{"عبد الله", "abd allah"},
		{"משה", "msh"},
		{"  ", ""},
		{"\xff\xfe Kim", "kim"},
		{"Kim\x00Jong", "kim jong"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRomanizeHangul(t *testing.T) {
	tests := []struct {
		in       string
		style    RomanizationStyle
		want     string
		describe string
	}{
		{"김정은", RevisedRomanization, "gim jeong eun", "RR"},
		{"김정은", McCuneReischauer, "kim chŏng ŭn", "MR"},
		{"박봉주", RevisedRomanization, "bak bong ju", "RR"},
		{"박봉주", McCuneReischauer, "pak pong chu", "MR"},
		{"최룡해", McCuneReischauer, "ch'oe ryong hae", "MR aspirate"},
		{"시", McCuneReischauer, "shi", "MR ㅅ before i"},
		{"김 Jong", RevisedRomanization, "gim Jong", "mixed"},
	}
	for _, tt := range tests {
		if got := RomanizeHangul(tt.in, tt.style); got != tt.want {
			t.Errorf("%s: RomanizeHangul(%q) = %q, want %q", tt.describe, tt.in, got, tt.want)
		}
	}
}

// TestKoreanKey checks that the romanisations of one syllable share a key
// and that different syllables do not.
func TestKoreanKey(t *testing.T) {
	same := [][]string{
		{"pak", "park", "bak"},
		{"jong", "chong", "jung", "jeong", "chung"},
		{"kim", "gim"},
		{"ri", "rhee", "lee", "yi", "i", "li"},
		{"choe", "choi", "chwe"},
		{"kang", "gang"},
		{"ko", "go"},
		{"o", "oh"},
		{"hyon", "hyun", "hyeon"},
		{"kyong", "kyung", "gyeong"},
		{"song", "seong", "sung"},
		{"un", "eun"},
		{"kyonghui", "kyonghee", "gyeonghui"},
		{"jongun", "jongeun", "chongun"},
		{"ryu", "yu", "yoo"},
		{"roh", "noh", "no"},
	}
	for _, group := range same {
		k := koreanKey(group[0])
		if k == "" {
			t.Errorf("koreanKey(%q) is empty", group[0])
			continue
		}
		for _, s := range group[1:] {
			if got := koreanKey(s); got != k {
				t.Errorf("koreanKey(%q) = %q, want %q (as %q)", s, got, k, group[0])
			}
		}
	}
	// Joined and split given names give the same key.
	if koreanKey("jong")+koreanKey("un") != koreanKey("jongun") {
		t.Errorf("jong+un %q+%q != jongun %q", koreanKey("jong"), koreanKey("un"), koreanKey("jongun"))
	}
	differ := [][2]string{{"jong", "yong"}, {"un", "il"}, {"kim", "pak"}, {"chol", "chun"}, {"sik", "man"}, {"song", "sang"}}
	for _, p := range differ {
		if koreanKey(p[0]) == koreanKey(p[1]) {
			t.Errorf("koreanKey(%q) == koreanKey(%q) = %q", p[0], p[1], koreanKey(p[0]))
		}
	}
	for _, s := range []string{"vladimir", "frank", "xi", "zhang"} {
		if k := koreanKey(s); k != "" {
			t.Errorf("koreanKey(%q) = %q, want none", s, k)
		}
	}
}

func score(t *testing.T, a, b string) float64 {
	t.Helper()
	s, _ := Compare(a, b, "")
	return s
}

// TestKoreanVariants: McCune–Reischauer, Revised and common spellings of
// one name match strongly, and above different names that share a
// surname.
// TestKoreanEquivalencesNotForPinyin: the Korean romanisation
// equivalences (Ri ~ Li ~ I, Nyo ~ Yo) hold for Hangul and Latin spellings
// of Korean names, not for the Mandarin reading of a Chinese name: "鑫 李"
// (Xin Li) is not Sin Song RI, while "이 정수" still is RI JONG SU.
func TestKoreanEquivalencesNotForPinyin(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want bool // at or above the review threshold
	}{
		{"이 정수", "RI JONG SU", true},
		{"Li Jong Su", "RI JONG SU", true},
		{"鑫 李", "Sin Song RI", false},
		{"心怡 鍾", "Sin Song RI", false},
		{"宇 徐", "Su Nyo RYANG", false},
		{"里佳 松田", "RI SONG JIN", false},
	} {
		if s := score(t, tt.a, tt.b); (s >= ReviewThreshold) != tt.want {
			t.Errorf("Compare(%q, %q) = %.3f; at or above %.2f: want %v", tt.a, tt.b, s, ReviewThreshold, tt.want)
		}
	}
}

func TestKoreanVariants(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Pak Pong Ju", "Park Bong Ju"},
		{"Pak Pong Ju", "Bak Bong-ju"},
		{"Kim Jong Un", "Gim Jeong-eun"},
		{"Kim Jong Un", "Kim Chong Un"},
		{"Kim Jong Un", "Kim Jung Eun"},
		{"Kim Jong Un", "Kim Jongun"},
		{"Kim Jong Un", "Kim Jong-un"},
		{"Kim Jong Un", "Kim Chŏng-ŭn"},
		{"Ri Son Gwon", "Lee Seon Gwon"},
		{"Ri Son Gwon", "Yi Son-gwon"},
		{"Ri Son Gwon", "Rhee Sun Kwon"},
		{"Ri Son Gwon", "I Son Gwon"},
		{"Choe Ryong Hae", "Choi Ryong-hae"},
		{"Choe Ryong Hae", "Chwe Ryong Hae"},
		{"Choe Ryong Hae", "Ch'oe Ryong-hae"},
		{"Kang Sok Ju", "Gang Seok-ju"},
		{"Ko Chol Hun", "Go Cheol-hun"},
		{"O Kuk Ryol", "Oh Guk-ryeol"},
		{"Hyon Yong Chol", "Hyun Young Chul"},
		{"Hyon Yong Chol", "Hyeon Yeong-cheol"},
		{"Kim Kyong Hui", "Gim Gyeong-hui"},
		{"Kim Kyong Hui", "Kim Kyung Hee"},
		{"Kim Kyong Hui", "Kim Kyonghui"},
		{"Kim Kyong-hui", "Kim Kyong Hui"},
		{"Song Il Ho", "Seong Il-ho"},
		{"Jong Chun Mi", "Chung Chun Mi"},
		{"Han Song Ryol", "Han Seong-ryeol"},
	}
	for _, tt := range tests {
		s := score(t, tt.a, tt.b)
		if s < 0.85 {
			t.Errorf("Compare(%q, %q) = %.3f, want ≥ 0.85", tt.a, tt.b, s)
		}
	}
	// A variant beats a different person with the same surname.
	order := []struct{ q, variant, other string }{
		{"Kim Jong Un", "Gim Jeong-eun", "Kim Jong Il"},
		{"Kim Jong Un", "Kim Jong-un", "Kim Yong Nam"},
		{"Pak Pong Ju", "Park Bong-ju", "Pak Ui Chun"},
		{"Choe Ryong Hae", "Choi Ryong-hae", "Choe Kyong Song"},
	}
	for _, o := range order {
		sv, so := score(t, o.q, o.variant), score(t, o.q, o.other)
		if sv <= so || so >= ReviewThreshold {
			t.Errorf("%q: variant %q %.3f, other %q %.3f; want variant > other and other < %.2f", o.q, o.variant, sv, o.other, so, ReviewThreshold)
		}
	}
}

// TestTransliteration: a name in its own script against its usual Latin
// spelling.
func TestTransliteration(t *testing.T) {
	tests := []struct {
		a, b string
		min  float64
	}{
		{"김정은", "Kim Jong Un", ReviewThreshold},
		{"Ким Чен Ын", "Kim Jong Un", ReviewThreshold},
		{"박지성", "Park Ji Sung", ReviewThreshold},
		{"Владимир Путин", "Vladimir Putin", 0.99},
		{"Дмитрий Медведев", "Dmitry Medvedev", 0.95},
		{"Александр Петров", "Alexander Petrov", 0.9},
		{"Сергей Викторович Лавров", "Sergey Viktorovich Lavrov", 0.95},
		{"Володимир Зеленський", "Volodymyr Zelenskyy", 0.9},
		{"Ухнаагийн Хүрэлсүх", "Ukhnaagiin Khurelsukh", ReviewThreshold},
		{"习近平", "Xi Jinping", 0.95},
		{"金正恩", "Jin Zhengen", 0.95}, // Mandarin reading of the Hanja
		{"محمد علي", "Mohamed Ali", ReviewThreshold},
		{"أحمد حسن", "Ahmed Hassan", ReviewThreshold},
		{"خالد محمود", "Khaled Mahmoud", ReviewThreshold},
		{"فرناندو بيريز", "Fernando Pérez", ReviewThreshold},
		{"Բարակ Օբամա", "Barack Obama", ReviewThreshold},
		{"ბარაკ ობამა", "Barack Obama", ReviewThreshold},
		{"バラク・オバマ", "Barack Obama", ReviewThreshold},
		{"Νικόλαος", "Nikolaos", 0.99},
		{"משה", "Moshe", ReviewThreshold},
	}
	for _, tt := range tests {
		if s := score(t, tt.a, tt.b); s < tt.min {
			t.Errorf("Compare(%q, %q) = %.3f, want ≥ %.2f", tt.a, tt.b, s, tt.min)
		}
	}
	// Same script: a different Hangul syllable or Han reading is a
	// different name part, even where romanisations merge (종/정).
	for _, p := range [][2]string{{"김종은", "김정은"}, {"习近朋", "习近平"}} {
		if s := score(t, p[0], p[1]); s >= ReviewThreshold {
			t.Errorf("Compare(%q, %q) = %.3f, want < %.2f", p[0], p[1], s, ReviewThreshold)
		}
	}
	// Documented limit: Hanja read in Mandarin do not reach the Korean
	// reading. If this starts to match, update doc.go.
	if s := score(t, "金正恩", "Kim Jong Un"); s >= ReviewThreshold {
		t.Errorf("金正恩 ~ Kim Jong Un = %.3f: the documented limit no longer holds", s)
	}
}

// TestCrossScriptPairs runs watchman's cross-script pairs. Pairs in scripts
// this package transliterates must reach ReviewThreshold; the others
// (kanji, Thai, the Hanja of a Korean name, Greek and Hebrew forms that
// differ from the English name) are logged.
func TestCrossScriptPairs(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "screen", "watchman", "cross_script_pairs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	unsupported := map[string]bool{"金正恩": true, "山田太郎": true, "田中花子": true, "สมชาย": true, "Αλέξανδρος": true, "דוד": true}
	for _, row := range rows {
		if len(row) < 2 {
			continue
		}
		s := score(t, row[0], row[1])
		if unsupported[row[0]] {
			t.Logf("unsupported: %s ~ %s = %.3f", row[0], row[1], s)
			continue
		}
		if s < ReviewThreshold {
			t.Errorf("%s ~ %s = %.3f, want ≥ %.2f", row[0], row[1], s, ReviewThreshold)
		}
	}
}

func TestNameOrderAndPunctuation(t *testing.T) {
	tests := []struct {
		a, b string
		min  float64
	}{
		{"PUTIN, Vladimir", "Vladimir Putin", 1},
		{"PUTIN, Vladimir Vladimirovich", "Vladimir Putin", ReviewThreshold},
		{"Smith, John", "John Smith", 1},
		{"bin Salman Mohammed", "Mohammed bin Salman", 0.95},
		{"Recep Tayyip Erdogan", "Recep Tayyip Erdoğan", 1},
		{"Francois Hollande", "François Hollande", 1},
		{"Margarita-Simonyan", "Margarita Simonyan", 1},
		{"Jean Marie Le Pen", "Jean-Marie Le Pen", 1},
	}
	for _, tt := range tests {
		if s := score(t, tt.a, tt.b); s < tt.min {
			t.Errorf("Compare(%q, %q) = %.3f, want ≥ %.2f", tt.a, tt.b, s, tt.min)
		}
	}
	// A patronymic reversal is a different person.
	if s := score(t, "SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI"); s >= ReviewThreshold {
		t.Errorf("patronymic reversal scored %.3f", s)
	}
}

func TestCompanySuffixes(t *testing.T) {
	tests := []struct {
		a, b string
		min  float64
	}{
		{"Siemens AG", "Siemens Aktiengesellschaft", 1},
		{"CRYSTALORD LIMITED", "CRYSTALORD LTD", 1},
		{"OAO Gazprom", "Open Joint Stock Company Gazprom", 1},
		{"Gazprom Neft JSC", "Gazprom Neft OAO", 1},
		{"Bowne Global Solutions, L.L.C.", "Bowne Global Solutions LLC", 1},
		{"Volkswagen Gesellschaft mit beschränkter Haftung", "Volkswagen GmbH", 1},
		{"Deutsche Bank AG", "Deutsche Bank", ReviewThreshold},
		{"Nanshan Group", "Nanshan Group Co Ltd", ReviewThreshold},
		{"Iskusstvo Krasoty", "LIMITED LIABILITY COMPANY ISKUSSTVO KRASOTY", ReviewThreshold},
		{"ООО АЯС 2000", "ООО \"АЯС 2000\"", 1},
		// One keystroke in a legal form: still the legal form.
		{"SENAT SHIPPING LIITED", "SENAT SHIPPING LIMITED", ReviewThreshold},
		{"HOERYONG SHIPPING CO TD", "HOERYONG SHIPPING CO LTD", ReviewThreshold},
		{"KOREA MIRAE SHIPPING CO. LT.", "KOREA MIRAE SHIPPING CO. LTD.", ReviewThreshold},
		{"ZEEL - M CO., LDT.", "ZEEL - M CO., LTD.", ReviewThreshold},
		{"APOLLON LC", "APOLLON LLC", ReviewThreshold},
		{"TAEJIN TRADING ORPORATION", "TAEJIN TRADING CORPORATION", ReviewThreshold},
		{"CHOLSAN TRADING CMPANY", "CHOLSAN TRADING COMPANY", ReviewThreshold},
		{"LIITED LIABILITY COMPANY ALIS", "LIMITED LIABILITY COMPANY ALIS", ReviewThreshold},
		{"DEFENSE ENGINEERING LMITED LIABILITY PARTNERSHIP", "DEFENSE ENGINEERING LIMITED LIABILITY PARTNERSHIP", ReviewThreshold},
	}
	for _, tt := range tests {
		if s := score(t, tt.a, tt.b); s < tt.min {
			t.Errorf("Compare(%q, %q) = %.3f, want ≥ %.2f", tt.a, tt.b, s, tt.min)
		}
	}
	// A legal form is not a name: sharing it means little, and a different
	// one lowers the score.
	for _, b := range []string{"Omega Shipping Ltd", "Omega Shipping Ltdd", "Omega Shipping Co Td"} {
		if s := score(t, "Alpha Trading Ltd", b); s > 0.3 {
			t.Errorf("different companies sharing Ltd scored %.3f (%s)", s, b)
		}
	}
	same, other := score(t, "Deutsche Bank AG", "Deutsche Bank"), score(t, "Deutsche Bank AG", "Deutsche Bank GmbH")
	if other >= same {
		t.Errorf("Deutsche Bank AG: ~GmbH %.3f ≥ ~(no form) %.3f", other, same)
	}
}

func TestJoinedAndSplitTokens(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Kim Jong Un", "Kim Jongun"},
		{"SiemensAG", "Siemens AG"},
		{"AlisherUsmanov", "Alisher Usmanov"},
		{"Abdulaziz Nooristani", "Abdul Aziz Nooristani"},
		{"Goodwill Company", "Good Will Company"},
		{"PricewaterhouseCoopers LLP", "Pricewaterhouse Coopers LLP"},
		{"Xi Jinping", "Xi Jin Ping"},
	}
	for _, tt := range tests {
		if s := score(t, tt.a, tt.b); s < 0.9 {
			t.Errorf("Compare(%q, %q) = %.3f, want ≥ 0.9", tt.a, tt.b, s)
		}
	}
}

// TestTypoAndExtraTokens pins the shape of the score: a typo costs less than
// a different name; an extra middle name costs less than a conflicting one.
func TestTypoAndExtraTokens(t *testing.T) {
	exact := score(t, "Sergei Lavrov", "Sergei Lavrov")
	typo := score(t, "Sergie Lavrov", "Sergei Lavrov")
	extra := score(t, "Sergei Viktorovich Lavrov", "Sergei Lavrov")
	conflict := score(t, "Sergei Ivanovich Lavrov", "Sergei Viktorovich Lavrov")
	other := score(t, "Andrei Lavrov", "Sergei Lavrov")
	if !(exact == 1 && typo >= ReviewThreshold && extra >= ReviewThreshold && conflict < ReviewThreshold && other < ReviewThreshold && typo > other && extra > conflict) {
		t.Errorf("exact %.3f typo %.3f extra %.3f conflict %.3f other %.3f", exact, typo, extra, conflict, other)
	}
	if s := score(t, "Hans O Friedrich", "Hans Joachim Friedrich"); s >= score(t, "Hans J Friedrich", "Hans Joachim Friedrich") {
		t.Errorf("a conflicting initial scored as high as a matching one")
	}
	// One keystroke (deletion, insertion, substitution, transposition) in
	// any word of three letters or more, the first letter included, keeps a
	// name above the review threshold, however short the word and however
	// few the words.
	for _, tt := range []struct{ typo, listed string }{
		{"KIM Yog Chol", "KIM Yong Chol"},
		{"Karg Song Nam", "Kang Song Nam"},
		{"KANG Song Ham", "KANG Song Nam"},
		{"RYU Jdin", "RYU Jin"},
		{"RYU in", "RYU Jin"},
		{"KI Yo Jong", "KIM Yo Jong"},
		{"EAE Won Uk", "PAE Won Uk"},
		{"HCOE Song Chol", "CHOE Song Chol"},
		{"YU JOG 2", "YU JONG 2"},
		{"MI RIJ", "MI RIM"},
		{"NAM SAJ 8", "NAM SAN 8"},
		{"KORYO BAN", "KORYO BANK"},
		{"PANRIOT", "PATRIOT"},
		{"KIDSUKY", "KIMSUKY"},
		{"KOTVI", "KOTI"},
		{"SINAD", "SINBAD"},
		{"PAK Bong Na", "PAK Bong Nam"},
		{"FIIST CREDIT BANK", "FIRST CREDIT BANK"},
	} {
		if s := score(t, tt.typo, tt.listed); s < ReviewThreshold {
			t.Errorf("Compare(%q, %q) = %.3f, want ≥ %.2f", tt.typo, tt.listed, s, ReviewThreshold)
		}
	}
	// Two edits in a short word are another name.
	for _, tt := range []struct{ a, b string }{
		{"KANG Sok Nam", "KANG Song Nam"},
		{"KORYO BAR", "KORYO BANK"},
		{"PAK Il", "PAK Ho"},
	} {
		if s := score(t, tt.a, tt.b); s >= ReviewThreshold {
			t.Errorf("Compare(%q, %q) = %.3f, want < %.2f", tt.a, tt.b, s, ReviewThreshold)
		}
	}
}

func TestCompareSymmetricAndBounded(t *testing.T) {
	pairs := [][2]string{{"Kim Jong Un", "Gim Jeong-eun"}, {"PLA", "People's Liberation Army"}, {"SiemensAG", "Siemens AG"}, {"a", ""}, {"", ""}, {"محمد علي", "Mohamed Ali"}}
	for _, c := range readBenchCases(t) {
		pairs = append(pairs, [2]string{c.name1, c.name2})
	}
	for _, p := range pairs {
		ab, exA := Compare(p[0], p[1], "")
		ba, exB := Compare(p[1], p[0], "")
		if ab != ba || ab < 0 || ab > 1 {
			t.Errorf("Compare(%q, %q) = %v, reversed %v", p[0], p[1], ab, ba)
		}
		if len(exA.Alignment) != len(exB.Alignment) || exA.Query != exB.Candidate {
			t.Errorf("explanations of %q ~ %q are not mirror images", p[0], p[1])
		}
	}
}

func TestExplanationJSON(t *testing.T) {
	_, ex := Compare("Kim Jong Un", "KIM Jong-un Ltd", "person")
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, key := range []string{`"query":"kim jong un"`, `"candidate":"kim jong un ltd"`, `"alignment":[`, `"similarity":1`, `"weight":`, `"kind":"exact"`, `"unmatched":[`, `"side":"candidate"`, `"role":"extra"`, `"nameScore":`, `"score":`, `"algorithmVersion":"names/2"`} {
		if !strings.Contains(js, key) {
			t.Errorf("JSON lacks %s: %s", key, js)
		}
	}
	for _, upper := range []string{`"Query"`, `"Score"`, `"Alignment"`} {
		if strings.Contains(js, upper) {
			t.Errorf("JSON has an upper-case key %s", upper)
		}
	}
}

func testIndex() *Index {
	return Build([]Record{
		{ID: "a", Type: "person", Names: []Name{{Value: "Ivan Petrovich Sidorov"}}, DatesOfBirth: []string{"1970-05-01"}, Countries: []string{"RU"}},
		{ID: "b", Type: "person", Names: []Name{{Value: "SIDOROV, Ivan Petrovich"}}, DatesOfBirth: []string{"1970"}, Countries: []string{"ru"}},
		{ID: "c", Type: "person", Names: []Name{{Value: "Ivan Petrovich Sidorov"}}, DatesOfBirth: []string{"1955-01-01"}, Countries: []string{"UA"}},
		{ID: "d", Type: "person", Names: []Name{{Value: "Ivan Petrovich Sidorov"}}},
		{ID: "e", Type: "organization", Names: []Name{{Value: "Sidorov Trading LLC"}, {Value: "Rumuli", Weak: true}}},
		{ID: "f", Type: "person", Names: []Name{{Value: "Victor Rumuli"}, {Value: "Rumuli"}}},
		{ID: "g", Type: "organization", Names: []Name{{Value: "Ivan Petrovich Sidorov"}}},
		{ID: "h", Type: "person", Names: nil},
	})
}

func find(ms []Match, id string) *Match {
	for i := range ms {
		if ms[i].RecordID == id {
			return &ms[i]
		}
	}
	return nil
}

func feature(m *Match, name string) *Feature {
	for i := range m.Explanation.Features {
		if m.Explanation.Features[i].Name == name {
			return &m.Explanation.Features[i]
		}
	}
	return nil
}

// TestSearchFeatures checks each secondary feature's direction and that it
// is explained.
func TestSearchFeatures(t *testing.T) {
	ix := testIndex()
	ms := ix.Search(Query{Name: "Ivan Petrovich Sidorov", Type: "person", DateOfBirth: "1970-05-01", Country: "RU", Limit: 20})
	a, b, c, d, g := find(ms, "a"), find(ms, "b"), find(ms, "c"), find(ms, "d"), find(ms, "g")
	if a == nil || b == nil || c == nil || d == nil || g == nil {
		t.Fatalf("missing records: %+v", ms)
	}
	// Scores are clamped to 1; equal scores rank by the unclamped sum.
	var order []string
	for _, m := range ms {
		order = append(order, m.RecordID)
	}
	if got := strings.Join(order, ""); !strings.HasPrefix(got, "abd") {
		t.Errorf("want a (exact DOB) before b (same year) before d (no DOB), got order %s", got)
	}
	if !(d.Score > g.Score && g.Score > c.Score && c.Score < ReviewThreshold) {
		t.Errorf("want d (no DOB) > g (organization) > c (other year, other country, below review): c %.3f d %.3f g %.3f", c.Score, d.Score, g.Score)
	}
	checks := []struct {
		m       *Match
		feature string
		want    float64
	}{
		{a, "dateOfBirth", BonusDOBExact}, {b, "dateOfBirth", BonusDOBYear}, {c, "dateOfBirth", PenaltyDOBMismatch},
		{a, "country", BonusCountry}, {c, "country", PenaltyCountry}, {g, "type", PenaltyType},
	}
	for _, ch := range checks {
		f := feature(ch.m, ch.feature)
		if f == nil || f.Contribution != ch.want || f.Detail == "" {
			t.Errorf("%s: feature %s = %+v, want contribution %v", ch.m.RecordID, ch.feature, f, ch.want)
		}
	}
	if feature(d, "dateOfBirth") != nil || feature(d, "country") != nil {
		t.Errorf("record without DOB/country got such features: %+v", d.Explanation.Features)
	}
	if d.Score != d.Explanation.NameScore || d.Explanation.Score != d.Score {
		t.Errorf("no features, but score %v != name score %v", d.Score, d.Explanation.NameScore)
	}
	// Comparable to Compare: the same name scorer.
	cs, _ := Compare("Ivan Petrovich Sidorov", "SIDOROV, Ivan Petrovich", "person")
	if b.Explanation.NameScore != cs {
		t.Errorf("Search name score %v != Compare %v", b.Explanation.NameScore, cs)
	}
}

func TestSearchWeakAlias(t *testing.T) {
	ix := testIndex()
	ms := ix.Search(Query{Name: "Rumuli"})
	e, f := find(ms, "e"), find(ms, "f")
	if e == nil || f == nil {
		t.Fatalf("missing records: %+v", ms)
	}
	if !e.Weak || f.Weak || e.MatchedName != "Rumuli" {
		t.Errorf("weak flags: e %+v f %+v", e, f)
	}
	if math.Abs((f.Score-e.Score)+PenaltyWeakAlias) > 1e-9 || ms[0].RecordID != "f" {
		t.Errorf("weak alias should score %.2f below the strong one: e %.3f f %.3f", -PenaltyWeakAlias, e.Score, f.Score)
	}
	if fe := feature(e, "weakAlias"); fe == nil || fe.Contribution != PenaltyWeakAlias {
		t.Errorf("weak alias not explained: %+v", e.Explanation.Features)
	}
}

func TestSearchLimitsAndEdges(t *testing.T) {
	ix := testIndex()
	if ms := ix.Search(Query{Name: "Ivan Petrovich Sidorov", Limit: 2}); len(ms) != 2 {
		t.Errorf("Limit 2 gave %d matches", len(ms))
	}
	if ms := ix.Search(Query{Name: "Ivan Petrovich Sidorov", MinScore: 0.99}); len(ms) == 0 || ms[len(ms)-1].Score < 0.99 {
		t.Errorf("MinScore not applied: %+v", ms)
	}
	for _, q := range []string{"", "   ", "\xff\xfe", "Mr."} {
		for _, m := range ix.Search(Query{Name: q}) {
			if m.Score < 0 || m.Score > 1 {
				t.Errorf("%q: score %v", q, m.Score)
			}
		}
	}
	if ms := ix.Search(Query{Name: "Zzyzx Qwerty"}); len(ms) != 0 && ms[0].Score >= ReviewThreshold {
		t.Errorf("nonsense query matched: %+v", ms[0])
	}
	var empty *Index
	if empty.Search(Query{Name: "x"}) != nil || Build(nil).Search(Query{Name: "x"}) != nil {
		t.Error("an empty index returned matches")
	}
	r, n := ix.Len()
	if r != 8 || n != 9 {
		t.Errorf("Len = %d records, %d names", r, n)
	}
}

// TestSearchFindsOneTypo: a one-typo query finds its listed name among
// many names sharing a blocking key with it, whether the phonetic key
// turns the typo into two edits (a doubled letter collapsed, a c read k
// instead of s) or only the name's number tells the names apart.
func TestSearchFindsOneTypo(t *testing.T) {
	t.Parallel()
	recs := []Record{
		{ID: "division", Names: []Name{{Value: "DIVISION 39"}}},
		{ID: "office", Names: []Name{{Value: "OFFICE #39"}}},
		{ID: "lazarus", Names: []Name{{Value: "LAZARUS GROUP"}}},
		{ID: "yu", Names: []Name{{Value: "YU, Chin"}}},
		{ID: "zeel", Names: []Name{{Value: "ZEEL - M CO., LTD."}}},
		{ID: "star", Type: "vessel", Names: []Name{{Value: "STAR 18"}}},
	}
	// Fillers first: among names of equal key weight the earlier win.
	var fill []Record
	for i := range 400 {
		fill = append(fill, Record{ID: fmt.Sprint("f", i), Names: []Name{{Value: fmt.Sprintf("SARA %c%c", 'A'+i%26, 'A'+i/26)}}})
	}
	ix := Build(append(fill, recs...))
	for _, tt := range []struct{ q, id string }{
		{"DIISION 39", "division"},
		{"OFFICA #39", "office"},
		{"LAARUS GROUP", "lazarus"},
		{"YU, Cihn", "yu"},
		{"MEEL - M CO., LTD.", "zeel"},
		{"SAR 18", "star"},
	} {
		ms := ix.Search(Query{Name: tt.q, MinScore: ReviewThreshold})
		if !slices.ContainsFunc(ms, func(m Match) bool { return m.RecordID == tt.id }) {
			t.Errorf("%q: %s not found (%d matches)", tt.q, tt.id, len(ms))
		}
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := testIndex()
	want := ix.Search(Query{Name: "Ivan Sidorov", DateOfBirth: "1970"})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				got := ix.Search(Query{Name: "Ivan Sidorov", DateOfBirth: "1970"})
				if len(got) != len(want) || got[0].RecordID != want[0].RecordID || got[0].Score != want[0].Score {
					t.Errorf("concurrent search differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestValidQuery(t *testing.T) {
	tests := []struct {
		q     Query
		field string
	}{
		{Query{Name: "Kim Jong Un"}, ""},
		{Query{Name: "Kim Jong Un", DateOfBirth: "1984-01-08", Country: "kp", Type: "person", Limit: 5, MinScore: 0.8}, ""},
		{Query{Name: "Kim", DateOfBirth: "1984"}, ""},
		{Query{Name: "Kim", Type: "unknown"}, ""},
		{Query{Name: "\xff"}, "name"},
		{Query{Name: "  "}, "name"},
		{Query{Name: "..."}, "name"},
		{Query{Name: strings.Repeat("a", MaxNameBytes+1)}, "name"},
		{Query{Name: "Kim", DateOfBirth: "08/01/1984"}, "dateOfBirth"},
		{Query{Name: "Kim", DateOfBirth: "1984-13"}, "dateOfBirth"},
		{Query{Name: "Kim", Country: "PRK"}, "country"},
		{Query{Name: "Kim", Type: "ship"}, "type"},
		{Query{Name: "Kim", Limit: -1}, "limit"},
		{Query{Name: "Kim", MinScore: 2}, "minScore"},
		{Query{Name: "Kim", MinScore: math.NaN()}, "minScore"},
	}
	for _, tt := range tests {
		err := ValidQuery(tt.q)
		if tt.field == "" {
			if err != nil {
				t.Errorf("ValidQuery(%+v) = %v", tt.q, err)
			}
			continue
		}
		var be *bulwark.Error
		if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != tt.field {
			t.Errorf("ValidQuery(%+v) = %v, want EINVALID on %s", tt.q, err, tt.field)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"1984", "1984-01", "1984-01-08"} {
		d, ok := parseDate(s)
		if !ok || d.String() != s {
			t.Errorf("parseDate(%q) = %v %v", s, d, ok)
		}
	}
	for _, s := range []string{"", "84", "1984-1-8", "1984-00", "1984-01-32", "abcd", "1984-01-08-01"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
}
