//go:build unix

package sqlite

import (
	"path/filepath"
	"syscall"
)

// accessReason says, as well as the file system can tell, why SQLite could
// not open or write the store: it needs to write the file and to create
// the -wal and -shm files next to it. access(2) opens no descriptor, so it
// cannot disturb SQLite's locks.
func accessReason(path string) string {
	if err := syscall.Access(path, 0x6 /* R_OK|W_OK */); err != nil {
		return "the file is not writable (" + err.Error() + ")"
	}
	if err := syscall.Access(filepath.Dir(path), 0x3 /* W_OK|X_OK */); err != nil {
		return "its directory is not writable (" + err.Error() + ")"
	}
	return "the file or its -wal/-shm files cannot be written"
}
