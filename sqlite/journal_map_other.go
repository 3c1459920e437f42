//go:build !linux

package sqlite

import (
	"errors"
	"os"
)

// mapSegment is not used here: appends are written with pwrite(2).
func mapSegment(*os.File, int64) ([]byte, error) {
	return nil, errors.ErrUnsupported
}

func unmapSegment([]byte) error { return nil }
