package safetxservice_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark/safetxservice"
)

// FuzzParsePage: any answer either is refused or gives one entry per
// result, each a transaction of the listed Safe or an error naming its
// place; nothing panics. The seed corpus is in testdata/fuzz/FuzzParsePage.
func FuzzParsePage(f *testing.F) {
	for _, name := range []string{"pending_page1.json", "pending_page2.json", "malformed_page.json"} {
		f.Add([]byte(readFixture(f, name)))
	}
	f.Add([]byte(`{"results": [], "next": null}`))
	f.Add([]byte(`{"results": [{"safe": "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "to": "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "value": 1, "operation": 0, "nonce": 1, "safe": "0x1"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := safetxservice.ParsePage(body, bybit, 0)
		if err != nil {
			if len(p.Entries) != 0 || p.Next != "" {
				t.Fatalf("a refused page with content: %+v", p)
			}
			return
		}
		for i, e := range p.Entries {
			switch {
			case (e.Tx == nil) == (e.Err == nil):
				t.Fatalf("entry %d: tx %v and err %v", i, e.Tx != nil, e.Err)
			case e.Tx != nil && e.Tx.Safe != bybit:
				t.Fatalf("entry %d: of Safe %s", i, e.Tx.Safe.Hex())
			case e.Tx != nil && (e.Nonce == nil || e.Nonce.Cmp(e.Tx.Tx.Nonce) != 0):
				t.Fatalf("entry %d: listed nonce %v, transaction's %v", i, e.Nonce, e.Tx.Tx.Nonce)
			}
			_ = e.Key(bybit)
		}
	})
}
