//go:build unix

package sqlite

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// tokenGen is the token generation counter that every process using a
// store shares: eight bytes of the file next to it (path + "-tokens"),
// mapped into memory, so that reading it on every request costs an atomic
// load and no system call. Without it (the file cannot be created or
// mapped) generation reads are 0 and a revocation made by another process
// reaches a server within its token cache's lifetime.
type tokenGen struct {
	once sync.Once
	ctr  atomic.Pointer[uint64]
}

func (g *tokenGen) counter(path string) *uint64 {
	g.once.Do(func() {
		f, err := os.OpenFile(path+"-tokens", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		defer f.Close() // the mapping outlives the descriptor
		if fi, err := f.Stat(); err != nil || (fi.Size() < 8 && f.Truncate(8) != nil) {
			return
		}
		mem, err := syscall.Mmap(int(f.Fd()), 0, 8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		if err != nil {
			return
		}
		// The mapping is page-aligned, so the counter is 8-byte aligned
		// as atomic operations need.
		g.ctr.Store((*uint64)(unsafe.Pointer(&mem[0])))
	})
	return g.ctr.Load()
}
