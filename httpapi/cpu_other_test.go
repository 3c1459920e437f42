//go:build !unix

package httpapi_test

import (
	"testing"
	"time"
)

// processCPU is not measured here: cpu-µs/req reads 0.
func processCPU(*testing.B) time.Duration { return 0 }
