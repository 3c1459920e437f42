package cli

import "github.com/bulwark-sec/bulwark/tracing"

// traceGraph runs a trace (tracing.Trace).
var traceGraph = tracing.Trace
