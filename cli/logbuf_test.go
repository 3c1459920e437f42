package cli

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter records what was written and in how many writes.
type countingWriter struct {
	mu     sync.Mutex
	b      strings.Builder
	writes int
	wrote  chan struct{}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.b.Write(p)
	c.writes++
	select {
	case c.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (c *countingWriter) get() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String(), c.writes
}

func TestBufferedWriter(t *testing.T) {
	t.Parallel()
	t.Run("lines batched, whole and in order", func(t *testing.T) {
		t.Parallel()
		w := &countingWriter{wrote: make(chan struct{}, 1)}
		b := newBufferedWriter(w, time.Hour) // no periodic flush in this test
		var want strings.Builder
		for i := range 1000 {
			line := fmt.Sprintf("line %d\n", i)
			want.WriteString(line)
			b.Write([]byte(line))
		}
		if got, n := w.get(); n != 0 || got != "" {
			t.Fatalf("%d writes before the buffer filled or closed", n)
		}
		b.Close()
		got, n := w.get()
		if got != want.String() || n != 1 {
			t.Fatalf("%d writes, output equal: %t", n, got == want.String())
		}
		// After Close, writes go straight through.
		b.Write([]byte("late\n"))
		if got, n := w.get(); !strings.HasSuffix(got, "line 999\nlate\n") || n != 2 {
			t.Fatalf("write after Close: %d writes, tail %q", n, got[len(got)-20:])
		}
	})
	t.Run("a full buffer is written at once", func(t *testing.T) {
		t.Parallel()
		w := &countingWriter{wrote: make(chan struct{}, 1)}
		b := newBufferedWriter(w, time.Hour)
		defer b.Close()
		line := strings.Repeat("x", 1023) + "\n"
		for range logBufferMax / len(line) {
			b.Write([]byte(line))
		}
		if got, n := w.get(); n != 1 || len(got) != logBufferMax {
			t.Fatalf("%d writes of %d bytes, want 1 of %d", n, len(got), logBufferMax)
		}
	})
	t.Run("written out periodically", func(t *testing.T) {
		t.Parallel()
		w := &countingWriter{wrote: make(chan struct{}, 1)}
		b := newBufferedWriter(w, time.Millisecond)
		defer b.Close()
		b.Write([]byte("API listening\n"))
		select {
		case <-w.wrote:
		case <-time.After(10 * time.Second):
			t.Fatal("the line was not written out without Close")
		}
		if got, _ := w.get(); got != "API listening\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("concurrent writers", func(t *testing.T) {
		t.Parallel()
		w := &countingWriter{wrote: make(chan struct{}, 1)}
		b := newBufferedWriter(w, time.Millisecond)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 500 {
					b.Write([]byte(fmt.Sprintf("g%d %d\n", g, i)))
				}
			}()
		}
		wg.Wait()
		b.Close()
		got, _ := w.get()
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) != 4000 {
			t.Fatalf("%d lines, want 4000", len(lines))
		}
		next := map[string]int{}
		for _, l := range lines {
			var g string
			var i int
			if _, err := fmt.Sscanf(l, "%s %d", &g, &i); err != nil || next[g] != i {
				t.Fatalf("line %q out of order or torn (want %s %d)", l, g, next[g])
			}
			next[g]++
		}
	})
}
