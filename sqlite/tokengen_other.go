//go:build !unix

package sqlite

// tokenGen is not shared between processes on this platform: generation
// reads are 0, and a revocation made by another process reaches a server
// within its token cache's lifetime.
type tokenGen struct{}

func (g *tokenGen) counter(string) *uint64 { return nil }
