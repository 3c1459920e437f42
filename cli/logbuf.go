package cli

import (
	"io"
	"sync"
	"time"
)

// logFlushEvery is how often serve writes its buffered log lines out.
const logFlushEvery = 100 * time.Millisecond

// logBufferMax is how many bytes of log lines serve holds before it writes
// them out at once.
const logBufferMax = 64 << 10

// bufferedWriter collects writes to w and writes them out every interval,
// or as soon as logBufferMax bytes are waiting, so that a busy server's
// access log costs one write system call per interval instead of one per
// request. Each Write is kept whole and in order; it is safe for
// concurrent use. A crash loses at most the last interval's lines.
type bufferedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	closed bool

	stop chan struct{}
	done chan struct{}
}

func newBufferedWriter(w io.Writer, every time.Duration) *bufferedWriter {
	b := &bufferedWriter{w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.Flush()
			case <-b.stop:
				return
			}
		}
	}()
	return b
}

// Write buffers p. It never fails: a failed write to w drops the lines, as
// an unwritable stderr would.
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if b.closed || len(b.buf) >= logBufferMax {
		b.flushLocked()
	}
	return len(p), nil
}

// Flush writes out what is buffered.
func (b *bufferedWriter) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *bufferedWriter) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	_, _ = b.w.Write(b.buf)
	// The lines may hold a secret shown once (the first admin token): do
	// not keep a copy beyond its write.
	clear(b.buf)
	if cap(b.buf) > 4*logBufferMax {
		b.buf = nil // after a burst of huge lines, do not keep the memory
	} else {
		b.buf = b.buf[:0]
	}
}

// Close stops the periodic writes and writes out what is left. Writes after
// Close go straight to w.
func (b *bufferedWriter) Close() {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.flushLocked()
}
