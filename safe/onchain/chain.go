package onchain

import (
	"context"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// ChainReader is what the safe package needs from a node to read a Safe's
// state: the chain id, the latest block number, and batches of state reads
// (code, storage slots, balances, nonces, eth_call) at one block. The
// ethrpc adapter implements it on its JSON-RPC client (one batch becomes as
// few HTTP requests as the client's batch size allows); tests implement it
// with a map.
//
// Implementations must be safe for concurrent use.
type ChainReader interface {
	// ChainID returns the node's chain id (eth_chainId).
	ChainID(ctx context.Context) (uint64, error)
	// BlockNumber returns the number of the node's latest block; readers
	// use it to pin [LatestBlock] to one block for all the reads of a
	// call.
	BlockNumber(ctx context.Context) (uint64, error)
	// BatchRead performs every read in reads at block, filling in each
	// read's Out (or Reverted) or its Err. It returns an error only when
	// the exchange with the node failed as a whole (unreachable, timed
	// out, malformed response); a single failed read is reported in its
	// Err and leaves the others intact.
	BatchRead(ctx context.Context, block BlockID, reads []Read) error
}

// ReadKind is the kind of a state read.
type ReadKind uint8

// Kinds of state reads.
const (
	// ReadCode reads the runtime code of Addr (eth_getCode); Out is the
	// code, empty for an account without code.
	ReadCode ReadKind = iota + 1
	// ReadStorage reads storage slot Slot of Addr (eth_getStorageAt); Out
	// is the 32-byte word.
	ReadStorage
	// ReadBalance reads the ETH balance of Addr in wei (eth_getBalance);
	// Out is the balance as a 32-byte big-endian word.
	ReadBalance
	// ReadCall calls Addr with Data from the zero address (eth_call); Out
	// is the return data. A call that reverts is not an error: Reverted is
	// set and Out holds the revert data.
	ReadCall
	// ReadNonce reads the account nonce of Addr (eth_getTransactionCount);
	// Out is the nonce as a 32-byte big-endian word. A state read asks for
	// it only for an address without code: nonce 0 is an address that may
	// still become a Safe, a nonce above 0 one that never can.
	ReadNonce
)

// String returns the JSON-RPC method the kind corresponds to.
func (k ReadKind) String() string {
	switch k {
	case ReadCode:
		return "eth_getCode"
	case ReadStorage:
		return "eth_getStorageAt"
	case ReadBalance:
		return "eth_getBalance"
	case ReadCall:
		return "eth_call"
	case ReadNonce:
		return "eth_getTransactionCount"
	}
	return "read kind " + strconv.Itoa(int(k))
}

// Read is one state read in a [ChainReader.BatchRead] batch: Kind, Addr and,
// by kind, Slot or Data are the question; Out, Reverted and Err the answer.
type Read struct {
	Kind ReadKind
	Addr common.Address
	Slot common.Hash // ReadStorage
	Data []byte      // ReadCall: call data

	// Out is the answer; see the kinds. Storage words and balances are
	// always 32 bytes.
	Out []byte
	// Reverted reports that a ReadCall reverted; Out is the revert data.
	Reverted bool
	// Err is set when this read failed (the node refused it, answered
	// something malformed …); Out is then empty.
	Err error
}

// BlockID names the block a state read is made at: the latest block, a
// block number, or a block hash. The zero value is the latest block.
// Reading by hash (EIP-1898) is what a watcher wants: a reorg cannot swap
// the block under it, the node answers for that block or fails.
type BlockID struct {
	kind   uint8 // 0 latest, 1 number, 2 hash
	number uint64
	hash   common.Hash
}

const (
	blockLatest uint8 = iota
	blockNumber
	blockHash
)

// LatestBlock is the latest block. Reading functions of this package pin it
// to a block number first, so that all their reads see one block.
var LatestBlock = BlockID{}

// AtBlockNumber returns the BlockID of block number n.
func AtBlockNumber(n uint64) BlockID { return BlockID{kind: blockNumber, number: n} }

// AtBlockHash returns the BlockID of the block with hash h.
func AtBlockHash(h common.Hash) BlockID { return BlockID{kind: blockHash, hash: h} }

// IsLatest reports whether b is the latest block.
func (b BlockID) IsLatest() bool { return b.kind == blockLatest }

// Number returns the block number and true when b names a block by number.
func (b BlockID) Number() (uint64, bool) { return b.number, b.kind == blockNumber }

// Hash returns the block hash and true when b names a block by hash.
func (b BlockID) Hash() (common.Hash, bool) { return b.hash, b.kind == blockHash }

// String returns "latest", the decimal block number, or the 0x block hash.
func (b BlockID) String() string {
	switch b.kind {
	case blockNumber:
		return strconv.FormatUint(b.number, 10)
	case blockHash:
		return b.hash.Hex()
	}
	return "latest"
}

// Event topics the approval scan (posture) and the watcher filter on.
var (
	// TopicApproveHash is ApproveHash(bytes32 indexed approvedHash, address
	// indexed owner), emitted by approveHash from 1.0.0.
	TopicApproveHash = crypto.Keccak256Hash([]byte("ApproveHash(bytes32,address)"))
	// TopicExecutionSuccess and TopicExecutionFailure carry the executed
	// safeTxHash: as their first data word up to 1.3.0, as an indexed
	// topic from 1.4.0.
	TopicExecutionSuccess = crypto.Keccak256Hash([]byte("ExecutionSuccess(bytes32,uint256)"))
	TopicExecutionFailure = crypto.Keccak256Hash([]byte("ExecutionFailure(bytes32,uint256)"))
	// TopicExecutionFailed is 1.0.0's ExecutionFailed(bytes32).
	TopicExecutionFailed = crypto.Keccak256Hash([]byte("ExecutionFailed(bytes32)"))
)

// LogFilter is an eth_getLogs query: the logs of Address from FromBlock to
// ToBlock inclusive whose first topic is one of Topics0 (any when empty).
type LogFilter struct {
	Address common.Address
	// Addresses, when not empty, replaces Address: the logs of any of them.
	Addresses          []common.Address
	FromBlock, ToBlock uint64
	// BlockHash, when set, replaces the range: the logs of that block only
	// (EIP-234), so that a reorg cannot swap the block under the query.
	BlockHash *common.Hash
	Topics0   []common.Hash
}

// EventLog is one log an eth_getLogs query returned.
type EventLog struct {
	Address     common.Address
	BlockNumber uint64
	TxHash      common.Hash
	Topics      []common.Hash
	Data        []byte
	Removed     bool
}

// LogReader is the optional part of a [ChainReader] the approval scan of
// posture.Audit and the watcher need (the ethrpc client implements it). A
// reader without it, or a node that refuses the query, leaves approvals
// unchecked: the report says so with an info finding, the rest of the
// audit stands.
type LogReader interface {
	ReadLogs(ctx context.Context, f LogFilter) ([]EventLog, error)
}
