package hiring

import (
	"errors"
	"regexp/syntax"
	"slices"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// The fast path for North American numbers (country code 1), which
// NormalizePhone takes for the commonest ways of writing them: "+1" and ten
// digits in any country, or ten digits in a country whose national reading
// is plain (US, CA, DO, JM, PR); the area code starts with 2 to 9. For these
// it gives libphonenumber's own answer without its parser: the national
// number is the ten digits (nothing for the parser to strip), and validity
// is decided by the library's own metadata patterns for the numbering
// plan's 25 regions, compiled once into deterministic automata over digits
// that accept exactly what the library's regular expressions accept
// (hiring's tests compare the two paths). Everything else goes to the
// library.

// nanp is the compiled numbering-plan metadata of country code 1.
type nanp struct {
	// regions in the order GetRegionCodesForCountryCode(1) gives them
	// (the order the library searches them in).
	regions []nanpRegion
	byCode  map[string]int
}

// nanpRegion is one region's validity rules.
type nanpRegion struct {
	code string
	// plain: ten digits written without "+1" parse, in this region, as
	// the national number itself (the region's national prefix for parsing
	// is "1" with no transform rule and its international prefix "011").
	plain bool
	// leading is the region's leading-digits pattern, nil when it has none.
	leading *digitDFA
	// general is the general description; types are the number types the
	// library tries after it (premium rate … voicemail, fixed line, and
	// mobile unless the region says it equals fixed line).
	general descDFA
	types   []descDFA
}

// descDFA is one number description: its possible lengths and pattern.
type descDFA struct {
	lengths []int32
	dfa     *digitDFA
}

// matches is the library's isNumberMatchingDesc.
func (d *descDFA) matches(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.dfa.full(nsn)
}

// valid is the library's getNumberTypeHelper(nsn, region) != UNKNOWN.
func (r *nanpRegion) valid(nsn string) bool {
	if !r.general.matches(nsn) {
		return false
	}
	for k := range r.types {
		if r.types[k].matches(nsn) {
			return true
		}
	}
	return false
}

// validNumber is the library's IsValidNumber for a number of country code
// 1: the first region whose leading digits start the number (or, for a
// region without them, whose rules the number follows) decides.
func (n *nanp) validNumber(nsn string) bool {
	for k := range n.regions {
		r := &n.regions[k]
		if r.leading != nil {
			if r.leading.prefix(nsn) {
				return r.valid(nsn)
			}
		} else if r.valid(nsn) {
			return true
		}
	}
	return false
}

// fastPhone is NormalizePhone for the inputs the fast path reads: digits is
// the number as phoneDigits leaves it, region the upper-case region or
// "ZZ". handled is false for anything else.
func (n *nanp) fastPhone(digits, region string) (e164 string, ok, handled bool) {
	var nsn string
	switch {
	case len(digits) == 12 && digits[0] == '+' && digits[1] == '1':
		nsn = digits[2:]
	case len(digits) == 10:
		r, known := n.byCode[region]
		if !known || !n.regions[r].plain {
			return "", false, false
		}
		nsn = digits
	default:
		return "", false, false
	}
	if nsn[0] < '2' || nsn[0] > '9' || !allDigits(nsn) {
		return "", false, false
	}
	valid := false
	if r, known := n.byCode[region]; known {
		valid = n.regions[r].valid(nsn)
	}
	if !valid && !n.validNumber(nsn) {
		return "", false, true
	}
	return "+1" + nsn, true, true
}

// nanpTable is the compiled metadata, built on first use; nil when a
// pattern uses syntax the compiler does not take (then every number goes
// to the library).
var nanpTable = sync.OnceValue(func() *nanp {
	n, err := compileNANP()
	if err != nil {
		return nil
	}
	return n
})

// compileNANP compiles the metadata of country code 1.
func compileNANP() (*nanp, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, err
	}
	byID := map[string]*phonenumbers.PhoneMetadata{}
	for _, m := range coll.GetMetadata() {
		if m.GetCountryCode() == 1 {
			byID[m.GetId()] = m
		}
	}
	codes := phonenumbers.GetRegionCodesForCountryCode(1)
	if len(codes) == 0 {
		return nil, errors.New("no regions for country code 1")
	}
	n := &nanp{byCode: map[string]int{}}
	for _, code := range codes {
		m := byID[code]
		if m == nil {
			return nil, errors.New("no metadata for " + code)
		}
		r := nanpRegion{code: code}
		r.plain = m.GetNationalPrefixForParsing() == "1" && m.GetNationalPrefixTransformRule() == "" && m.GetInternationalPrefix() == "011"
		if ld := m.GetLeadingDigits(); ld != "" {
			if r.leading, err = compileDigits("^(?:" + ld + ")"); err != nil {
				return nil, err
			}
		}
		desc := func(d *phonenumbers.PhoneNumberDesc) (descDFA, error) {
			dfa, err := compileDigits("^(?:" + d.GetNationalNumberPattern() + ")$")
			var lengths []int32
			if d != nil {
				lengths = d.PossibleLength
			}
			return descDFA{lengths: lengths, dfa: dfa}, err
		}
		if r.general, err = desc(m.GetGeneralDesc()); err != nil {
			return nil, err
		}
		types := []*phonenumbers.PhoneNumberDesc{m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
			m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail(), m.GetFixedLine()}
		if !m.GetSameMobileAndFixedLinePattern() {
			types = append(types, m.GetMobile())
		}
		for _, t := range types {
			d, err := desc(t)
			if err != nil {
				return nil, err
			}
			r.types = append(r.types, d)
		}
		n.byCode[code] = len(n.regions)
		n.regions = append(n.regions, r)
	}
	return n, nil
}

