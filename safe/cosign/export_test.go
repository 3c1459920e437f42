package cosign

import "context"

// SetAfterVerify makes s call f between the verification and the re-read
// of the Safe's state at signing time, so that a test can change the chain
// in between.
func SetAfterVerify(s *Service, f func(ctx context.Context)) { s.afterVerify = f }
