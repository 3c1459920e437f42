package screening

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// ListStore keeps imported list versions. The active version of each list
// is what the index is built from; older versions are kept so a decision
// can be replayed on the lists it ran on.
type ListStore interface {
	// PutLists stores the given versions and makes each the active version
	// of its list, all in one transaction. A version identical (same
	// SHA-256) to the active one changes nothing and is not returned;
	// changed lists the versions that became active.
	PutLists(ctx context.Context, lists []*List) (changed []ListInfo, err error)
	// ActiveLists returns the active version of every list, with entities.
	ActiveLists(ctx context.Context) ([]*List, error)
	// ListVersion returns one stored version; ENOTFOUND when absent.
	ListVersion(ctx context.Context, id, sha256 string) (*List, error)
	// ListHistory returns the stored versions of list id, newest first.
	ListHistory(ctx context.Context, id string) ([]ListInfo, error)
	// RemoveList deactivates list id (its versions are kept); ENOTFOUND
	// when it is not active.
	RemoveList(ctx context.Context, id string) (ListInfo, error)
	// ListsGeneration returns a number that changes whenever the set of
	// active versions changes, so a server can notice an import made by
	// another process.
	ListsGeneration(ctx context.Context) (int64, error)
}

// SnapshotFormat names the format of a list snapshot file.
const SnapshotFormat = "bulwark-lists/1"

// snapshot is the gzip-compressed JSON of a snapshot file.
type snapshot struct {
	Format string  `json:"format"`
	Lists  []*List `json:"lists"`
}

// WriteSnapshot writes lists as a gzip-compressed snapshot (the embedded
// default lists use this format, as does `bulwark lists export`).
func WriteSnapshot(w io.Writer, lists []*List) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	zw.ModTime = time.Time{}
	if err := json.NewEncoder(zw).Encode(snapshot{Format: SnapshotFormat, Lists: lists}); err != nil {
		return err
	}
	return zw.Close()
}

// ReadSnapshot reads a snapshot file written by WriteSnapshot.
func ReadSnapshot(r io.Reader, name string) ([]*List, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, bulwark.Invalid(name, "not a Bulwark list snapshot (gzip: %v)", err)
	}
	var s snapshot
	dec := json.NewDecoder(zr)
	if err := dec.Decode(&s); err != nil {
		return nil, bulwark.Invalid(name, "not a Bulwark list snapshot (%v)", err)
	}
	if s.Format != SnapshotFormat {
		return nil, bulwark.Invalid(name, "snapshot format %q, this build reads %q", s.Format, SnapshotFormat)
	}
	for i, l := range s.Lists {
		if l == nil || l.Info.ID == "" {
			return nil, bulwark.Invalid(name, "list %d has no id", i)
		}
	}
	return s.Lists, nil
}

// listContent is what a store keeps per version beside its info.
type listContent struct {
	Entities []Entity  `json:"entities"`
	Problems []Problem `json:"problems,omitempty"`
}

// EncodeListContent returns l's entities and problems gzip-compressed,
// for a store to keep as an opaque blob.
func EncodeListContent(l *List) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := json.NewEncoder(zw).Encode(listContent{Entities: l.Entities, Problems: l.Problems}); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeListContent fills l's entities and problems from a blob made by
// EncodeListContent.
func DecodeListContent(l *List, blob []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return bulwark.Errorf(bulwark.EINTEGRITY, "list %s version %.12s is corrupt in the store: %v", l.Info.ID, l.Info.SHA256, err)
	}
	var c listContent
	if err := json.NewDecoder(zr).Decode(&c); err != nil {
		return bulwark.Errorf(bulwark.EINTEGRITY, "list %s version %.12s is corrupt in the store: %v", l.Info.ID, l.Info.SHA256, err)
	}
	l.Entities, l.Problems = c.Entities, c.Problems
	if len(l.Entities) != l.Info.Entities {
		return bulwark.Errorf(bulwark.EINTEGRITY, "list %s version %.12s: the store holds %d entities, its info says %d",
			l.Info.ID, l.Info.SHA256, len(l.Entities), l.Info.Entities)
	}
	return nil
}

