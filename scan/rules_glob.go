package scan

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// glob is a compiled path pattern: ** matches any number of folders, *
// and ? stay within one path component, {a,b} is an alternative, [...] a
// character class. A pattern starting with **/ whose rest has no / is
// matched against the last path component only.
type glob struct {
	src      string
	re       *regexp.Regexp
	baseOnly bool
	literal  string // baseOnly and no metacharacter: compare the name
}

func (g *glob) match(path string) bool {
	if g.baseOnly {
		base := path
		if i := strings.LastIndexByte(path, '/'); i >= 0 {
			base = path[i+1:]
		}
		if g.re == nil {
			return base == g.literal
		}
		return g.re.MatchString(base)
	}
	return g.re.MatchString(path)
}

// compileGlob compiles a path glob.
func compileGlob(pat string) (*glob, error) {
	if pat == "" || len(pat) > 512 {
		return nil, fmt.Errorf("glob %q: want a non-empty pattern of at most 512 bytes", pat)
	}
	if strings.HasPrefix(pat, "/") {
		return nil, fmt.Errorf("glob %q: paths are relative to the scanned tree; drop the leading /", pat)
	}
	g := &glob{src: pat}
	body := pat
	if rest, ok := strings.CutPrefix(pat, "**/"); ok && !strings.Contains(rest, "/") && !strings.Contains(rest, "**") {
		g.baseOnly = true
		body = rest
		if !strings.ContainsAny(rest, "*?[{\\") {
			g.literal = rest
			return g, nil
		}
	}
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case strings.HasPrefix(body[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 3
			continue
		case strings.HasPrefix(body[i:], "**"):
			b.WriteString(".*")
			i += 2
			continue
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '{':
			depth++
			b.WriteString("(?:")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		case c == '[':
			j := strings.IndexByte(body[i+1:], ']')
			if j < 0 {
				return nil, fmt.Errorf("glob %q: [ without ]", pat)
			}
			class := body[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			if class == "" || class == "^" || strings.ContainsAny(class, "[/\\") {
				return nil, fmt.Errorf("glob %q: bad character class [%s]", pat, body[i+1:i+1+j])
			}
			b.WriteString("[" + class + "]")
			i += j + 2
			continue
		case c == '\\':
			if i+1 >= len(body) {
				return nil, fmt.Errorf("glob %q: trailing \\", pat)
			}
			_, n := utf8.DecodeRuneInString(body[i+1:])
			b.WriteString(regexp.QuoteMeta(body[i+1 : i+1+n]))
			i += 1 + n
			continue
		default:
			_, n := utf8.DecodeRuneInString(body[i:])
			b.WriteString(regexp.QuoteMeta(body[i : i+n]))
			i += n
			continue
		}
		i++
	}
	if depth != 0 {
		return nil, fmt.Errorf("glob %q: { without }", pat)
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("glob %q: %v", pat, err)
	}
	g.re = re
	return g, nil
}

// requiredLiterals returns byte strings one of which every match of the
// regex src contains, or nil when it cannot tell (then every file is
// matched with the regex). It lets the scanner skip a regex over a file
// with a fast substring search.
func requiredLiterals(src string) [][]byte {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	lits := litsOf(re.Simplify())
	if len(lits) == 0 || len(lits) > 64 {
		return nil
	}
	out := make([][]byte, 0, len(lits))
	for _, l := range lits {
		if l == "" {
			return nil
		}
		out = append(out, []byte(l))
	}
	return out
}

// litsOf returns a set of literals one of which every match of re
// contains, nil when unknown.
func litsOf(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		// A small class: each of its characters.
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == 16 {
					return nil
				}
				out = append(out, string(r))
			}
		}
		return out
	case syntax.OpCapture:
		return litsOf(re.Sub[0])
	case syntax.OpPlus:
		return litsOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 2 && re.Sub[0].Op == syntax.OpLiteral && len(re.Sub[0].Rune) == 1 && re.Sub[0].Flags&syntax.FoldCase == 0 {
			// x{150,}: a run of x, long enough to be rare.
			return []string{strings.Repeat(string(re.Sub[0].Rune), min(re.Min, 32))}
		}
		if re.Min >= 1 {
			return litsOf(re.Sub[0])
		}
		return nil
	case syntax.OpConcat:
		// Runs of children matching a small finite set of strings are
		// multiplied out into longer needles; otherwise the child whose
		// shortest literal is longest is taken.
		var best []string
		bestLen := -1
		consider := func(ls []string) {
			if len(ls) == 0 {
				return
			}
			m := len(ls[0])
			for _, l := range ls {
				m = min(m, len(l))
			}
			if m > bestLen {
				best, bestLen = ls, m
			}
		}
		var run []string // the product of the current run
		inRun := false
		for _, s := range re.Sub {
			if ex := exactSet(s); ex != nil {
				if !inRun {
					run, inRun = []string{""}, true
				}
				if prod := product(run, ex); prod != nil {
					run = prod
					continue
				}
				consider(run)
				run = ex
				continue
			}
			if inRun {
				consider(run)
				inRun = false
			}
			consider(litsOf(s))
		}
		if inRun {
			consider(run)
		}
		if bestLen <= 0 {
			return nil
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			ls := litsOf(s)
			if ls == nil {
				return nil
			}
			out = append(out, ls...)
		}
		return out
	}
	return nil
}

// containsAny reports whether data contains one of lits (true when lits is
// nil: unknown).
func containsAny(data []byte, lits [][]byte) bool {
	if lits == nil {
		return true
	}
	for _, l := range lits {
		if bytes.Contains(data, l) {
			return true
		}
	}
	return false
}

// exactSet returns every string re matches when they are few (at most
// 64), nil otherwise.
func exactSet(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == 16 {
					return nil
				}
				out = append(out, string(r))
			}
		}
		return out
	case syntax.OpCapture:
		return exactSet(re.Sub[0])
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			ex := exactSet(s)
			if ex == nil {
				return nil
			}
			if out = product(out, ex); out == nil {
				return nil
			}
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			ex := exactSet(s)
			if ex == nil || len(out)+len(ex) > 64 {
				return nil
			}
			out = append(out, ex...)
		}
		return out
	}
	return nil
}

// product returns every a+b, nil when there would be more than 64.
func product(as, bs []string) []string {
	if len(as)*len(bs) > 64 {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return out
}
