//go:build !unix

package sqlite

import "os"

// lockFile reports the lock as held elsewhere: without flock(2) the
// decision journal is not used, and decisions are stored directly.
func lockFile(string) (*os.File, bool, error) { return nil, false, nil }