// digitDFA is a deterministic automaton over the digits 0–9 accepting what
// a regular expression (in Go's syntax, as regexp compiles it) matches
// among strings of digits.
type digitDFA struct {
	// next[s][d] is the state after digit d in state s; -1 is dead.
	next [][10]int32
	// mid[s]: a match ends here when more input follows (a pattern
	// without "$"); end[s]: a match ends here at the end of the input.
	mid, end []bool
}

// maxDFAStates bounds the automaton of one pattern (the metadata's need a
// few hundred).
const maxDFAStates = 1 << 14

// full reports whether the whole of s matches (a pattern "^(?:…)$").
func (d *digitDFA) full(s string) bool {
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = d.next[st][s[i]-'0']
		if st < 0 {
			return false
		}
	}
	return d.end[st]
}

// prefix reports whether the pattern matches from the start of s (a
// pattern "^(?:…)", as regexp's MatchString has it).
func (d *digitDFA) prefix(s string) bool {
	st := int32(0)
	for i := 0; i < len(s); i++ {
		if d.mid[st] {
			return true
		}
		st = d.next[st][s[i]-'0']
		if st < 0 {
			return false
		}
	}
	return d.end[st] || d.mid[st]
}

// compileDigits builds the automaton of pattern by subset construction over
// the program regexp would run. The only zero-width assertions it takes
// are "^" and "$" (text begin and end), which are all the metadata uses;
// anything else is an error.
func compileDigits(pattern string) (*digitDFA, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth && syntax.EmptyOp(in.Arg)&^(syntax.EmptyBeginText|syntax.EmptyEndText) != 0 {
			return nil, errors.New("pattern " + strconv.Quote(pattern) + " has an assertion other than ^ and $")
		}
	}
	// closure adds pc and what it reaches without input; begin and end
	// say which assertions hold. Assertions that do not hold keep their
	// instruction in the set, for the end-of-input check.
	var closure func(set []uint32, seen []bool, pc uint32, begin, end bool) []uint32
	closure = func(set []uint32, seen []bool, pc uint32, begin, end bool) []uint32 {
		if seen[pc] {
			return set
		}
		seen[pc] = true
		set = append(set, pc)
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			set = closure(set, seen, in.Out, begin, end)
			set = closure(set, seen, in.Arg, begin, end)
		case syntax.InstCapture, syntax.InstNop:
			set = closure(set, seen, in.Out, begin, end)
		case syntax.InstEmptyWidth:
			op := syntax.EmptyOp(in.Arg)
			if (op&syntax.EmptyBeginText == 0 || begin) && (op&syntax.EmptyEndText == 0 || end) {
				set = closure(set, seen, in.Out, begin, end)
			}
		}
		return set
	}
	hasMatch := func(set []uint32) bool {
		for _, pc := range set {
			if prog.Inst[pc].Op == syntax.InstMatch {
				return true
			}
		}
		return false
	}
	d := &digitDFA{}
	ids := map[string]int32{}
	var sets [][]uint32
	var starts []bool // whether a state is the start (text begin holds)
	key := func(set []uint32) string {
		slices.Sort(set)
		b := make([]byte, 0, 4*len(set))
		for _, pc := range set {
			b = append(b, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
		}
		return string(b)
	}
	add := func(set []uint32, start bool) int32 {
		k := key(set)
		if start {
			k = "^" + k
		}
		if id, ok := ids[k]; ok {
			return id
		}
		id := int32(len(sets))
		ids[k] = id
		sets = append(sets, set)
		starts = append(starts, start)
		d.next = append(d.next, [10]int32{})
		return id
	}
	add(closure(nil, make([]bool, len(prog.Inst)), uint32(prog.Start), true, false), true)
	for s := 0; s < len(sets); s++ {
		if len(sets) > maxDFAStates {
			return nil, errors.New("pattern " + strconv.Quote(pattern) + " needs too many states")
		}
		set := sets[s]
		// At the end of the input: the assertions that hold there.
		seen := make([]bool, len(prog.Inst))
		var atEnd []uint32
		for _, pc := range set {
			atEnd = closure(atEnd, seen, pc, starts[s], true)
		}
		d.end = append(d.end, hasMatch(atEnd))
		d.mid = append(d.mid, hasMatch(set))
		for digit := range 10 {
			seen := make([]bool, len(prog.Inst))
			var next []uint32
			for _, pc := range set {
				in := &prog.Inst[pc]
				switch in.Op {
				case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
					if in.MatchRune(rune('0' + digit)) {
						next = closure(next, seen, in.Out, false, false)
					}
				}
			}
			if len(next) == 0 {
				d.next[s][digit] = -1
				continue
			}
			d.next[s][digit] = add(next, false)
		}
	}
	return d, nil
}
