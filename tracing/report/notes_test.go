package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
)

func TestWriteNotes(t *testing.T) {
	t.Parallel()
	hub := common.HexToAddress("0x00000000000000000000000000000000000000c2")
	at := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	c := &tracing.Case{ID: 4, Title: "Bybit", Labels: []tracing.CaseLabel{{Address: hub, Name: "Exchange <X>", Category: "exchange", Hub: true}},
		Notes: []tracing.CaseNote{{Address: hub, Author: "user:ann", At: at, Text: "split here\n<img src=x onerror=alert(1)>"}, {Author: "cli:bob", At: at, Text: "sent to the exchange"}}}
	var md bytes.Buffer
	if err := WriteNotesMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Case 4: analyst labels and notes", "- " + hub.Hex() + ": Exchange \\<X\\> (exchange), hub",
		"- 2026-12-07T23:00:00Z, user:ann, on " + hub.Hex() + ":\n\n  > split here\n  > \\<img src=x onerror=alert(1)\\>\n",
		"- 2026-12-07T23:00:00Z, cli:bob, on case:\n\n  > sent to the exchange\n"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(strings.ReplaceAll(md.String(), `\<`, ""), "<") {
		t.Errorf("markup not escaped:\n%s", md.String())
	}
	var js bytes.Buffer
	if err := WriteNotesJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	var back CaseNotes
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Case != 4 || len(back.Notes) != 2 || back.Notes[0] != c.Notes[0] || back.Labels[0] != c.Labels[0] {
		t.Errorf("JSON: %s (%v)", js.String(), err)
	}
	js.Reset()
	if err := WriteNotesJSON(&js, &tracing.Case{ID: 5}); err != nil || !strings.Contains(js.String(), `"labels": [],`) || !strings.Contains(js.String(), `"notes": []`) {
		t.Errorf("empty: %s %v", js.String(), err)
	}
}
