// Package tomlsafe decodes TOML that someone else wrote (a file, a
// request body) after checking that its arrays and inline tables are not
// nested deeper than MaxDepth: the decoder recurses once per level with
// no limit of its own, so a few MiB of "[[[[…" would overflow the
// goroutine stack and end the process, which no recover catches.
package tomlsafe

import (
	"fmt"

	"github.com/BurntSushi/toml"
)

// MaxDepth is how deep arrays and inline tables may nest ("[[1]]" is 2
// deep; a [[table]] header counts 2 too), and how many parts a dotted key
// may have. Bulwark's files need 3 at most.
const MaxDepth = 16

// DepthError says where the input nests too deep.
type DepthError struct {
	// Line is where the nesting goes past Max.
	Line, Max int
	// Key says a dotted key has more than Max parts.
	Key bool
}

func (e *DepthError) Error() string {
	if e.Key {
		return fmt.Sprintf("line %d: a dotted key of more than %d parts (write it with fewer)", e.Line, e.Max)
	}
	return fmt.Sprintf("line %d: arrays and inline tables nested more than %d deep (write the value with fewer [ and { levels)", e.Line, e.Max)
}

// Decode checks data's nesting (CheckDepth) and decodes it into v as
// toml.Decode does.
func Decode(data string, v any) (toml.MetaData, error) {
	if err := CheckDepth(data, MaxDepth); err != nil {
		return toml.MetaData{}, err
	}
	return toml.Decode(data, v)
}

// CheckDepth returns a *DepthError when the "[" and "{" of data, outside
// strings and comments, nest deeper than max, or when a key (dotted, in
// a line, a [table] header or an inline table) has more than max parts:
// the decoder takes time quadratic in a key's parts. Unbalanced or
// otherwise invalid input is left to the decoder to refuse.
func CheckDepth(data string, max int) error {
	var open []byte // the "[" and "{" open here, innermost last
	inKey, parts, line := true, 1, 1
	inner := func() byte {
		if len(open) == 0 {
			return 0
		}
		return open[len(open)-1]
	}
	startKey := func() { inKey, parts = true, 1 }
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
			if in := inner(); in == 0 || in == '{' {
				startKey()
			}
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			var n int
			i, n = skipString(data, i)
			line += n
		case '.':
			if inKey {
				if parts++; parts > max {
					return &DepthError{Line: line, Max: max, Key: true}
				}
			}
		case '=':
			inKey = false
		case ',':
			if inner() == '{' {
				startKey()
			}
		case '[', '{':
			if open = append(open, c); len(open) > max {
				return &DepthError{Line: line, Max: max}
			}
			if c == '{' {
				startKey()
			} // a "[" keeps a table header's key context, a value's none
		case ']', '}':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
			inKey = false
		}
	}
	return nil
}

// skipString skips the string that opens at data[i] (a quote): basic or
// literal, on one line or multi-line. It returns the index of the
// string's last byte and the newlines inside it.
func skipString(data string, i int) (end, lines int) {
	q := data[i]
	delim := string([]byte{q, q, q})
	multi := len(data)-i >= 3 && data[i:i+3] == delim
	if multi {
		for j := i + 3; j < len(data); j++ {
			switch {
			case data[j] == '\\' && q == '"':
				if j+1 < len(data) && data[j+1] == '\n' {
					lines++
				}
				j++
			case data[j] == '\n':
				lines++
			case len(data)-j >= 3 && data[j:j+3] == delim:
				// One or two quotes may come before the delimiter.
				end = j + 2
				for k := 0; k < 2 && end+1 < len(data) && data[end+1] == q; k++ {
					end++
				}
				return end, lines
			}
		}
		return len(data) - 1, lines
	}
	for j := i + 1; j < len(data); j++ {
		switch {
		case data[j] == '\\' && q == '"' && j+1 < len(data) && data[j+1] != '\n':
			j++
		case data[j] == q:
			return j, lines
		case data[j] == '\n':
			// Not valid TOML: the decoder refuses it; scanning goes on
			// from the next line.
			return j - 1, lines
		}
	}
	return len(data) - 1, lines
}
