package cli

import (
	"os"
	"os/user"

	"github.com/bulwark-sec/bulwark"
)

// osIdentity returns the operating-system user (by the process's user
// id, not $USER, which the caller chooses) and host name a command-line
// approval is given from: two approvals from the same user on the same
// host count once, whatever names --as gives. Tests replace it with
// Main.osUser.
func (m *Main) osIdentity() (userName, host string, err error) {
	if m.osUser != nil {
		return m.osUser()
	}
	u, err := user.Current()
	if err != nil {
		return "", "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot tell which operating-system user approves: "+err.Error())
	}
	host, err = os.Hostname()
	if err != nil {
		return "", "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot read the host name the approval is given from: "+err.Error())
	}
	userName = u.Username
	if userName == "" {
		userName = "uid " + u.Uid
	}
	return userName, host, nil
}
