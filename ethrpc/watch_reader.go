package ethrpc

import (
	"context"

	"github.com/bulwark-sec/bulwark/safe/watch"
)

// WatchReader is a Client seen as the Safe watcher's watch.Reader: the
// Client's state reads plus canonical block headers by number.
type WatchReader struct{ *Client }

var _ watch.Reader = WatchReader{}

// BlockHeader returns the number, hash and parent hash of block num of the
// canonical chain; ENOTFOUND when the node has no such block.
func (n WatchReader) BlockHeader(ctx context.Context, num uint64) (watch.BlockHeader, error) {
	h, err := n.HeaderByNumber(ctx, AtBlock(num))
	if err != nil {
		return watch.BlockHeader{}, err
	}
	return watch.BlockHeader{Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash}, nil
}
