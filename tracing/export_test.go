package tracing

import "context"

// TraceWithEngine is Trace returning its engine too, for the external
// tests to check its invariants.
func TraceWithEngine(ctx context.Context, transfers []Transfer, req Request) (*Graph, *Engine, error) {
	return trace(ctx, transfers, req)
}
