package cli

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func rawExec(t *testing.T, data string, queries ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "bulwark.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range queries {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestAuditVerifyEmptiedLog: with every audit entry and the head deleted,
// a store that has screened (and imported lists) is not "intact: 0
// entries": verify exits 3 and says why.
func TestAuditVerifyEmptiedLog(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	if code, out, errb := runBin(t, bin, "screen", "address", "0x00000000000000000000000000000000000000aa", "--data-dir", data); code != 0 {
		t.Fatalf("screen: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := runBin(t, bin, "audit", "verify", "--data-dir", data); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify before: exit %d\n%s%s", code, out, errb)
	}
	rawExec(t, data, `DELETE FROM audit_log`, `DELETE FROM audit_head`)
	code, out, errb := runBin(t, bin, "audit", "verify", "--data-dir", data)
	if code != 3 || !strings.Contains(out, "BROKEN at entry 1") || !strings.Contains(out, "the audit log is empty, but the store holds") {
		t.Fatalf("verify of an emptied log: exit %d, want 3 saying the log is empty\n%s%s", code, out, errb)
	}
}

// TestRetention: decisions older than the retention are pruned, by
// 'screen prune' and by 'serve --retention' (trace alerts too), each with
// an audit entry, and the log still verifies.
func TestRetention(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	for _, a := range []string{"0x00000000000000000000000000000000000000aa", "0x00000000000000000000000000000000000000bb"} {
		if code, out, errb := runBin(t, bin, "screen", "address", a, "--data-dir", data); code != 0 {
			t.Fatalf("screen: exit %d\n%s%s", code, out, errb)
		}
	}
	if code, out, _ := runBin(t, bin, "screen", "prune", "--older-than", "400d", "--data-dir", data); code != 0 || !strings.Contains(out, "nothing to prune") {
		t.Fatalf("prune with nothing old: exit %d\n%s", code, out)
	}
	if code, _, errb := runBin(t, bin, "screen", "prune", "--older-than", "5h", "--data-dir", data); code != 1 || !strings.Contains(errb, "at least 1d") {
		t.Fatalf("prune --older-than 5h: exit %d\n%s", code, errb)
	}
	// Make the first decision 500 days old, as if it had been kept that
	// long (a decision's time is not part of its audit entry).
	old := time.Now().Add(-500 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000000000Z")
	rawExec(t, data, `UPDATE screen_decisions SET time = '`+old+`' WHERE id = (SELECT min(id) FROM screen_decisions)`)
	code, out, errb := runBin(t, bin, "screen", "prune", "--older-than", "400d", "--data-dir", data)
	if code != 0 || !strings.Contains(out, "pruned 1 decision and 0 screening alerts recorded before") {
		t.Fatalf("prune: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := runBin(t, bin, "audit", "verify", "--data-dir", data); code != 0 || !strings.Contains(out, "intact: 4 entries") {
		t.Fatalf("verify after the prune: exit %d\n%s%s", code, out, errb)
	}

	// serve --retention prunes at start, trace alerts too (one stored
	// 500 days ago, its webhook delivery done).
	rawExec(t, data, `UPDATE screen_decisions SET time = '`+old+`'`,
		`INSERT INTO trace_alerts (time, code, severity, follow, chain, block, block_hash, tx_hash, position, deposit, message, alert)
VALUES ('`+old+`', 'TRACE_DEPOSIT', 'critical', 'case:1', 1, 7, '0x01', '0x02', 'log:0', '0x00000000000000000000000000000000000000aa', 'm', '{}')`)
	s := startServer(t, bin, data, "--retention", "400d")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.stderr.String(), "retention: pruned screening decisions") || !strings.Contains(s.stderr.String(), "retention: pruned trace alerts") {
		if time.Now().After(deadline) {
			t.Fatalf("serve --retention did not prune:\n%s", s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if code, out, errb := runBin(t, bin, "audit", "verify", "--data-dir", data); code != 0 {
		t.Fatalf("verify after serve pruned: exit %d\n%s%s", code, out, errb)
	}
}

func TestRetentionAndByteSizeFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"400d", 400 * 24 * time.Hour, true}, {"0", 0, true}, {"0d", 0, true}, {"48h", 48 * time.Hour, true},
		{"5h", 0, false}, {"-1d", 0, false}, {"2000000000d", 0, false}, {"36500d", 36500 * 24 * time.Hour, true}, {"d", 0, false}, {"forever", 0, false}, {"1.5d", 0, false},
	} {
		var r retention
		err := r.Set(tc.in)
		if (err == nil) != tc.ok || (tc.ok && time.Duration(r) != tc.want) {
			t.Errorf("retention %q: %v, %v; want %v ok=%v", tc.in, time.Duration(r), err, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"384MiB", 384 << 20, true}, {"2GiB", 2 << 30, true}, {"0", 0, true}, {"1048576", 1 << 20, true}, {"64 KiB", 64 << 10, true},
		{"-1", 0, false}, {"1.5GiB", 0, false}, {"lots", 0, false}, {"9999999999GiB", 0, false},
	} {
		var b byteSize
		err := b.Set(tc.in)
		if (err == nil) != tc.ok || (tc.ok && int64(b) != tc.want) {
			t.Errorf("byte size %q: %d, %v; want %d ok=%v", tc.in, int64(b), err, tc.want, tc.ok)
		}
	}
}

// FuzzRetentionFlag: any value is a retention of 0 or at least a day, or
// an error; what String prints parses back to the same value.
func FuzzRetentionFlag(f *testing.F) {
	for _, s := range []string{"400d", "0", "1825d", "48h", "5h", "-1d", "1.5d", "9999999999d", "d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r retention
		if err := r.Set(s); err != nil {
			return
		}
		if d := time.Duration(r); d != 0 && d < 24*time.Hour || d < 0 {
			t.Fatalf("%q gave %v", s, d)
		}
		var back retention
		if err := back.Set(r.String()); err != nil || back != r {
			t.Fatalf("%q: String %q parses back to %v, %v", s, r.String(), time.Duration(back), err)
		}
	})
}

// FuzzByteSizeFlag: any value is a non-negative size or an error; String
// parses back to the same size.
func FuzzByteSizeFlag(f *testing.F) {
	for _, s := range []string{"384MiB", "2GiB", "0", "64 KiB", "-1", "1.5GiB", "9999999999GiB", "MiB", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b byteSize
		if err := b.Set(s); err != nil {
			return
		}
		if b < 0 {
			t.Fatalf("%q gave %d", s, int64(b))
		}
		var back byteSize
		if err := back.Set(b.String()); err != nil || back != b {
			t.Fatalf("%q: String %q parses back to %d, %v", s, b.String(), int64(back), err)
		}
	})
}

// TestServeHireRetention: --hire-retention (or its environment variable)
// is what serve hands its wiring; 365 days by default, 0 keeps the people
// records forever, less than a day is refused.
func TestServeHireRetention(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want time.Duration
		code int
	}{
		{"default", nil, nil, DefaultHireRetention, 0},
		{"flag", []string{"--hire-retention", "30d"}, nil, 30 * 24 * time.Hour, 0},
		{"keep", []string{"--hire-retention", "0"}, nil, 0, 0},
		{"environment", nil, map[string]string{"BULWARK_HIRE_RETENTION": "90d"}, 90 * 24 * time.Hour, 0},
		{"too short", []string{"--hire-retention", "1h"}, nil, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			var got time.Duration
			var errb bytes.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, defaultLists: embeddedLists,
				LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
				Serve:     func(_ context.Context, s *Serving) error { got = s.HireRetention; return nil }}
			code := m.Run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...))
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if code != tt.code || got != tt.want {
				t.Errorf("exit %d, hire retention %s, want exit %d, %s; stderr %q", code, got, tt.code, tt.want, errb.String())
			}
		})
	}
}
