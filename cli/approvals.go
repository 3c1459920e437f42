package cli

import (
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// serveDualControl returns the dual-control setting serve is configured
// with on this data directory ($BULWARK_DUAL_CONTROL, or the config file's
// [serve] dual-control; all by default), which the command line applies
// too: what needs a second person through the API needs one from the
// command line. A setting that does not parse is refused.
func (m *Main) serveDualControl() (approval.Config, error) {
	if v, ok := m.lookupEnv(envName("dual-control")); ok && v != "" {
		return approval.ParseConfig("$"+envName("dual-control"), v)
	}
	cfg, explicit := m.g.config, m.g.config != ""
	if !explicit {
		cfg = dataDirConfig(m)
	}
	if cfg == "" {
		return approval.Config{}, nil
	}
	values, err := loadConfig(cfg, explicit, m.configTables)
	if err != nil || values == nil {
		return approval.Config{}, nil
	}
	if v, ok := values["serve.dual-control"]; ok {
		return approval.ParseConfig("dual-control in the [serve] table of "+cfg, v)
	}
	return approval.Config{}, nil
}

// dualControl returns the gate of the command line's actions under dual
// control: a command asks, and the request waits for a second person in
// the console; the command line never approves.
func (m *Main) dualControl(db *sqlite.DB, alog *audit.Log) (*approval.Service, error) {
	cfg, err := m.serveDualControl()
	if err != nil {
		return nil, err
	}
	return &approval.Service{Store: db, Audit: alog, Config: cfg}, nil
}
