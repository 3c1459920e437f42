package outbox

import (
	"context"
	"time"
)

// Background runs a Service for a process: Start runs it in its own
// goroutine, the producer calls Wake after each message it commits, and
// the process ends it with Stop (a server) or Drain (a command about to
// exit). A nil *Background (a process that delivers nothing) does nothing.
type Background struct {
	svc  *Service
	stop context.CancelFunc
	done chan struct{}
	// graceOver is closed Grace after Start's context ends (SIGINT,
	// SIGTERM): the end of the attempt in flight and of Drain.
	graceOver chan struct{}
}

// Start runs s until Stop or Drain: every message due at once, each new one
// when Wake is called. When ctx ends, the attempt in flight, and Drain,
// get the Service's Grace.
func Start(ctx context.Context, s *Service) *Background {
	rctx, stop := context.WithCancel(ctx)
	b := &Background{svc: s, stop: stop, done: make(chan struct{}), graceOver: make(chan struct{})}
	context.AfterFunc(ctx, func() { time.AfterFunc(s.opt.Grace, func() { close(b.graceOver) }) })
	go func() {
		defer close(b.done)
		s.Run(rctx)
	}()
	return b
}

// Service returns the Service b runs (nil for a nil b).
func (b *Background) Service() *Service {
	if b == nil {
		return nil
	}
	return b.svc
}

// Wake tells the delivery a message was committed; it never blocks.
func (b *Background) Wake() {
	if b != nil {
		b.svc.Wake()
	}
}

// Stop stops the delivery (an attempt in flight gets the Grace) and
// returns when it has.
func (b *Background) Stop() {
	if b == nil {
		return
	}
	b.stop()
	<-b.done
}

// Drain stops the background delivery, then delivers what is due and
// waits for the fast retries (Service.Drain); after Start's context
// ended, all of it within the Grace. It returns the messages left
// undelivered.
func (b *Background) Drain(ctx context.Context) Stats {
	if b == nil {
		return Stats{}
	}
	b.Stop()
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		select {
		case <-b.graceOver:
			cancel()
		case <-dctx.Done():
		}
	}()
	st, _ := b.svc.Drain(dctx)
	return st
}
