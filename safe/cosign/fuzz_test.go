package cosign

import (
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// FuzzApprovalText: a name and note the co-signer accepts are ones the
// store accepts too (Approval.Check), and so are a name's as an OS user
// and host, so that an approval is never refused
// after its audit entry was written.
func FuzzApprovalText(f *testing.F) {
	for _, s := range [][2]string{{"alice", ""}, {" bob ", "planned\nupgrade\twith\r\nlines"}, {"", "x"}, {"a\x00b", ""}, {"é", "\u0085"}, {"x\u200b", "\xff"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, note string) {
		n, err := checkText("approver", "", name, MaxApproverLen, true, false)
		if err != nil {
			return
		}
		nt, err := checkText("note", "", note, MaxNoteLen, false, true)
		if err != nil {
			return
		}
		// The name also stands for an OS user and host, which are checked
		// as names are.
		a := Approval{ChainID: big.NewInt(1), Safe: common.Address{1}, SafeTxHash: common.Hash{1}, Approver: n, Note: nt, AuditSeq: 1,
			Digest: "tx=1", Expires: time.Unix(1, 0), OSUser: n, Host: n}
		if err := a.Check(); err != nil {
			t.Fatalf("accepted %q / %q, the store refuses: %v", n, nt, err)
		}
	})
}
