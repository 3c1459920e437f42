package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// The decision journal (screening.Journal). A batch of screening decisions
// is made durable by one write(2) of a framed record to an append-only
// segment file next to the store (bulwark.db-decisions.000001, ...): once
// written it is in the operating system's page cache and survives the
// process being killed. With sync the segment is also fdatasync'd before
// Append returns (a power loss cannot lose it); without, the WAL syncer
// syncs it every WALSyncInterval: the segment appended to, and the
// segments a rotation let go since its last tick with records not yet
// synced (retired: a rotation does not wait for the disk while appends
// wait for it), so a power loss loses at most about one interval of
// appends either way. A loader goroutine stores what was
// appended in the store, many batches per transaction with one audit entry
// each (screening.StoreDecisions), committed with an fsync; a segment is
// removed once everything in it is stored. When the store is opened and no
// other process holds the journal, what segments are left (the process was
// killed, or the machine lost power) is stored first, skipping decisions
// already stored (or pruned since), so an acknowledged decision is never
// lost.
//
// A record is: uint32 length of the payload with the top bit set (format
// 2), uint32 CRC-32C of the segment's number (uint64) followed by the
// payload, the payload (little endian). A record cut short or failing its
// checksum ends its segment: it was being written when the machine stopped
// and was never acknowledged. One failing its checksum while the record
// after it reads back was damaged in place: it is skipped, the records
// after it are stored, and the segment is kept as NAME.corrupt. The
// payload is a uvarint count of decisions, then per decision:
// uvarint-length-prefixed ID, kind, use, subject, actor, verdict and
// stored body, and the varint Unix time in nanoseconds. A decision's audit
// line is not in it: the loader has it from the append, and a recovery
// derives it from the stored body (screening.Recorded.AuditItem).
//
// The next segment is made in the background as soon as the journal
// moves to a new one. When a segment is full and its successor is not
// ready yet, appends go on past its end (written with pwrite: the file
// grows) rather than wait for the disk, up to journalOverrun segments'
// worth; only then does an append wait for the next segment.
//
// A stored segment is not removed but kept (as NAME-free, one at a time)
// to be the next segment but one, renamed: its blocks are already
// allocated and written, so the journal does not write a new segment's
// zeros. The records left in it name their old segment in their
// checksum, so they read as the end of the new one.
//
// Format 1 (a length without the top bit, a CRC-32C of the payload alone,
// each decision's audit line after its body) is still read, from segments
// an earlier version left.
//
// Reads of decisions (Decision, Decisions, FirstDecisionSeqSince,
// PruneDecisions) first wait until everything appended before them is
// stored, so a decision answered is a decision listed.

