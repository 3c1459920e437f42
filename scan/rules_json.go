package scan

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonLeaf is one value of a JSON document: its dotted path (array
// elements are numbered), the line of its key (or of the value in an
// array), and its text when it is a string or a number.
type jsonLeaf struct {
	path   []string
	line   int
	value  string
	isText bool // value holds a string, number, true, false or null
}

// maxJSONDepth bounds nesting, so that a hostile file cannot exhaust the
// stack.
const maxJSONDepth = 64

// parseJSONC reads a JSON document leniently, as VS Code and npm's
// tooling do: // and /* */ comments, trailing commas, single-quoted
// strings and unquoted keys are accepted. It returns every value with its
// path (objects and arrays too, without text), in document order, and
// false when the document is not JSON-like enough to make sense of.
func parseJSONC(data []byte) ([]jsonLeaf, bool) {
	p := &jsonParser{s: data, line: 1}
	var out []jsonLeaf
	p.skip()
	if !p.value(nil, p.line, 0, &out) {
		return out, false
	}
	p.skip()
	return out, p.i == len(p.s)
}

type jsonParser struct {
	s    []byte
	i    int
	line int
}

// skip passes white space and comments, counting lines.
func (p *jsonParser) skip() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\n':
			p.line++
			p.i++
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == 0xEF && p.i+2 < len(p.s) && p.s[p.i+1] == 0xBB && p.s[p.i+2] == 0xBF:
			p.i += 3
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '/':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '*':
			p.i += 2
			for p.i < len(p.s) && !(p.s[p.i] == '*' && p.i+1 < len(p.s) && p.s[p.i+1] == '/') {
				if p.s[p.i] == '\n' {
					p.line++
				}
				p.i++
			}
			p.i = min(p.i+2, len(p.s))
		default:
			return
		}
	}
}

func (p *jsonParser) value(path []string, line, depth int, out *[]jsonLeaf) bool {
	if p.i >= len(p.s) || depth > maxJSONDepth {
		return false
	}
	switch c := p.s[p.i]; c {
	case '{':
		*out = append(*out, jsonLeaf{path: path, line: line})
		p.i++
		for {
			p.skip()
			if p.i >= len(p.s) {
				return false
			}
			if p.s[p.i] == '}' {
				p.i++
				return true
			}
			keyLine := p.line
			key, ok := p.key()
			if !ok {
				return false
			}
			p.skip()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return false
			}
			p.i++
			p.skip()
			if !p.value(append(path[:len(path):len(path)], key), keyLine, depth+1, out) {
				return false
			}
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return true
			}
			return false
		}
	case '[':
		*out = append(*out, jsonLeaf{path: path, line: line})
		p.i++
		for n := 0; ; n++ {
			p.skip()
			if p.i >= len(p.s) {
				return false
			}
			if p.s[p.i] == ']' {
				p.i++
				return true
			}
			if !p.value(append(path[:len(path):len(path)], strconv.Itoa(n)), p.line, depth+1, out) {
				return false
			}
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return true
			}
			return false
		}
	case '"', '\'':
		s, ok := p.str()
		if !ok {
			return false
		}
		*out = append(*out, jsonLeaf{path: path, line: line, value: s, isText: true})
		return true
	default:
		start := p.i
		for p.i < len(p.s) && !strings.ContainsRune(",}] \t\r\n/", rune(p.s[p.i])) {
			p.i++
		}
		if p.i == start {
			return false
		}
		*out = append(*out, jsonLeaf{path: path, line: line, value: string(p.s[start:p.i]), isText: true})
		return true
	}
}

// key reads an object key: a string or a bare word.
func (p *jsonParser) key() (string, bool) {
	if c := p.s[p.i]; c == '"' || c == '\'' {
		return p.str()
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(": \t\r\n/,{}[]", rune(p.s[p.i])) {
		p.i++
	}
	return string(p.s[start:p.i]), p.i > start
}

// str reads a quoted string, decoding its escapes.
func (p *jsonParser) str() (string, bool) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), true
		case c == '\n':
			return "", false
		case c == '\\' && p.i+1 < len(p.s):
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if p.i+4 <= len(p.s) {
					if v, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32); err == nil {
						b.WriteRune(rune(v))
						p.i += 4
						continue
					}
				}
				b.WriteString(`\u`)
			default:
				b.WriteByte(e)
			}
		default:
			_, n := utf8.DecodeRune(p.s[p.i:])
			b.Write(p.s[p.i : p.i+n])
			p.i += n
		}
	}
	return "", false
}

// pathMatch reports whether path matches pattern (names, * for any one).
func pathMatch(pattern, path []string) bool {
	if len(pattern) != len(path) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != path[i] {
			return false
		}
	}
	return true
}
