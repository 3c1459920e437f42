//go:build !unix

package auth_test

import (
	"testing"
	"time"
)

// processCPU is 0 where getrusage is missing: the CPU metric reads 0.
func processCPU(*testing.B) time.Duration { return 0 }
