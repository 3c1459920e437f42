package bulwark_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	if !bulwark.Sleep(context.Background(), time.Millisecond) {
		t.Error("a sleep with a live context did not wait it out")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if bulwark.Sleep(ctx, time.Hour) {
		t.Error("a sleep with an ended context waited")
	}
	ctx, cancel = context.WithCancel(context.Background())
	go cancel()
	if bulwark.Sleep(ctx, time.Hour) {
		t.Error("a sleep whose context ended meanwhile waited")
	}
}
