//go:build unix

package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// lockFile opens path (creating it) and takes an exclusive flock(2) on it
// without waiting; ok is false when another process holds it. The lock
// lasts until the file is closed, or the process ends, however it ends.
func lockFile(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}
