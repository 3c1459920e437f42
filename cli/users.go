package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

func (m *Main) userCmd() *command {
	return &command{
		name:    "user",
		summary: "create, list, disable console users and reset their second factor",
		long: "Console users sign in at /login with a password and a second factor (a passkey, or an authenticator\n" +
			"app's code). A new user, or one whose second factor was reset, gets a one-time enrolment secret to\n" +
			"open /enrol with. These commands work directly on the data directory, so they also work while\n" +
			"'bulwark serve' runs.",
		subs: []*command{m.userCreateCmd(), m.userListCmd(), m.userDisableCmd(), m.userResetMFACmd()},
	}
}

// users returns the user service on the data directory's store.
func (m *Main) users(ctx context.Context) (*auth.Users, error) {
	db, _, log, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	return &auth.Users{Store: db, Log: log}, nil
}

// enrolment is the JSON of a one-time enrolment secret.
type enrolment struct {
	Secret    string     `json:"secret"`
	ExpiresAt *time.Time `json:"expiresAt"`
	User      *auth.User `json:"user"`
}

// printEnrolment shows a one-time enrolment secret: alone on stdout (or
// as JSON), with how to use it on stderr. It is never logged.
func (m *Main) printEnrolment(what string, secret string, u *auth.User) error {
	if m.g.json {
		return m.printJSON(enrolment{Secret: secret, ExpiresAt: u.EnrolExpiresAt, User: u})
	}
	fmt.Fprintf(m.Stderr, "%s %q (role %s). Give them this one-time enrolment secret, shown once:\n", what, u.Name, u.Role)
	fmt.Fprintln(m.Stdout, secret)
	fmt.Fprintf(m.Stderr, "They open /enrol on the console, paste it, choose a password and enrol a passkey or an\n"+
		"authenticator app. It works once, until %s.\n", u.EnrolExpiresAt.UTC().Format(time.RFC3339))
	return nil
}

func (m *Main) userCreateCmd() *command {
	var name, role string
	return &command{
		name:    "create",
		summary: "create a user and print their one-time enrolment secret",
		usage:   "bulwark user create --name NAME --role admin|analyst|viewer [--json]",
		long:    "The secret goes to stdout alone; the notes go to stderr. Only its hash is stored.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "user `NAME` (lower-case letters, digits, . _ @ -)")
			fs.StringVar(&role, "role", "", "`ROLE`: admin, analyst or viewer")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("user create", args); err != nil {
				return 1, err
			}
			if name == "" {
				return 1, bulwark.Invalid("--name", "required: the user's name, e.g. --name alice")
			}
			if err := auth.ValidateUserName(name); err != nil {
				return 1, bulwark.Invalid("--name", "%s", bulwark.ErrorMessage(err))
			}
			if role == "" {
				return 1, bulwark.Invalid("--role", "required: one of admin, analyst, viewer")
			}
			r, err := auth.ParseRole(role)
			if err != nil {
				return 1, bulwark.Invalid("--role", "unknown role %q: use admin, analyst or viewer", role)
			}
			users, err := m.users(ctx)
			if err != nil {
				return 1, err
			}
			secret, u, err := users.CreateUser(ctx, m.cliActor(), name, r)
			if err != nil {
				return 1, err
			}
			return 0, m.printEnrolment("Created user", secret, u)
		},
	}
}

func (m *Main) userListCmd() *command {
	return &command{
		name:    "list",
		summary: "list users, their roles, status and second factors (never secrets)",
		usage:   "bulwark user list [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("user list", args); err != nil {
				return 1, err
			}
			users, err := m.users(ctx)
			if err != nil {
				return 1, err
			}
			list, err := users.ListUsers(ctx)
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(list)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tSTATUS\tPASSKEYS\tTOTP\tRECOVERY CODES\tCREATED")
			for _, u := range list {
				totp := "no"
				if u.TOTP {
					totp = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", u.Name, u.Role, u.Status, u.Passkeys, totp, u.RecoveryCodes, formatTime(&u.CreatedAt))
			}
			return 0, tw.Flush()
		},
	}
}

// oneUser checks the NAME argument of a user subcommand.
func oneUser(cmd string, args []string) (string, error) {
	if len(args) != 1 {
		return "", bulwark.Invalid("NAME", "give exactly one user name (see 'bulwark user list'), e.g. bulwark user %s alice", cmd)
	}
	return args[0], auth.ValidateUserName(args[0])
}

func (m *Main) userDisableCmd() *command {
	return &command{
		name:    "disable",
		summary: "disable a user at once and end their sessions",
		usage:   "bulwark user disable NAME [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			name, err := oneUser("disable", args)
			if err != nil {
				return 1, err
			}
			users, err := m.users(ctx)
			if err != nil {
				return 1, err
			}
			u, err := users.DisableUser(ctx, m.cliActor(), name)
			if errors.Is(err, auth.ErrUnchangedUser) {
				if m.g.json {
					return 0, m.printJSON(u)
				}
				fmt.Fprintln(m.Stdout, bulwark.ErrorMessage(err))
				return 0, nil
			}
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(u)
			}
			fmt.Fprintf(m.Stdout, "Disabled user %s; their sessions ended.\n", u.Name)
			return 0, nil
		},
	}
}

func (m *Main) userResetMFACmd() *command {
	return &command{
		name:    "reset-mfa",
		summary: "remove a user's second factors and print a new one-time enrolment secret",
		usage:   "bulwark user reset-mfa NAME [--json]",
		long: "For a person who lost their passkey, phone and recovery codes. Their passkeys, TOTP and recovery codes\n" +
			"are removed and their sessions end; with the new secret they set a password and enrol again.",
		run: func(ctx context.Context, args []string) (int, error) {
			name, err := oneUser("reset-mfa", args)
			if err != nil {
				return 1, err
			}
			users, err := m.users(ctx)
			if err != nil {
				return 1, err
			}
			secret, u, err := users.ResetMFA(ctx, m.cliActor(), name)
			if err != nil {
				return 1, err
			}
			return 0, m.printEnrolment("Reset the second factor of", secret, u)
		},
	}
}
