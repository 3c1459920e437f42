package safe

import (
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
)

// Type hashes, computed from the type strings the contracts quote next to
// their constants (GnosisSafe.sol / Safe.sol at each release tag).
var (
	// DomainTypeHash is keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"), 1.3.0 and later.
	DomainTypeHash = crypto.Keccak256Hash([]byte("EIP712Domain(uint256 chainId,address verifyingContract)"))
	// LegacyDomainTypeHash is keccak256("EIP712Domain(address verifyingContract)"), 0.1.0 to 1.2.0.
	LegacyDomainTypeHash = crypto.Keccak256Hash([]byte("EIP712Domain(address verifyingContract)"))
	// SafeTxTypeHash is the SafeTx type hash with baseGas, 1.0.0 and later.
	SafeTxTypeHash = crypto.Keccak256Hash([]byte("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"))
	// DataGasSafeTxTypeHash is the SafeTx type hash with dataGas, before 1.0.0.
	DataGasSafeTxTypeHash = crypto.Keccak256Hash([]byte("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 dataGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"))
	// SafeMessageTypeHash is keccak256("SafeMessage(bytes message)"), every version.
	SafeMessageTypeHash = crypto.Keccak256Hash([]byte("SafeMessage(bytes message)"))
)

// Function selectors the package encodes calls to.
var (
	// ExecTransactionSelector selects execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes);
	// the parameter types are the same in every version (the sixth is named dataGas before 1.0.0).
	ExecTransactionSelector = Selector("execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)")
	// ApproveHashSelector selects approveHash(bytes32).
	ApproveHashSelector = Selector("approveHash(bytes32)")
)

func Selector(sig string) [4]byte {
	var s [4]byte
	copy(s[:], crypto.Keccak256([]byte(sig)))
	return s
}

// Operation is how a Safe executes a transaction.
type Operation uint8

// Safe operations (Enum.Operation in the contracts).
const (
	Call         Operation = 0
	DelegateCall Operation = 1
	Create       Operation = 2 // before 1.0.0 only
)

// String returns the operation's name, e.g. "DELEGATECALL".
func (o Operation) String() string {
	switch o {
	case Call:
		return "CALL"
	case DelegateCall:
		return "DELEGATECALL"
	case Create:
		return "CREATE"
	}
	return "UNKNOWN(" + strconv.Itoa(int(o)) + ")"
}

// Domain identifies the EIP-712 domain a Safe signs in: the Safe's address,
// its version and, from 1.3.0, the chain id.
type Domain struct {
	// ChainID is the EIP-155 chain id. Versions up to 1.2.0 ignore it (their
	// domain has none); from 1.3.0 it is required.
	ChainID *big.Int
	Safe    common.Address
	Version Version
}

// Separator returns the domain separator (the "domain hash") exactly as
// the Safe's domainSeparator() computes it for d.Version.
func (d Domain) Separator() (common.Hash, error) {
	if !d.Version.Known() {
		return common.Hash{}, bulwark.Invalid("safeVersion", "unknown Safe version %s (supported: %s)", Quote(d.Version.String()), SupportedList())
	}
	if !d.Version.DomainHasChainID() {
		buf := make([]byte, 64)
		copy(buf, LegacyDomainTypeHash[:])
		putAddress(buf[32:], d.Safe)
		return crypto.Keccak256Hash(buf), nil
	}
	if d.ChainID == nil || d.ChainID.Sign() <= 0 || d.ChainID.Cmp(MaxUint256) > 0 {
		return common.Hash{}, bulwark.Invalid("chainId", "Safe %s signs with the chain id in its domain: give a chain id from 1 to 2^256-1", d.Version)
	}
	buf := make([]byte, 96)
	copy(buf, DomainTypeHash[:])
	d.ChainID.FillBytes(buf[32:64])
	putAddress(buf[64:], d.Safe)
	return crypto.Keccak256Hash(buf), nil
}

