package bulwark_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeCommandsRunFromTheClone: the README's quick start builds
// bin/bulwark and leaves putting it on PATH to the reader, so every shell
// example that runs Bulwark runs bin/bulwark, as a newcomer in the clone
// can paste it.
func TestReadmeCommandsRunFromTheClone(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```sh\n(.*?)```")
	bare := regexp.MustCompile(`(^|[\s;|&(])bulwark\s`)
	checked := 0
	for _, b := range block.FindAllStringSubmatch(string(raw), -1) {
		for _, line := range strings.Split(strings.ReplaceAll(b[1], "\\\n", " "), "\n") {
			line, _, _ = strings.Cut(line, "#")
			if bare.MatchString(line) {
				t.Errorf("runs bulwark from PATH, which the quick start does not set up; run bin/bulwark: %s", strings.TrimSpace(line))
			}
			if strings.Contains(line, "bin/bulwark ") {
				checked++
			}
		}
	}
	if checked < 3 {
		t.Errorf("only %d README commands run bin/bulwark", checked)
	}
}