// Journal tuning.
const (
	// journalSegmentBytes is the size past which the journal starts a new
	// segment, so that stored ones can be removed.
	journalSegmentBytes = 16 << 20
	// journalLoadMax bounds the decisions of one load transaction (and of
	// its audit entry).
	journalLoadMax = 2048
	// journalLoadEvery is the least time between two load transactions
	// while nobody waits for one, so that a busy server stores more
	// decisions per transaction.
	journalLoadEvery = 100 * time.Millisecond
	// journalPendingBytes bounds the bodies appended and not yet stored:
	// Append waits beyond it.
	journalPendingBytes = 64 << 20
	// journalZeroChunk is the size of the writes that fill a new segment
	// with zeros (see create).
	journalZeroChunk = 2 << 20
	// journalOverrun bounds, in segments, how large a segment grows while
	// the next one is still being made (appends past its end then wait
	// for it).
	journalOverrun = 4
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var _ screening.DirectJournal = (*journal)(nil)

// journal is the store's decision journal, held by one process at a time.
type journal struct {
	db     *DB
	prefix string // segment files are prefix + 6-digit number
	// segmentBytes is the size of a segment (journalSegmentBytes unless
	// DB.journalSegmentBytes says otherwise).
	segmentBytes int64
	lock         *os.File // the flock(2)ed lock file, held while open

	mu      sync.Mutex
	changed *sync.Cond // signalled when pending shrinks or loading ends
	f       *os.File   // the segment appended to
	seg     int64      // its number
	size    int64      // its size
	// m maps f (mapSegment), so that appends are copies; nil writes them
	// with pwrite (no mapping on this system, or one failed: unmapped
	// stays true from then on).
	m        []byte
	unmapped bool
	first    int64 // the oldest segment not yet removed
	buf      []byte
	// pending are the batches appended and not yet stored, oldest first.
	pending      []journalBatch
	pendingBytes int64
	appended     int64 // batches appended since open
	stored       int64 // of those, stored
	unsynced     bool  // appended since the last sync
	// syncing is set while sync flushes a segment without holding mu (the
	// records appended before it began were in unsynced).
	syncing bool
	// retired are the segments a rotation let go with records not known
	// to be on disk (unsynced, or a sync in flight that may fail), oldest
	// first: sync flushes and closes them (close does, at the end), so
	// that the rotation, which holds mu, does not wait for the disk.
	retired []*os.File
	// spare is the next segment, made in the background (prepareSpare)
	// while spareBusy; the goroutine making it hands it over on spareMade
	// (buffered 1), taken by takeSpare.
	spare     *os.File
	spareBusy bool
	// free says that a stored segment waits, as freeName, to be the
	// next spare.
	free      bool
	spareMade chan *os.File
	spareWG   sync.WaitGroup
	closed    bool
	loadErr   error // the last failed load, cleared by a good one
	failed    int64 // failed loads since open

	wake       chan struct{} // nudges the loader (buffered 1)
	urgent     chan struct{} // a reader waits: load now (buffered 1)
	stop       chan struct{}
	loaderDone chan struct{}
}

type journalBatch struct {
	seg   int64
	recs  []screening.Recorded
	bytes int64
}

// DecisionJournal returns the store's decision journal, for
// screening.RecorderOptions.Journal, or nil when another process holds it
// (then decisions are best stored directly). The journal is the calling
// process's until Close.
func (db *DB) DecisionJournal(ctx context.Context) (screening.Journal, error) {
	db.journalMu.Lock()
	defer db.journalMu.Unlock()
	if db.journal != nil {
		return db.journal, nil
	}
	j, err := db.openJournal(ctx)
	if err != nil || j == nil {
		return nil, err
	}
	if db.journalSegmentBytes > 0 {
		j.segmentBytes = db.journalSegmentBytes
	}
	if j.f, err = j.create(j.seg, j.segmentBytes); err != nil {
		j.release()
		return nil, err
	}
	j.mu.Lock()
	j.mapCurrent()
	j.prepareSpare()
	j.mu.Unlock()
	j.wake, j.urgent = make(chan struct{}, 1), make(chan struct{}, 1)
	j.stop, j.loaderDone = make(chan struct{}), make(chan struct{})
	go j.loader()
	db.journal = j
	return j, nil
}

// CloseJournal stores what the decision journal holds and gives the
// journal up (Close does too); decisions can no longer be appended. An
// error says what is left in it, stored at the next start.
func (db *DB) CloseJournal() error {
	db.journalMu.Lock()
	j := db.journal
	db.journalMu.Unlock()
	if j == nil {
		return nil
	}
	return j.close()
}

// DecisionJournalErr says why the decision journal's loader cannot store
// the decisions it holds (nil when its last attempt succeeded, or there is
// no journal): the server's readiness check reports it, since the journal
// then fills up until requests wait.
func (db *DB) DecisionJournalErr() error {
	j := db.activeJournal()
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.loadErr == nil {
		return nil
	}
	return bulwark.Wrap(j.loadErr, bulwark.EUNAVAILABLE, fmt.Sprintf("%d screening decisions in the decision journal cannot be stored in the database (retrying): %s",
		j.pendingCount(), bulwark.ErrorMessage(j.loadErr)))
}

// openJournal takes the journal's lock and stores what segments a
// previous process left. It returns nil when another process holds the
// lock.
func (db *DB) openJournal(ctx context.Context) (*journal, error) {
	j := &journal{db: db, prefix: db.path + "-decisions.", segmentBytes: journalSegmentBytes}
	j.changed = sync.NewCond(&j.mu)
	lock, ok, err := lockFile(db.path + "-decisions.lock")
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot open the decision journal of "+db.path+": "+err.Error())
	}
	if !ok {
		return nil, nil
	}
	j.lock = lock
	segs, err := j.segments()
	if err == nil {
		err = j.recover(ctx, segs)
	}
	if err != nil {
		j.release()
		return nil, err
	}
	j.seg, j.first = 1, 1
	if n := len(segs); n > 0 {
		j.seg, j.first = segs[n-1]+1, segs[n-1]+1
	}
	if err := os.Remove(j.freeName()); err != nil && !errors.Is(err, os.ErrNotExist) {
		j.release()
		return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot remove the stored decision journal "+j.freeName()+": "+err.Error())
	}
	return j, nil
}

