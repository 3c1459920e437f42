package bulwark

import (
	"context"
	"time"
)

// Sleep waits for d or the end of ctx, whichever comes first, and reports
// whether it waited the whole d (false when ctx ended): the pause of a
// poll or a retry loop that must stop at once when its context does.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
