package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// TestNewest pages a 7-entry log newest first, and walking the pages by
// their next cursor visits every entry once, newest to oldest.
func TestNewest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &sliceStore{}
	log := &audit.Log{Store: s}
	if got, next, err := audit.Newest(ctx, s, 0, 3); err != nil || len(got) != 0 || next != 0 {
		t.Fatalf("empty log: %v, next %d, %v", got, next, err)
	}
	for i := 1; i <= 7; i++ {
		if _, err := log.Record(ctx, audit.Event{Action: fmt.Sprintf("a%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(es []*audit.Entry) string {
		s := ""
		for _, e := range es {
			s += fmt.Sprint(e.Seq, " ")
		}
		return s
	}
	tests := []struct {
		before   int64
		limit    int
		want     string
		wantNext int64
	}{
		{before: 0, limit: 3, want: "7 6 5 ", wantNext: 5},
		{before: 5, limit: 3, want: "4 3 2 ", wantNext: 2},
		{before: 2, limit: 3, want: "1 ", wantNext: 0},
		{before: 1, limit: 3, want: "", wantNext: 0},
		{before: 0, limit: 100, want: "7 6 5 4 3 2 1 ", wantNext: 0},
		{before: 100, limit: 2, want: "7 6 ", wantNext: 6},
		{before: 4, limit: 3, want: "3 2 1 ", wantNext: 0},
	}
	for _, tt := range tests {
		got, next, err := audit.Newest(ctx, s, tt.before, tt.limit)
		if err != nil || seqs(got) != tt.want || next != tt.wantNext {
			t.Errorf("Newest(before %d, limit %d) = %q next %d, %v; want %q next %d", tt.before, tt.limit, seqs(got), next, err, tt.want, tt.wantNext)
		}
	}
	var walked string
	for before := int64(0); ; {
		got, next, err := audit.Newest(ctx, s, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		walked += seqs(got)
		if next == 0 {
			break
		}
		before = next
	}
	if walked != "7 6 5 4 3 2 1 " {
		t.Errorf("walking the pages visits %q", walked)
	}
	for _, bad := range []struct {
		before int64
		limit  int
		field  string
	}{{-1, 3, "before"}, {0, 0, "limit"}} {
		_, _, err := audit.Newest(ctx, s, bad.before, bad.limit)
		var e *bulwark.Error
		if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != bad.field {
			t.Errorf("Newest(%d, %d): %v, want invalid %s", bad.before, bad.limit, err, bad.field)
		}
	}
}
