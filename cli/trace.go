package cli

// withTraceDeposits puts 'bulwark trace deposit', the registry of the
// deposit addresses the follower alerts on, under the trace command t.
func (m *Main) withTraceDeposits(t *command) *command {
	t.subs = append(t.subs, m.traceDepositCmd())
	return t
}
