package hiring

import (
	"fmt"
	"testing"
)

func BenchmarkPhoneTmp(b *testing.B) {
	nums := make([]string, 10000)
	for i := range nums {
		nums[i] = fmt.Sprintf("(415) %03d-%04d", 200+i%800, i)
	}
	b.ResetTimer()
	for i := range b.N {
		NormalizePhone(nums[i%len(nums)], "US")
	}
}
