package cosign

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
)

// TestCheckSignatureMalformed: a signature of the wrong length (empty
// included) or with a bad v is an error, never a panic.
func TestCheckSignatureMalformed(t *testing.T) {
	t.Parallel()
	bad := make([]byte, 65)
	bad[64] = 1
	for name, sig := range map[string][]byte{"nil": nil, "empty": {}, "short": make([]byte, 64), "long": make([]byte, 66), "v 1": bad} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := checkSignature(common.Hash{1}, sig, common.Address{2}); !bulwark.IsCode(err, bulwark.EINTERNAL) {
				t.Errorf("checkSignature = %v, want EINTERNAL", err)
			}
		})
	}
}
