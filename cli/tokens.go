package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

func (m *Main) tokenCmd() *command {
	return &command{
		name:    "token",
		summary: "create, list and revoke API tokens",
		long:    "API tokens authenticate every /api/v1 request ('Authorization: Bearer TOKEN').\nThese commands work directly on the data directory, so they also work while 'bulwark serve' runs.",
		subs:    []*command{m.tokenCreateCmd(), m.tokenListCmd(), m.tokenRevokeCmd()},
	}
}

func (m *Main) tokenCreateCmd() *command {
	var name, role, person string
	var ttl time.Duration
	return &command{
		name:    "create",
		summary: "create a token and print it once (only its hash is stored)",
		usage:   "bulwark token create --name NAME --role admin|analyst|viewer [--person NAME] [--ttl DURATION] [--json]",
		long: "The token goes to stdout alone, so TOKEN=$(bulwark token create ...) captures it; the notes go to stderr.\n" +
			"--person names the person the token belongs to: the co-signer counts one approval per person\n" +
			"(compared case-folded), however many tokens that person holds; a token without one counts as itself.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "token `NAME` (letters, digits, . _ @ -)")
			fs.StringVar(&role, "role", "", "`ROLE`: admin, analyst or viewer")
			fs.DurationVar(&ttl, "ttl", 0, "expire after this `DURATION` (e.g. 720h); 0 never expires")
			fs.StringVar(&person, "person", "", "the `NAME` of the person the token belongs to (dual control counts one approval per person)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("token create", args); err != nil {
				return 1, err
			}
			if name == "" {
				return 1, bulwark.Invalid("--name", "required: give the token a name, e.g. --name ci-pipeline")
			}
			if role == "" {
				return 1, bulwark.Invalid("--role", "required: one of admin, analyst, viewer")
			}
			r, err := auth.ParseRole(role)
			if err != nil {
				return 1, bulwark.Invalid("--role", "unknown role %q: use admin, analyst or viewer", role)
			}
			if ttl < 0 {
				return 1, bulwark.Invalid("--ttl", "must not be negative")
			}
			if _, err := auth.ValidatePerson(person); err != nil {
				return 1, bulwark.Invalid("--person", "%s", bulwark.ErrorMessage(err))
			}
			_, tokens, log, err := m.services(ctx)
			if err != nil {
				return 1, err
			}
			actor := m.cliActor()
			var (
				plain string
				t     *auth.Token
			)
			if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
				var err error
				if plain, t, err = tokens.Create(ctx, name, r, auth.CreateOptions{CreatedBy: actor, TTL: ttl, Person: person}); err != nil {
					return audit.Event{}, err
				}
				return tokenEvent(actor, "token.create", t), nil
			}); err != nil {
				return 1, err
			}
			if m.g.json {
				// The same shape as POST /api/v1/tokens.
				return 0, m.printJSON(struct {
					Secret string      `json:"secret"`
					Token  *auth.Token `json:"token"`
				}{plain, t})
			}
			fmt.Fprintf(m.Stderr, "Created token %q (id %s, role %s). It is shown once; store it now:\n", t.Name, t.ID, t.Role)
			fmt.Fprintln(m.Stdout, plain)
			return 0, nil
		},
	}
}

// tokenEvent is the audit event of a token change. Its details never carry
// the secret or its hash.
func tokenEvent(actor, action string, t *auth.Token) audit.Event {
	return audit.Event{Actor: actor, Action: action, Target: t.AuditTarget(), Details: t.AuditDetails()}
}

func (m *Main) tokenListCmd() *command {
	return &command{
		name:    "list",
		summary: "list tokens (never their secrets)",
		usage:   "bulwark token list [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("token list", args); err != nil {
				return 1, err
			}
			_, tokens, _, err := m.services(ctx)
			if err != nil {
				return 1, err
			}
			list, err := tokens.List(ctx)
			if err != nil {
				return 1, err
			}
			if m.g.json {
				if list == nil {
					list = []*auth.Token{}
				}
				return 0, m.printJSON(list)
			}
			now := time.Now()
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tPERSON\tSTATUS\tCREATED\tLAST USED\tEXPIRES")
			for _, t := range list {
				status := "active"
				switch {
				case t.RevokedAt != nil:
					status = "revoked"
				case !t.Active(now):
					status = "expired"
				}
				person := t.Person
				if person == "" {
					person = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, person, status,
					formatTime(&t.CreatedAt), formatTime(t.LastUsedAt), formatTime(t.ExpiresAt))
			}
			return 0, tw.Flush()
		},
	}
}

func (m *Main) tokenRevokeCmd() *command {
	return &command{
		name:    "revoke",
		summary: "revoke a token at once",
		usage:   "bulwark token revoke ID [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return 1, bulwark.Invalid("ID", "give exactly one token id (see 'bulwark token list')")
			}
			if err := auth.ValidateID(args[0]); err != nil {
				return 1, err
			}
			_, tokens, log, err := m.services(ctx)
			if err != nil {
				return 1, err
			}
			var t *auth.Token
			_, err = log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
				var err error
				if t, err = tokens.Revoke(ctx, args[0]); err != nil {
					return audit.Event{}, err
				}
				return tokenEvent(m.cliActor(), "token.revoke", t), nil
			})
			already := errors.Is(err, auth.ErrAlreadyRevoked)
			if err != nil && !already {
				return 1, err
			}
			// Committed: a running server drops the token from its cache
			// on its next request.
			tokens.Forget(t.ID)
			if m.g.json {
				return 0, m.printJSON(t)
			}
			if already {
				fmt.Fprintf(m.Stdout, "Token %s (%s) was already revoked at %s; nothing changed.\n", t.ID, t.Name, t.RevokedAt.UTC().Format(time.RFC3339))
				return 0, nil
			}
			fmt.Fprintf(m.Stdout, "Revoked token %s (%s).\n", t.ID, t.Name)
			return 0, nil
		},
	}
}

func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return bulwark.Invalid(cmd, "takes no arguments, got %q (flags start with --)", args[0])
	}
	return nil
}