// Tx is a Safe transaction: the fields of the SafeTx struct the owners sign.
// Nil integers are zero.
type Tx struct {
	To             common.Address
	Value          *big.Int
	Data           []byte
	Operation      Operation
	SafeTxGas      *big.Int
	BaseGas        *big.Int // dataGas before 1.0.0
	GasPrice       *big.Int
	GasToken       common.Address
	RefundReceiver common.Address
	Nonce          *big.Int
}

// TxHashes are the hashes of one Safe transaction.
type TxHashes struct {
	// DomainHash is the domain separator (a Ledger's "Domain hash").
	DomainHash common.Hash
	// MessageHash is the SafeTx struct hash (a Ledger's "Message hash").
	MessageHash common.Hash
	// SafeTxHash is keccak256(0x19 ‖ 0x01 ‖ DomainHash ‖ MessageHash): what the
	// Safe's getTransactionHash returns and an EIP-712 signature signs.
	SafeTxHash common.Hash
	// EthSignHash is the EIP-191 personal_sign hash of SafeTxHash: what an
	// eth_sign signature (v > 30 in the Safe's signature bytes) signs.
	EthSignHash common.Hash
	// EncodedMessage is abi.encode(SAFE_TX_TYPEHASH, to, value, keccak256(data),
	// operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce),
	// the preimage of MessageHash.
	EncodedMessage []byte
}

// HashTx computes the hashes of tx in domain d exactly as the Safe contract
// of d.Version does. It rejects out-of-range integers and operations the
// version does not execute.
func (d Domain) HashTx(tx Tx) (TxHashes, error) {
	domain, err := d.Separator()
	if err != nil {
		return TxHashes{}, err
	}
	if err := tx.check(d.Version); err != nil {
		return TxHashes{}, err
	}
	typeHash := SafeTxTypeHash
	if d.Version.UsesDataGas() {
		typeHash = DataGasSafeTxTypeHash
	}
	enc := make([]byte, 11*32)
	copy(enc, typeHash[:])
	putAddress(enc[32:], tx.To)
	PutUint(enc[64:], tx.Value)
	copy(enc[96:], crypto.Keccak256(tx.Data))
	enc[159] = byte(tx.Operation)
	PutUint(enc[160:], tx.SafeTxGas)
	PutUint(enc[192:], tx.BaseGas)
	PutUint(enc[224:], tx.GasPrice)
	putAddress(enc[256:], tx.GasToken)
	putAddress(enc[288:], tx.RefundReceiver)
	PutUint(enc[320:], tx.Nonce)
	message := crypto.Keccak256Hash(enc)
	safeTxHash := TypedHash(domain, message)
	return TxHashes{
		DomainHash:     domain,
		MessageHash:    message,
		SafeTxHash:     safeTxHash,
		EthSignHash:    EIP191Hash(safeTxHash[:]),
		EncodedMessage: enc,
	}, nil
}

// check validates the integers and the operation of tx for version v.
func (tx Tx) check(v Version) error {
	for _, f := range []struct {
		name string
		n    *big.Int
	}{{"value", tx.Value}, {"safeTxGas", tx.SafeTxGas}, {"baseGas", tx.BaseGas}, {"gasPrice", tx.GasPrice}, {"nonce", tx.Nonce}} {
		if err := CheckUint256(f.name, f.n); err != nil {
			return err
		}
	}
	return CheckOperation("operation", tx.Operation, v)
}

func CheckUint256(field string, n *big.Int) error {
	if n == nil {
		return nil
	}
	if n.Sign() < 0 {
		return bulwark.Invalid(field, "%s is negative: a uint256 is 0 or more", n)
	}
	if n.Cmp(MaxUint256) > 0 {
		return bulwark.Invalid(field, "%s is larger than 2^256-1, the uint256 maximum", n)
	}
	return nil
}

// TypedHash returns keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash), the
// EIP-712 digest that is signed.
func TypedHash(domainSeparator, structHash common.Hash) common.Hash {
	var buf [66]byte
	buf[0], buf[1] = 0x19, 0x01
	copy(buf[2:], domainSeparator[:])
	copy(buf[34:], structHash[:])
	return crypto.Keccak256Hash(buf[:])
}

