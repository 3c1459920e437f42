package bulwark

import "strconv"

// Plural returns n followed by one or many, as n requires: "1 owner",
// "0 owners", "1 entry", "2 entries".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
