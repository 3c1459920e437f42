package sqlite

import (
	"os"
	"syscall"
)

// mapSegment maps the first size bytes of segment f shared and writable,
// so that an append is a copy into the page cache instead of a pwrite(2):
// the copy is in the file once made (a killed process loses nothing of
// it), and fdatasync flushes it like a written page.
func mapSegment(f *os.File, size int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

func unmapSegment(m []byte) error { return syscall.Munmap(m) }