// EIP191Hash returns the EIP-191 personal_sign hash of msg:
// keccak256("\x19Ethereum Signed Message:\n" ‖ len(msg) in decimal ‖ msg).
func EIP191Hash(msg []byte) common.Hash {
	prefix := "\x19Ethereum Signed Message:\n" + strconv.Itoa(len(msg))
	return crypto.Keccak256Hash([]byte(prefix), msg)
}

// LedgerHex renders a hash the way the Ledger Ethereum app displays the
// domain and message hashes when it blind-signs EIP-712 data: "0x" followed
// by upper-case hex (app-ethereum formats them with array_bytes_string, which
// writes "0x" and the SDK's upper-case format_hex).
func LedgerHex(h common.Hash) string {
	return "0x" + strings.ToUpper(hex.EncodeToString(h[:]))
}

// ExecTransactionCalldata returns the calldata of
// execTransaction(to, value, data, operation, safeTxGas, baseGas, gasPrice,
// gasToken, refundReceiver, signatures) for tx with the given signature
// bytes (nil for none). Its keccak256 is what a wallet that shows a calldata
// digest displays to whoever submits the transaction.
func ExecTransactionCalldata(tx Tx, signatures []byte) ([]byte, error) {
	for _, f := range []struct {
		name string
		n    *big.Int
	}{{"value", tx.Value}, {"safeTxGas", tx.SafeTxGas}, {"baseGas", tx.BaseGas}, {"gasPrice", tx.GasPrice}} {
		if err := CheckUint256(f.name, f.n); err != nil {
			return nil, err
		}
	}
	dataWords := PaddedLen(len(tx.Data))
	sigWords := PaddedLen(len(signatures))
	out := make([]byte, 4+10*32+32+dataWords+32+sigWords)
	copy(out, ExecTransactionSelector[:])
	head := out[4:]
	putAddress(head[0:], tx.To)
	PutUint(head[32:], tx.Value)
	dataOffset := 10 * 32
	PutUint(head[64:], big.NewInt(int64(dataOffset)))
	head[127] = byte(tx.Operation)
	PutUint(head[128:], tx.SafeTxGas)
	PutUint(head[160:], tx.BaseGas)
	PutUint(head[192:], tx.GasPrice)
	putAddress(head[224:], tx.GasToken)
	putAddress(head[256:], tx.RefundReceiver)
	sigOffset := dataOffset + 32 + dataWords
	PutUint(head[288:], big.NewInt(int64(sigOffset)))
	PutUint(head[dataOffset:], big.NewInt(int64(len(tx.Data))))
	copy(head[dataOffset+32:], tx.Data)
	PutUint(head[sigOffset:], big.NewInt(int64(len(signatures))))
	copy(head[sigOffset+32:], signatures)
	return out, nil
}

// ApproveHashData returns the calldata of approveHash(hash).
func ApproveHashData(hash common.Hash) []byte {
	out := make([]byte, 4+32)
	copy(out, ApproveHashSelector[:])
	copy(out[4:], hash[:])
	return out
}

// ApproveHashTx returns the transaction a parent Safe (one that owns child)
// signs and executes to approve childSafeTxHash on child: a CALL of
// child.approveHash(childSafeTxHash) with no value, no gas refund and the
// parent's nonce. Once executed, the parent's approval counts as its
// signature on the child transaction.
func ApproveHashTx(child common.Address, childSafeTxHash common.Hash, parentNonce *big.Int) Tx {
	return Tx{
		To:        child,
		Data:      ApproveHashData(childSafeTxHash),
		Operation: Call,
		Nonce:     parentNonce,
	}
}

// PutUint writes n (nil is zero; callers have range-checked it) as a
// big-endian 32-byte word at the start of dst.
func PutUint(dst []byte, n *big.Int) {
	if n == nil {
		return
	}
	n.FillBytes(dst[:32])
}

// putAddress writes a as a left-padded 32-byte word at the start of dst.
func putAddress(dst []byte, a common.Address) {
	copy(dst[12:32], a[:])
}

// PaddedLen is n rounded up to whole 32-byte words.
func PaddedLen(n int) int { return (n + 31) / 32 * 32 }
