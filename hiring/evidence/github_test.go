package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring"
)

func TestReadGitHubFile(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "github", "users.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := ReadGitHub(f, "users.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || len(ps[0].CommitTimes) != 2 || len(ps[1].CommitTimes) != 0 {
		t.Fatalf("%+v", ps)
	}
	// The author time keeps its offset; the account is younger than it.
	if _, off := ps[0].CommitTimes[0].Zone(); off != 9*3600 || !ps[0].CommitTimes[0].Before(ps[0].CreatedAt) {
		t.Errorf("commit time %v, created %v", ps[0].CommitTimes[0], ps[0].CreatedAt)
	}
	out := make([]lined[hiring.GitHubProfile], len(ps))
	for i, p := range ps {
		out[i] = lined[hiring.GitHubProfile]{p.Line, p}
	}
	golden(t, "github_users_json.json", out)
}

func TestReadGitHubForms(t *testing.T) {
	t.Parallel()
	one := `{"login":"a","created_at":"2020-01-01T00:00:00Z"}`
	two := `{"login":"b","created_at":"2021-01-01T00:00:00Z","commits":[{"commit":{"committer":{"date":"2021-02-01T00:00:00-05:00"}}}]}`
	for name, in := range map[string]string{
		"object":     one,
		"lines":      one + "\n" + two + "\n",
		"array":      "[" + one + "," + two + "]",
		"two arrays": "[" + one + "]\n[" + two + "]",
		"pretty":     "{\n  \"login\": \"a\",\n  \"created_at\": \"2020-01-01T00:00:00Z\"\n}\n" + two,
	} {
		ps, err := ReadGitHub(bytes.NewReader([]byte(in)), "f")
		if err != nil || len(ps) == 0 || ps[0].Login != "a" {
			t.Errorf("%s: %+v, %v", name, ps, err)
		}
		if len(ps) == 2 && len(ps[1].CommitTimes) != 1 {
			t.Errorf("%s: committer date not used: %+v", name, ps[1])
		}
	}
}

func TestReadGitHubErrors(t *testing.T) {
	t.Parallel()
	cases := []errCase{
		{"empty", "", "", []string{"f: is empty"}},
		{"csv", "login,created_at\n", "", []string{"f: is not JSON"}},
		{"no login", `{"created_at":"2020-01-01T00:00:00Z"}`, "", []string{"f: line 1: login: is empty"}},
		{"no created_at", `{"login":"a"}`, "", []string{"f: line 1: created_at: is missing"}},
		{"zone-less", `{"login":"a","created_at":"2020-01-01T00:00:00"}`, "", []string{"f: line 1: created_at:", "no time zone"}},
		{"duplicate", `{"login":"a","created_at":"2020-01-01T00:00:00Z"}` + "\n" + `{"login":"A","created_at":"2020-01-01T00:00:00Z"}`, "", []string{"f: line 2: login:", "line 1"}},
		{"commit date", `{"login":"a","created_at":"2020-01-01T00:00:00Z","commits":[{"commit":{"author":{"date":"2020-01-01T00:00:00Z"}}},{"commit":{"author":{"date":"yesterday"}}}]}`, "", []string{"f: line 1: commits[1].commit.author.date:"}},
		{"no commit date", `{"login":"a","created_at":"2020-01-01T00:00:00Z","commits":[{"sha":"x"}]}`, "", []string{"f: line 1: commits[0].commit.author.date: is empty"}},
		{"commits type", `{"login":"a","created_at":"2020-01-01T00:00:00Z","commits":"many"}`, "", []string{"f: line 1: commits: is a JSON string"}},
	}
	runErrCases(t, cases, func(data []byte) (int, error) {
		ps, err := ReadGitHub(bytes.NewReader(data), "f")
		return len(ps), err
	})
}
