package httpapi

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-sec/bulwark/outbox"
)

// outboxCollector exports the undelivered alerts of every kind to
// /metrics, read from Config.Outbox at each scrape.
type outboxCollector struct {
	stats                     func(context.Context) (outbox.Stats, error)
	pending, retrying, oldest *prometheus.Desc
}

func newOutboxCollector(store outbox.Store) *outboxCollector {
	return &outboxCollector{stats: func(ctx context.Context) (outbox.Stats, error) { return store.OutboxStats(ctx, nil) },
		pending:  prometheus.NewDesc("bulwark_alerts_undelivered", "Stored alerts (every kind) not delivered to the webhook yet.", nil, nil),
		retrying: prometheus.NewDesc("bulwark_alerts_delivery_retrying", "Undelivered alerts with at least one failed delivery attempt.", nil, nil),
		oldest:   prometheus.NewDesc("bulwark_alerts_undelivered_oldest_seconds", "Age of the oldest undelivered alert (0 when none).", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.retrying
	ch <- c.oldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		return // absent for this scrape; an error would fail the whole of /metrics
	}
	age := 0.0
	if !st.OldestAt.IsZero() {
		age = max(time.Since(st.OldestAt).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(c.retrying, prometheus.GaugeValue, float64(st.Retrying))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}
