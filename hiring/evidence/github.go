package evidence

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/hiring"
)

// ReadGitHub reads GitHub profiles: the REST API's user objects (GET
// /users/{username}) as a JSON object per line, an array of them, or one
// object. Of a user object it reads login and created_at; every other
// field is ignored. An object may carry a "commits" array of commit
// objects as the REST API returns them (GET /repos/{owner}/{repo}/commits
// or /search/commits items): of each it reads commit.author.date (the
// author time, with its offset), else commit.committer.date:
//
//	{"login": "octo-dev", "created_at": "2024-05-02T10:00:00Z",
//	 "commits": [{"sha": "…", "commit": {"author": {"date": "2019-03-01T09:12:44+09:00"}}}]}
//
// A login (compared without case) may appear once; times must carry a
// zone. The file is within the default Limits; all or nothing.
func ReadGitHub(r io.Reader, name string) ([]hiring.GitHubProfile, error) {
	return ReadGitHubLimits(r, name, Limits{})
}

// ReadGitHubLimits is ReadGitHub with other limits (a zero field takes
// its default).
func ReadGitHubLimits(r io.Reader, name string, lim Limits) ([]hiring.GitHubProfile, error) {
	lim = lim.withDefaults()
	br, first, err := openEvidence(r, name, lim)
	if err != nil {
		return nil, err
	}
	if first != '[' && first != '{' {
		if first == 0 {
			return nil, fileError(name, "is empty: expected GitHub REST API user objects (login, created_at) as JSON")
		}
		return nil, fileError(name, "is not JSON: expected GitHub REST API user objects (login, created_at) as a JSON array, JSON lines or one object")
	}
	var out []hiring.GitHubProfile
	seen := map[string]int{}
	err = eachJSON(br, name, lim, func(rec jsonRecord) error {
		var u struct {
			Login     string  `json:"login"`
			CreatedAt *string `json:"created_at"`
			Commits   []struct {
				Commit struct {
					Author struct {
						Date string `json:"date"`
					} `json:"author"`
					Committer struct {
						Date string `json:"date"`
					} `json:"committer"`
				} `json:"commit"`
			} `json:"commits"`
		}
		if err := unmarshalRecord(rec, name, &u); err != nil {
			return err
		}
		p := hiring.GitHubProfile{Login: strings.TrimSpace(u.Login), Line: rec.line}
		if p.Login == "" {
			return lineError(name, rec.line, "login", "is empty: expected a GitHub REST API user object (login, created_at)")
		}
		k := strings.ToLower(p.Login)
		if l, dup := seen[k]; dup {
			return lineError(name, rec.line, "login", "is also the login on line %d: give each profile once", l)
		}
		seen[k] = rec.line
		if u.CreatedAt == nil {
			return lineError(name, rec.line, "created_at", "is missing: the account's creation time is what the age check needs")
		}
		var err error
		if p.CreatedAt, err = parseTime(*u.CreatedAt, false); err != nil {
			return lineError(name, rec.line, "created_at", "%s", msg(err))
		}
		for i, c := range u.Commits {
			d, field := c.Commit.Author.Date, "commits["+strconv.Itoa(i)+"].commit.author.date"
			if d == "" {
				d = c.Commit.Committer.Date
			}
			var t time.Time
			if t, err = parseTime(d, false); err != nil {
				return lineError(name, rec.line, field, "%s", msg(err))
			}
			p.CommitTimes = append(p.CommitTimes, t)
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
