package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSafeVerifySameFileCLIAndAPI gives the Safe Transaction Service's
// JSON of Bybit's nonce 71, unmodified, to the built binary's 'safe
// verify' and to a running server's POST /api/v1/safe/verify: the chain and
// version go in flags for one and the query for the other, and both reach
// the same hashes, findings and verdict. Without them the API says which
// field is missing and how to give it.
func TestSafeVerifySameFileCLIAndAPI(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	file := verifyFile("bybit-nonce71")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		SafeTxHash, DomainHash, MessageHash, Verdict string
		Findings                                     []struct{ Code, Path string }
	}
	codes := func(r result) []string {
		var out []string
		for _, f := range r.Findings {
			out = append(out, f.Code+"@"+f.Path)
		}
		slices.Sort(out)
		return out
	}

	// The global --data-dir before the command, as users of git write it.
	code, stdout, stderr := runBin(t, bin, "--data-dir", filepath.Join(t.TempDir(), "cli"), "safe", "verify", "--tx", file, "--chain-id", "1", "--safe-version", "1.1.1", "--json")
	var cli result
	if err := json.Unmarshal([]byte(stdout), &cli); code != 3 || err != nil || cli.Verdict != "reject" {
		t.Fatalf("CLI: exit %d, %v, stderr %q\n%s", code, err, stderr, stdout)
	}

	s := startServer(t, bin, filepath.Join(t.TempDir(), "api"))
	status, body := request(t, "POST", s.url+"/api/v1/safe/verify", s.token, string(raw))
	var refused struct {
		Error struct{ Code, Message, Field string }
	}
	if err := json.Unmarshal([]byte(body), &refused); status != 400 || err != nil || refused.Error.Field != "chainId" ||
		!strings.Contains(refused.Error.Message, "put chainId=N and safeVersion=V in the URL's query string") {
		t.Fatalf("API without the query: %d %s", status, body)
	}
	status, body = request(t, "POST", s.url+"/api/v1/safe/verify?chainId=1&safeVersion=1.1.1", s.token, string(raw))
	var api result
	if err := json.Unmarshal([]byte(body), &api); status != 200 || err != nil {
		t.Fatalf("API: %d, %v: %s", status, err, body)
	}
	if api.SafeTxHash != cli.SafeTxHash || api.DomainHash != cli.DomainHash || api.MessageHash != cli.MessageHash ||
		api.Verdict != cli.Verdict || !slices.Equal(codes(api), codes(cli)) {
		t.Errorf("API and CLI differ:\nAPI %+v\nCLI %+v", api, cli)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d:\n%s", code, s.stderr)
	}
}
