package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/webhook"
)

// screenDeliveryQueue bounds the screening alerts waiting for the webhook;
// past it, alerts are found in the store by the next sweep instead.
const screenDeliveryQueue = 256

// screenAlertPage is how many stored alerts a sweep reads at a time.
const screenAlertPage = 200

// screenAlertStore is what screening alert delivery needs of the store.
type screenAlertStore interface {
	ScreenAlerts(ctx context.Context, sinceID int64, limit int) ([]screening.Alert, error)
	RecordScreenAlertDelivery(ctx context.Context, id int64, d screening.AlertDelivery) error
}

// screenDeliveries posts stored screening alerts to the webhook from one
// background goroutine, in order, and records each outcome on the alert.
//
// serve is the one deliverer of screening alerts: the alerts its own list
// changes raise are queued as they are stored (queue), and a sweep (at
// start, and after each reload of a change another process made — the CLI
// has no webhook) delivers every stored alert not attempted yet
// (delivery.attempts 0). An alert that cannot be queued (the queue is full)
// is left to a sweep, so queuing never blocks a list import.
type screenDeliveries struct {
	store screenAlertStore
	n     *webhook.Notifier
	log   *slog.Logger

	ids    chan int64
	sweeps chan struct{}
	done   chan struct{}
	stop   func() bool
	once   sync.Once

	mu     sync.Mutex
	closed bool

	// next is where the next sweep starts: every alert up to it has been
	// attempted (only the delivery goroutine uses it).
	next int64
}

// startScreenDeliveries starts the delivery goroutine and a first sweep;
// with a nil notifier it delivers nothing.
func (m *Main) startScreenDeliveries(ctx context.Context, store screenAlertStore, n *webhook.Notifier) *screenDeliveries {
	d := &screenDeliveries{store: store, n: n, log: m.logger}
	if n == nil {
		return d
	}
	d.ids, d.sweeps, d.done = make(chan int64, screenDeliveryQueue), make(chan struct{}, 1), make(chan struct{})
	// Deliveries outlive a stop signal by webhookGrace at most.
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.stop = context.AfterFunc(ctx, func() { time.AfterFunc(webhookGrace, cancel) })
	go func() {
		defer close(d.done)
		defer cancel()
		d.run(dctx, context.WithoutCancel(ctx))
	}()
	d.sweep()
	return d
}

// queue hands a stored alert to the delivery goroutine without waiting.
func (d *screenDeliveries) queue(id int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil || d.closed {
		return
	}
	select {
	case d.ids <- id:
	default:
		d.log.Warn("screening webhook queue is full; the alert is delivered by the next sweep of the store", "alert", id)
		d.requestSweep()
	}
}

// sweep asks the delivery goroutine to deliver every stored alert not
// attempted yet.
func (d *screenDeliveries) sweep() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids != nil && !d.closed {
		d.requestSweep()
	}
}

func (d *screenDeliveries) requestSweep() {
	select {
	case d.sweeps <- struct{}{}:
	default: // one is pending already
	}
}

// wait stops taking alerts, lets the queued deliveries and a pending sweep
// finish (cut short webhookGrace after a stop signal) and returns when they
// have.
func (d *screenDeliveries) wait() {
	if d.ids == nil {
		return
	}
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		close(d.ids)
		d.mu.Unlock()
		<-d.done
		d.stop()
	})
}

// run delivers until the queue is closed and drained. ctx bounds the
// deliveries, rec the store writes.
func (d *screenDeliveries) run(ctx, rec context.Context) {
	cut := false
	defer func() {
		if cut {
			d.log.Warn("webhook: screening alerts left undelivered at shutdown; the next start delivers them")
		}
	}()
	for {
		select {
		case id, ok := <-d.ids:
			if !ok {
				select {
				case <-d.sweeps:
					cut = !d.deliverUndelivered(ctx, rec) || cut
				default:
				}
				return
			}
			cut = !d.deliverID(ctx, rec, id) || cut
		case <-d.sweeps:
			cut = !d.deliverUndelivered(ctx, rec) || cut
		}
	}
}

// deliverID delivers alert id unless it was attempted already (by a
// sweep). It returns false when ctx ended first.
func (d *screenDeliveries) deliverID(ctx, rec context.Context, id int64) bool {
	got, err := d.store.ScreenAlerts(rec, id-1, 1)
	if err != nil || len(got) != 1 || got[0].ID != id {
		d.log.Error("webhook: cannot read back a screening alert to deliver it", "alert", id, "err", bulwark.ErrorMessage(err))
		return true
	}
	if got[0].Delivery.Attempts > 0 {
		return true
	}
	return d.deliver(ctx, rec, got[0])
}

// deliverUndelivered delivers, in order, every stored alert after d.next
// not attempted yet. It returns false when ctx ended first.
func (d *screenDeliveries) deliverUndelivered(ctx, rec context.Context) bool {
	for {
		page, err := d.store.ScreenAlerts(rec, d.next, screenAlertPage)
		if err != nil {
			d.log.Error("webhook: cannot read the screening alerts to deliver", "err", bulwark.ErrorMessage(err))
			return true
		}
		for _, a := range page {
			if a.Delivery.Attempts == 0 && !d.deliver(ctx, rec, a) {
				return false
			}
			// Stored alerts commit in ID order: a later one has a higher ID.
			d.next = a.ID
		}
		if len(page) < screenAlertPage {
			return true
		}
	}
}

// deliver posts a and records the outcome. It returns false, recording
// nothing, when ctx ended before the alert could be delivered: the alert
// stays not attempted, for the next start.
func (d *screenDeliveries) deliver(ctx, rec context.Context, a screening.Alert) bool {
	if ctx.Err() != nil {
		return false
	}
	res := d.n.NotifyScreening(ctx, a)
	if res.DeliveredAt == nil && ctx.Err() != nil {
		return false
	}
	if err := d.store.RecordScreenAlertDelivery(rec, a.ID, screening.AlertDelivery(res)); err != nil {
		d.log.Error("webhook: cannot record the delivery of a screening alert", "alert", a.ID, "err", bulwark.ErrorMessage(err))
	}
	if res.DeliveredAt == nil {
		d.log.Warn("webhook: screening alert not delivered", "alert", a.ID, "watch", a.WatchID, "attempts", res.Attempts, "err", res.LastError)
	}
	return true
}
