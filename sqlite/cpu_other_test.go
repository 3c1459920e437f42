//go:build !unix

package sqlite_test

import (
	"testing"
	"time"
)

// processCPU is not measured here: cpu-ns/decision reads 0.
func processCPU(*testing.B) time.Duration { return 0 }