// recoverJournal stores what a previous process left in the journal, if no
// other process holds it now. Open calls it.
func (db *DB) recoverJournal(ctx context.Context) error {
	j, err := db.openJournal(ctx)
	if j != nil {
		j.release()
	}
	return err
}

// release gives up the lock.
func (j *journal) release() {
	if j.lock != nil {
		_ = j.lock.Close() // closing the descriptor releases the flock
		j.lock = nil
	}
}

func (j *journal) name(seg int64) string { return fmt.Sprintf("%s%06d", j.prefix, seg) }

// freeName is the name of a stored segment kept to be reused.
func (j *journal) freeName() string { return j.prefix + "free" }

// segments lists the numbers of the segment files, in order.
func (j *journal) segments() ([]int64, error) {
	dir, base := filepath.Dir(j.prefix), filepath.Base(j.prefix)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot read the decision journal in "+dir+": "+err.Error())
	}
	var segs []int64
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), base)
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 {
			segs = append(segs, n)
		}
	}
	sort.Slice(segs, func(a, b int) bool { return segs[a] < segs[b] })
	return segs, nil
}

// recover stores the decisions of segs that the store does not hold yet,
// then removes the segments.
func (j *journal) recover(ctx context.Context, segs []int64) error {
	// A batch can be in the journal twice (appended again after a failed
	// sync): store each decision once.
	seen := make(map[string]bool)
	// A segment outlives the decisions stored from it until the journal
	// moves to the next one, so retention may have deleted some: one the
	// store does not hold, recorded before a retention cutoff, was pruned
	// (one still to be stored is newer than any cutoff), and is not stored
	// again.
	var cutoff *time.Time
	damaged := map[int64]bool{}
	for _, seg := range segs {
		data, err := os.ReadFile(j.name(seg))
		if err != nil {
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot read the decision journal "+j.name(seg)+": "+err.Error())
		}
		var todo, recs []screening.Recorded
		for len(data) > 0 {
			got, rest, ok := decodeJournalRecord(data, seg)
			if !ok {
				// A record damaged in place (the one after it reads back)
				// loses its own decisions only; the segment is kept.
				if next, ok := nextJournalRecord(data, seg); ok {
					damaged[seg] = true
					data = next
					continue
				}
				break // cut short while written: never acknowledged
			}
			data = rest
			recs = append(recs, got...)
		}
		// The batched decisions of the segment's times, read once.
		var timed map[string]bool
		if len(recs) > 0 {
			first, last := recs[0].Decision.Time, recs[0].Decision.Time
			for _, r := range recs {
				first, last = minTime(first, r.Decision.Time), maxTime(last, r.Decision.Time)
			}
			var err error
			if timed, err = j.db.batchedIDsBetween(ctx, j.db.w, first, last); err != nil {
				return j.db.fail(ctx, err, "recover the decision journal")
			}
		}
		for _, r := range recs {
			if seen[r.Decision.ID] {
				continue
			}
			seen[r.Decision.ID] = true
			stored, err := j.db.decisionStored(ctx, j.db.w, r.Decision.ID, timed)
			if err != nil {
				return j.db.fail(ctx, err, "recover the decision journal")
			}
			if !stored && cutoff == nil {
				c, err := j.pruneCutoff(ctx)
				if err != nil {
					return j.db.fail(ctx, err, "recover the decision journal")
				}
				cutoff = &c
			}
			if !stored && !r.Decision.Time.Before(*cutoff) {
				todo = append(todo, r)
			}
		}
		for len(todo) > 0 {
			n := min(len(todo), journalLoadMax)
			if err := j.store(ctx, todo[:n]); err != nil {
				return err
			}
			todo = todo[n:]
		}
	}
	for _, seg := range segs {
		if damaged[seg] {
			// Kept for whoever looks into it, no longer a segment (and
			// beside one kept before: numbering starts over).
			kept := j.name(seg) + ".corrupt"
			for k := 2; ; k++ {
				if _, err := os.Lstat(kept); err != nil {
					break // free (or unreadable: Rename says so)
				}
				kept = fmt.Sprintf("%s.corrupt.%d", j.name(seg), k)
			}
			if err := os.Rename(j.name(seg), kept); err != nil {
				return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot set aside the damaged decision journal "+j.name(seg)+": "+err.Error())
			}
			continue
		}
		if err := os.Remove(j.name(seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot remove the stored decision journal "+j.name(seg)+": "+err.Error())
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// nextJournalRecord returns what follows the record at the start of data
// when that record cannot be read but its length can and the record after
// it reads back: the record was damaged in place, not cut short while
// written (which leaves nothing readable after it).
func nextJournalRecord(data []byte, seg int64) ([]byte, bool) {
	if len(data) < 8 {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(data) &^ journalFormat2
	if n == 0 || uint64(n) > uint64(len(data)-8) {
		return nil, false
	}
	next := data[8+n:]
	if _, _, ok := decodeJournalRecord(next, seg); !ok {
		return nil, false
	}
	return next, true
}

// pruneCutoff returns the latest cutoff of the retention prunes of
// screening decisions (screen.prune entries), or the zero time.
func (j *journal) pruneCutoff(ctx context.Context) (time.Time, error) {
	var latest time.Time
	rows, err := j.db.w.QueryContext(ctx, `SELECT seq, json_extract(details, '$.before') FROM audit_log WHERE action = 'screen.prune'`)
	if err != nil {
		return latest, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var before sql.NullString
		if err := rows.Scan(&seq, &before); err != nil {
			return latest, err
		}
		// One without a readable cutoff is passed over (audit verify
		// reports an altered entry): the recovery is not held up by it.
		t, err := time.Parse(time.RFC3339Nano, before.String)
		if err == nil && t.After(latest) {
			latest = t
		}
	}
	return latest, rows.Err()
}

// store stores recs with one audit entry, synced to disk.
func (j *journal) store(ctx context.Context, recs []screening.Recorded) error {
	return screening.StoreDecisions(ctx, j.db, &audit.Log{Store: j.db}, recs, false)
}

// create makes segment seg: segmentBytes of zeros, on disk. Appends then
// overwrite blocks already allocated and written, so syncing one flushes
// the data alone, with no change of the file's size or extents to journal:
// several times faster than syncing an append. A zero header ends a
// segment's records.
//
// The zeros are written in aligned writes of journalZeroChunk bytes: on
// Linux 6.x ext4 keeps what each write brings into the page cache as one
// folio of up to that size, and a folio of 2 MiB is mapped and made
// writable again (after each sync cleans it) by one page fault instead of
// one per 4 KiB page. Appending 950-byte records to the mapping so costs
// about a third of the CPU time it does with 1 MiB writes (0.001 page
// faults per record instead of 0.053).
func (j *journal) create(seg int64, size int64) (*os.File, error) {
	f, err := os.OpenFile(j.name(seg), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot create the decision journal "+j.name(seg)+": "+err.Error())
	}
	zeros := make([]byte, min(size, journalZeroChunk))
	for off := int64(0); off < size && err == nil; off += int64(len(zeros)) {
		_, err = f.WriteAt(zeros[:min(int64(len(zeros)), size-off)], off)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		// The new name must survive a power loss too.
		err = syncDir(filepath.Dir(j.prefix))
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(j.name(seg))
		return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot create the decision journal "+j.name(seg)+": "+err.Error())
	}
	return f, nil
}

// prepareSpare creates the segment after the current one in the
// background, so that rotating does not wait for it; j.mu is held.
func (j *journal) prepareSpare() {
	if j.spareBusy || j.spare != nil || j.closed {
		return
	}
	if j.spareMade == nil {
		j.spareMade = make(chan *os.File, 1)
	}
	j.spareBusy = true
	seg, size := j.seg+1, j.segmentBytes
	// The stored segment kept takes the spare's name now (a rename), so
	// that the next one stored can be kept meanwhile.
	reuse := j.free && os.Rename(j.freeName(), j.name(seg)) == nil
	if j.free && !reuse {
		_ = os.Remove(j.freeName())
	}
	j.free = false
	j.spareWG.Add(1)
	go func() {
		defer j.spareWG.Done()
		var f *os.File
		if reuse {
			f = j.reuse(seg, size)
		}
		if f == nil {
			var err error
			if f, err = j.create(seg, size); err != nil {
				f = nil // rotate creates it, and says what fails
			}
		}
		j.spareMade <- f
	}()
}

// reuse opens segment seg, a stored segment renamed (prepareSpare), or
// returns nil (then the segment is created). It must be size bytes: its
// records stay, each naming its old segment in its checksum, so none
// reads back as seg's.
func (j *journal) reuse(seg, size int64) *os.File {
	f, err := os.OpenFile(j.name(seg), os.O_RDWR, 0o600)
	if err != nil {
		return nil
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() != size {
		err = errors.New("not a whole segment")
	}
	if err == nil {
		// The new name must survive a power loss.
		err = syncDir(filepath.Dir(j.prefix))
	}
	if err != nil {
		_ = f.Close()
		return nil // create truncates it
	}
	return f
}

// spareReady reports whether the next segment is made (or making it
// failed, or none was asked for): takeSpare would not wait; j.mu is held.
func (j *journal) spareReady() bool {
	if !j.spareBusy {
		return true
	}
	select {
	case j.spare = <-j.spareMade:
		j.spareBusy = false
		return true
	default:
		return false
	}
}

// takeSpare returns the next segment made in the background, waiting for
// it if it is still being made, or nil when there is none (making it
// failed, or none was asked for); j.mu is held. Nothing else makes that
// segment meanwhile: a rotation that made it too would have two writers
// truncating and zeroing one file, one of them under records already
// appended.
func (j *journal) takeSpare() *os.File {
	if j.spareBusy {
		j.spare = <-j.spareMade // the goroutine does not take j.mu
		j.spareBusy = false
	}
	f := j.spare
	j.spare = nil
	return f
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Append implements screening.Journal.
func (j *journal) Append(ctx context.Context, batch []screening.Recorded, sync bool) error {
	if len(batch) == 0 {
		return nil
	}
	var bytes int64
	for _, r := range batch {
		bytes += int64(len(r.Body))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for !j.closed && j.full(bytes) {
		j.changed.Wait()
	}
	if j.closed {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the decision journal is closed")
	}
	return j.appendLocked(batch, bytes, sync, false)
}

// TryAppend implements screening.DirectJournal.
func (j *journal) TryAppend(batch []screening.Recorded) (bool, error) {
	if len(batch) == 0 {
		return true, nil
	}
	var bytes int64
	for _, r := range batch {
		bytes += int64(len(r.Body))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed || j.full(bytes) {
		return false, nil
	}
	if err := j.appendLocked(batch, bytes, false, true); err != nil {
		return false, err
	}
	return true, nil
}

// full reports whether a batch of bodies of that many bytes must wait for
// the loader; j.mu is held.
func (j *journal) full(bytes int64) bool {
	return len(j.pending) > 0 && j.pendingBytes+bytes > journalPendingBytes
}

// appendLocked writes batch (of bodies of that many bytes) to the journal
// and hands it to the loader; j.mu is held and the journal open. keep
// lets the loader have batch itself (TryAppend's) rather than a copy,
// when every record of it has its audit item.
func (j *journal) appendLocked(batch []screening.Recorded, bytes int64, sync, keep bool) error {
	j.buf = appendJournalRecord(j.buf[:0], batch, j.seg)
	if end := j.size + int64(len(j.buf)); j.size > 0 && end > j.segmentBytes &&
		(end > journalOverrun*j.segmentBytes || j.spareReady()) {
		if err := j.rotate(); err != nil {
			return err
		}
		j.buf = appendJournalRecord(j.buf[:0], batch, j.seg) // its checksum names the segment
	}
	var n int
	var err error
	if j.m != nil && j.size+int64(len(j.buf)) <= int64(len(j.m)) {
		n, err = j.copyMapped(j.buf)
	} else {
		n, err = j.f.WriteAt(j.buf, j.size)
	}
	j.size += int64(n)
	if err != nil {
		// A partial record ends the segment at the next recovery; start
		// a new one so later records are not lost behind it.
		_ = j.rotate()
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot write the decision journal"+": "+err.Error())
	}
	if sync {
		if err := fdatasync(j.f); err != nil {
			// Written but maybe not on disk: the caller is told it failed,
			// and the decisions may still be stored.
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot sync the decision journal"+": "+err.Error())
		}
	} else {
		j.unsynced = true
		j.db.journalUnsyncedAppends.Add(1)
	}
	j.db.journalAppends.Add(1)
	recs := batch
	for _, r := range batch {
		if r.Item == nil {
			keep = false
			break
		}
	}
	if !keep {
		recs = make([]screening.Recorded, len(batch))
		for i, r := range batch {
			recs[i] = screening.Recorded{Decision: r.Decision, Body: r.Body, Item: r.AuditItem()}
		}
	}
	j.pending = append(j.pending, journalBatch{seg: j.seg, recs: recs, bytes: bytes})
	j.pendingBytes += bytes
	j.appended++
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return nil
}

// rotate starts the next segment; j.mu is held. The segment let go is
// synced by the WAL syncer's next tick (retired) when it holds records not
// known to be on disk: a sync in flight may fail after it is let go.
func (j *journal) rotate() error {
	f := j.takeSpare()
	if f == nil {
		var err error
		if f, err = j.create(j.seg+1, j.segmentBytes); err != nil {
			return err
		}
	}
	j.unmap()
	if j.unsynced || j.syncing {
		j.retired = append(j.retired, j.f)
		j.unsynced = false
	} else {
		_ = j.f.Close()
	}
	j.f, j.seg, j.size = f, j.seg+1, 0
	j.mapCurrent()
	j.prepareSpare()
	return nil
}

// mapCurrent maps the segment appended to, unless mapping failed before;
// j.mu is held (or the journal is not yet shared).
func (j *journal) mapCurrent() {
	if j.unmapped {
		return
	}
	m, err := mapSegment(j.f, j.segmentBytes)
	if err != nil {
		j.unmapped = true // pwrite it is
		return
	}
	j.m = m
}

// unmap drops the mapping of the segment appended to; j.mu is held.
func (j *journal) unmap() {
	if j.m != nil {
		_ = unmapSegment(j.m)
		j.m = nil
	}
}

// copyMapped copies b into the mapped segment at j.size. A fault (the
// file system could not back the page: an I/O error, a full copy-on-write
// disk) is an error instead of a crash, and later appends use pwrite.
func (j *journal) copyMapped(b []byte) (n int, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("cannot write the mapped decision journal: %v", v)
			j.unmap()
			j.unmapped = true
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return copy(j.m[j.size:], b), nil
}

// sync syncs the segments rotations retired, then the segment appended
// to if it holds unsynced records; the WAL syncer calls it. It does not
// hold j.mu while the disk flushes, so appends (each request's, in the
// default mode) and rotations go on meanwhile: the records appended before
// it began are synced when it returns, those appended during it at the
// next sync. A rotation meanwhile retires the segment being synced
// (syncing), to be synced again; a close syncs every segment itself, and
// a file stays open until the flush is done (os.File defers the close of a
// descriptor in use).
func (j *journal) sync() error {
	j.mu.Lock()
	retired := slices.Clone(j.retired)
	j.mu.Unlock()
	var errs []error
	for _, f := range retired {
		err := fdatasync(f)
		j.mu.Lock()
		// No longer listed: close synced and closed it meanwhile.
		i := slices.Index(j.retired, f)
		if i >= 0 && err == nil {
			j.retired = slices.Delete(j.retired, i, i+1)
			_ = f.Close()
		}
		j.mu.Unlock()
		if i >= 0 && err != nil { // kept: again at the next tick
			errs = append(errs, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot sync the decision journal"+": "+err.Error()))
		}
	}
	if err := j.syncCurrent(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// syncCurrent syncs the segment appended to if it holds unsynced records
// (see sync).
func (j *journal) syncCurrent() error {
	j.mu.Lock()
	if j.closed || !j.unsynced || j.f == nil || j.syncing {
		j.mu.Unlock()
		return nil
	}
	f := j.f
	j.unsynced, j.syncing = false, true
	j.mu.Unlock()
	err := fdatasync(f)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.syncing = false
	if err != nil {
		if f == j.f {
			j.unsynced = true // again at the next tick
		}
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot sync the decision journal"+": "+err.Error())
	}
	return nil
}

// loader stores the pending batches until stop, then what is left.
func (j *journal) loader() {
	defer close(j.loaderDone)
	ctx := context.Background()
	var last time.Time
	wait := 50 * time.Millisecond
	for {
		select {
		case <-j.stop:
			for n, _ := j.load(ctx); n > 0; n, _ = j.load(ctx) {
			}
			return
		case <-j.urgent:
		case <-j.wake:
			// Let a busy server gather more, unless a reader waits.
			if d := journalLoadEvery - time.Since(last); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-j.urgent:
				case <-j.stop:
				}
				t.Stop()
			}
		}
		last = time.Now()
		// One pass stores what was pending when it started, in as few
		// transactions as journalLoadMax allows; what is appended
		// meanwhile waits for the next pass, journalLoadEvery after this
		// one started (unless a reader waits), rather than being stored
		// at once in a transaction of its own: under steady load that
		// would be a string of small transactions, each with its
		// begin, audit entry and commit, back to back.
		for {
			n, capped := j.load(ctx)
			if n < 0 {
				// Failed: try again after a pause (the decisions stay
				// pending, and in the journal file).
				select {
				case <-time.After(wait):
				case <-j.stop:
					return // close reports what is left, for the next start
				}
				wait = min(2*wait, 5*time.Second)
				continue
			}
			wait = 50 * time.Millisecond
			if n == 0 || !capped {
				break
			}
		}
	}
}

// loadable returns how many of the pending batches, oldest first, one
// load takes (whole batches, up to journalLoadMax decisions unless the
// first batch alone is larger), how many decisions they hold, and whether
// it leaves batches behind.
func loadable(pending []journalBatch) (nb, n int, capped bool) {
	for _, b := range pending {
		if n > 0 && n+len(b.recs) > journalLoadMax {
			return nb, n, true
		}
		n += len(b.recs)
		nb++
	}
	return nb, n, false
}

// load stores up to journalLoadMax pending decisions (whole batches) in
// one transaction and returns how many, or -1 when that failed, and
// whether it left pending batches behind for lack of room.
func (j *journal) load(ctx context.Context) (int, bool) {
	j.mu.Lock()
	nb, n, capped := loadable(j.pending)
	recs := make([]screening.Recorded, 0, n)
	for _, b := range j.pending[:nb] {
		recs = append(recs, b.recs...)
	}
	j.mu.Unlock()
	if nb == 0 {
		return 0, false
	}
	err := j.store(ctx, recs)
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		j.loadErr = err
		j.failed++
		j.db.journalFailures.Add(1)
		j.changed.Broadcast() // flush stops waiting
		return -1, false
	}
	j.loadErr = nil
	for _, b := range j.pending[:nb] {
		j.pendingBytes -= b.bytes
	}
	clear(j.pending[:nb])
	j.pending = j.pending[nb:]
	j.stored += int64(nb)
	j.db.journalStored.Add(int64(len(recs)))
	j.db.journalLoads.Add(1)
	// Remove the segments wholly stored.
	keep := j.seg
	if len(j.pending) > 0 {
		keep = j.pending[0].seg
	}
	for ; j.first < keep; j.first++ {
		// One is kept to be reused (prepareSpare).
		if !j.free && !j.closed && os.Rename(j.name(j.first), j.freeName()) == nil {
			j.free = true
			continue
		}
		_ = os.Remove(j.name(j.first))
	}
	j.changed.Broadcast()
	return len(recs), capped
}

// flush waits until every batch appended before the call is stored, or ctx
// ends.
func (j *journal) flush(ctx context.Context) error {
	j.mu.Lock()
	target := j.appended
	if j.stored >= target {
		j.mu.Unlock()
		return nil
	}
	j.mu.Unlock()
	select {
	case j.urgent <- struct{}{}:
	default:
	}
	stop := context.AfterFunc(ctx, func() {
		j.mu.Lock()
		j.changed.Broadcast()
		j.mu.Unlock()
	})
	defer stop()
	j.mu.Lock()
	defer j.mu.Unlock()
	failed := j.failed
	for j.stored < target && ctx.Err() == nil && !j.closed && j.failed == failed {
		j.changed.Wait()
	}
	if j.stored < target {
		err := ctx.Err()
		if err == nil {
			err = j.loadErr
		}
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "screening decisions are still being stored; try again")
	}
	return nil
}

// close stops appends, stores what is pending, removes the segments when
// all is stored, and gives up the lock.
func (j *journal) close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	j.changed.Broadcast()
	j.mu.Unlock()
	close(j.stop)
	<-j.loaderDone
	j.spareWG.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	if f := j.takeSpare(); f != nil {
		_ = f.Close()
		_ = os.Remove(j.name(j.seg + 1))
	}
	for _, f := range j.retired {
		errs = append(errs, fdatasync(f), f.Close())
	}
	j.retired = nil
	if j.unsynced || j.syncing {
		errs = append(errs, fdatasync(j.f))
		j.unsynced = false
	}
	j.unmap()
	errs = append(errs, j.f.Close())
	j.f = nil // the WAL syncer may still tick: sync finds nothing to do
	if j.free {
		if err := os.Remove(j.freeName()); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		j.free = false
	}
	if len(j.pending) == 0 {
		for ; j.first <= j.seg; j.first++ {
			if err := os.Remove(j.name(j.first)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	} else {
		errs = append(errs, fmt.Errorf("%d screening decisions are left in the decision journal, to be stored at the next start: %w",
			j.pendingCount(), j.loadErr))
	}
	j.release()
	return errors.Join(errs...)
}

func (j *journal) pendingCount() int {
	n := 0
	for _, b := range j.pending {
		n += len(b.recs)
	}
	return n
}

// journalFormat2 marks a format 2 record in its length word.
const journalFormat2 = 1 << 31

// recordCRC is the checksum of a format 2 record of segment seg.
func recordCRC(seg int64, payload []byte) uint32 {
	// The CRC-32C of the 8 bytes of seg, little endian, by the table (a
	// slice of them would escape to the heap, once per append).
	crc := ^uint32(0)
	for i := range 8 {
		crc = crcTable[byte(crc)^byte(uint64(seg)>>(8*i))] ^ crc>>8
	}
	return crc32.Update(^crc, crcTable, payload)
}

// appendJournalRecord appends the framed record of batch, for segment
// seg, to b.
func appendJournalRecord(b []byte, batch []screening.Recorded, seg int64) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = binary.AppendUvarint(b, uint64(len(batch)))
	for _, r := range batch {
		d := r.Decision
		for _, s := range [...]string{d.ID, d.Kind, string(d.Use), d.Subject, d.Actor, string(d.Verdict)} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendUvarint(b, uint64(len(r.Body)))
		b = append(b, r.Body...)
		b = binary.AppendVarint(b, d.Time.UnixNano())
	}
	payload := b[start+8:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload))|journalFormat2)
	binary.LittleEndian.PutUint32(b[start+4:], recordCRC(seg, payload))
	return b
}

// decodeJournalRecord decodes the record of segment seg at the start of
// data; ok is false when it is cut short or corrupt, or (format 2) of
// another segment. A format 2 record's decisions have no audit line
// (Item): AuditItem derives it.
func decodeJournalRecord(data []byte, seg int64) (recs []screening.Recorded, rest []byte, ok bool) {
	if len(data) < 8 {
		return nil, nil, false
	}
	word := binary.LittleEndian.Uint32(data)
	v2 := word&journalFormat2 != 0
	n := word &^ journalFormat2
	if uint64(n) > uint64(len(data)-8) {
		return nil, nil, false
	}
	payload := data[8 : 8+n]
	sum := crc32.Checksum(payload, crcTable)
	if v2 {
		sum = recordCRC(seg, payload)
	}
	if sum != binary.LittleEndian.Uint32(data[4:]) {
		return nil, nil, false
	}
	r := journalReader{b: payload}
	count := r.uvarint()
	if r.err != nil || count > uint64(len(payload)) {
		return nil, nil, false
	}
	recs = make([]screening.Recorded, 0, count)
	for range count {
		d := &screening.Decision{}
		d.ID, d.Kind = string(r.bytes()), string(r.bytes())
		d.Use, d.Subject, d.Actor = screening.Use(r.bytes()), string(r.bytes()), string(r.bytes())
		d.Verdict = bulwark.Verdict(r.bytes())
		body := r.bytes()
		var item []byte
		if !v2 {
			item = r.bytes()
		}
		d.Time = time.Unix(0, r.varint()).UTC()
		if r.err != nil {
			return nil, nil, false
		}
		recs = append(recs, screening.Recorded{Decision: d, Body: body, Item: item})
	}
	if len(r.b) != 0 {
		return nil, nil, false
	}
	return recs, data[8+n:], true
}

type journalReader struct {
	b   []byte
	err error
}

var errJournalShort = errors.New("journal record cut short")

func (r *journalReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errJournalShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *journalReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errJournalShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *journalReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errJournalShort
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}