// Watch is a subject re-screened whenever a list changes: a customer's or
// employee's name, a counterparty or withdrawal address.
type Watch struct {
	ID int64 `json:"id"`
	// Kind is "address" or "name".
	Kind string `json:"kind"`
	Use  Use    `json:"use"`
	// Subject is the caller's reference (customer ID...).
	Subject string `json:"subject,omitempty"`
	// Address and Chain for an address watch; Name and its attributes for
	// a name watch.
	Address string `json:"address,omitempty"`
	Chain   string `json:"chain,omitempty"`
	Name    string `json:"name,omitempty"`
	Type    string `json:"type,omitempty"`
	DOB     string `json:"dob,omitempty"`
	Country string `json:"country,omitempty"`
	// Key is the normalised form (address key or name key); unique per
	// kind and use.
	Key     string    `json:"key"`
	AddedAt time.Time `json:"addedAt"`
	AddedBy string    `json:"addedBy"`
}

// AlertKind is the kind of a screening alert's outbox message, and the
// "type" of its webhook payload.
const AlertKind = "screening.alert"

// Alert is raised when a list change makes a watched subject match.
type Alert struct {
	ID      int64           `json:"id"`
	Time    time.Time       `json:"time"`
	WatchID int64           `json:"watchId"`
	Subject string          `json:"subject,omitempty"`
	Kind    string          `json:"kind"`
	Verdict bulwark.Verdict `json:"verdict"`
	// Decision is the screening that raised it, with its matches.
	DecisionID string          `json:"decisionId"`
	Body       json.RawMessage `json:"result"`
	// Key identifies what was alerted: the watch and the listings it
	// matched (AlertKey). A store keeps one alert per key, so a list
	// change re-screened by two processes (the CLI that imported it and
	// the server that reloads it) raises one alert.
	Key string `json:"-"`
	// Delivery is the state of the alert's webhook delivery.
	Delivery AlertDelivery `json:"delivery"`
}

// AlertDelivery is where the webhook delivery of a stored alert stands:
// the state of its outbox message (the same as the Safe alerts'
// safe.AlertDelivery).
type AlertDelivery struct {
	// DeliveredAt is when a receiver accepted the alert (2xx); nil until
	// then.
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
	// Attempts is how many delivery attempts were made.
	Attempts int `json:"attempts"`
	// LastError says why the last attempt failed ("" after a success). It
	// never holds the webhook secret.
	LastError string `json:"lastError,omitempty"`
}

// WatchStore keeps watches and the alerts they raise. A store adapter that
// also holds the audit log joins the transaction audit.Log.Do hands it.
type WatchStore interface {
	// AddScreenWatch stores w (the store assigns ID and time); ECONFLICT
	// when a watch of the same kind, key and use exists.
	AddScreenWatch(ctx context.Context, w Watch) (Watch, error)
	// RemoveScreenWatch deletes watch id and returns it; ENOTFOUND.
	RemoveScreenWatch(ctx context.Context, id int64) (Watch, error)
	// ScreenWatches returns every watch, oldest first.
	ScreenWatches(ctx context.Context) ([]Watch, error)
	// SaveScreenAlert stores a (the store assigns ID and time; the
	// delivery state starts empty) and, in the same transaction, its
	// outbox message (kind "screening.alert"), so that it is delivered at
	// least once (package outbox); ECONFLICT when an alert with the same
	// non-empty Key is stored.
	SaveScreenAlert(ctx context.Context, a Alert) (Alert, error)
	// ScreenAlerts returns alerts with ID above sinceID, oldest first, at
	// most limit (≥ 1), with the delivery state of their outbox messages.
	ScreenAlerts(ctx context.Context, sinceID int64, limit int) ([]Alert, error)
}
