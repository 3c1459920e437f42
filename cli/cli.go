package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/tomlsafe"
)

// command is one node of the command tree. A command has either subcommands
// or a run function.
type command struct {
	name    string
	summary string
	// usage is the synopsis line after "Usage:", without the program name.
	usage string
	// long is an optional paragraph shown by --help.
	long string
	// setup declares the command's own flags.
	setup func(fs *flag.FlagSet)
	// configurable marks commands whose flags may also come from BULWARK_*
	// variables and the config file (long-running settings such as serve's),
	// as opposed to per-invocation flags such as a token's name.
	configurable bool
	// planned marks a placeholder for a capability not built yet: it is
	// left out of the group's command list and named on one line below it.
	planned bool
	// run does the work and returns the exit code for a successful run
	// (verdict-based), or an error (exit code from the error table).
	run  func(ctx context.Context, args []string) (int, error)
	subs []*command
}

func (c *command) sub(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// globals are the flags every command takes.
type globals struct {
	dataDir   string
	json      bool
	logFormat string
	logLevel  string
	config    string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.dataDir, "data-dir", "", "data directory `DIR` (default $BULWARK_DATA, else ~/.local/share/bulwark)")
	fs.BoolVar(&g.json, "json", false, "machine-readable JSON on stdout")
	fs.StringVar(&g.logFormat, "log-format", "text", "log format: `text|json`")
	fs.StringVar(&g.logLevel, "log-level", "info", "log `LEVEL`: debug, info, warn or error")
	fs.StringVar(&g.config, "config", "", "config `FILE` (TOML; default $BULWARK_CONFIG or DIR/bulwark.toml if present)")
}

var globalNames = map[string]bool{"data-dir": true, "json": true, "log-format": true, "log-level": true, "config": true}

// isGlobalFlag reports whether arg is a global flag: --data-dir, -json,
// --log-level=debug …
func isGlobalFlag(arg string) bool {
	if !strings.HasPrefix(arg, "-") || arg == "--" {
		return false
	}
	return globalNames[flagName(arg)]
}

// flagName is the name in a flag argument: "data-dir" in "--data-dir=D".
func flagName(arg string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-"), "=")
	return name
}

// globalFlagArgs returns how many of args (args[0] a global flag) the flag
// takes: 2 for '--data-dir DIR', 1 for '--json' or '--data-dir=DIR'.
func globalFlagArgs(args []string) (int, error) {
	if strings.Contains(args[0], "=") {
		return 1, nil
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	new(globals).register(fs)
	name := flagName(args[0])
	if b, ok := fs.Lookup(name).Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return 1, nil
	}
	if len(args) < 2 {
		return 0, bulwark.Invalid("--"+name, "needs a value (see 'bulwark --help')")
	}
	return 2, nil
}

// globalFlagList names the global flags for messages: "--config, --data-dir, …".
func globalFlagList() string {
	var names []string
	for n := range globalNames {
		names = append(names, "--"+n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// dispatch finds the command named by args, parses its flags and runs it.
// Global flags may stand before, between or after the command names
// ('bulwark --data-dir D serve' and 'bulwark serve --data-dir D'); a
// command's own flags go after its name.
func (m *Main) dispatch(ctx context.Context, root *command, args []string) (int, error) {
	cmd, path := root, []string{"bulwark"}
	var early []string // global flags met before the command's name
	for len(cmd.subs) > 0 {
		for len(args) > 0 && isGlobalFlag(args[0]) {
			n, err := globalFlagArgs(args)
			if err != nil {
				return bulwark.ExitError, err
			}
			early, args = append(early, args[:n]...), args[n:]
		}
		// A group that also runs on its own ('bulwark lists') takes its
		// flags when no subcommand follows.
		if cmd.run != nil && (len(args) == 0 || (strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help")) {
			break
		}
		if len(args) > 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") && !strings.HasPrefix(args[1], "-") {
			// 'bulwark help safe verify' and 'bulwark --help safe verify'
			// are 'bulwark safe verify --help'.
			args = append(slices.Clone(args[1:]), "--help")
			continue
		}
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			m.printGroupHelp(cmd, path)
			if len(args) == 0 && cmd != root {
				return bulwark.ExitError, usageError(path, "missing subcommand")
			}
			if len(args) == 0 {
				return bulwark.ExitError, usageError(path, "missing command")
			}
			return bulwark.ExitOK, nil
		}
		if strings.HasPrefix(args[0], "-") {
			name := flagName(args[0])
			if name == "data" {
				return bulwark.ExitError, bulwark.Invalid("--data", "is a transaction's calldata ('bulwark safe hash --data HEX'), never the data directory: that is --data-dir DIR, before or after the command")
			}
			if name == "version" && cmd == root {
				// 'bulwark --version', as git and docker take it.
				args = append([]string{"version"}, args[1:]...)
				continue
			}
			owners := commandsWithFlag(cmd, path, name)
			switch {
			case len(owners) == 0:
				return bulwark.ExitError, bulwark.Invalid("--"+name, "no such flag for %s or any of its commands (see '%s --help')", strings.Join(path, " "), strings.Join(path, " "))
			case len(owners) == 1:
				return bulwark.ExitError, bulwark.Invalid("--"+name, "goes after the command name ('%s --%s …'): only the global flags %s may come before it (see '%s --help')",
					owners[0], name, globalFlagList(), owners[0])
			}
			prefix := strings.Join(path, " ") + " "
			for i, o := range owners {
				owners[i] = strings.TrimPrefix(o, prefix)
			}
			return bulwark.ExitError, bulwark.Invalid("--"+name, "goes after the command name ('%s COMMAND --%s …', COMMAND one of: %s): only the global flags %s may come before it (see '%s --help')",
				strings.Join(path, " "), name, strings.Join(owners, ", "), globalFlagList(), strings.Join(path, " "))
		}
		next := cmd.sub(args[0])
		if next == nil {
			return bulwark.ExitError, usageError(path, "unknown command %q", args[0])
		}
		cmd, path, args = next, append(path, args[0]), args[1:]
	}
	if len(early) > 0 {
		// Parsed with the rest, so that a global flag given both before
		// and after the command is refused as given twice.
		args = append(early, args...)
	}

	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m.g = globals{}
	m.g.register(fs)
	if cmd.setup != nil {
		cmd.setup(fs)
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		m.printLeafHelp(cmd, path, fs)
		return bulwark.ExitOK, nil
	}
	if err != nil {
		return bulwark.ExitError, flagError(fs, path, err)
	}
	if err := m.applyEnvAndConfig(fs, cmd, path); err != nil {
		return bulwark.ExitError, err
	}
	if err := m.setupLogging(); err != nil {
		return bulwark.ExitError, err
	}
	return cmd.run(ctx, pos)
}

// commandsWithFlag returns the full names ("bulwark serve") of the
// commands under c, at path, that take the flag name.
func commandsWithFlag(c *command, path []string, name string) []string {
	var out []string
	if c.setup != nil {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		c.setup(fs)
		if fs.Lookup(name) != nil {
			out = append(out, strings.Join(path, " "))
		}
	}
	for _, sub := range c.subs {
		out = append(out, commandsWithFlag(sub, append(slices.Clone(path), sub.name), name)...)
	}
	return out
}

// parseInterleaved parses flags that may stand before, between or after
// positional arguments; everything after "--" is positional. A flag given
// twice is an error (*repeatedFlagError) unless its Value is repeatable:
// for a security tool, a pasted command with a second --to must not
// silently hash the last one.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var repeated string
	fs.VisitAll(func(f *flag.Flag) {
		if r, ok := f.Value.(repeatable); ok && r.Repeatable() {
			return
		}
		f.Value = &onceValue{Value: f.Value, name: f.Name, repeated: &repeated}
	})
	defer fs.VisitAll(func(f *flag.Flag) {
		if o, ok := f.Value.(*onceValue); ok {
			f.Value = o.Value
		}
	})
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if repeated != "" {
				return nil, &repeatedFlagError{name: repeated}
			}
			return nil, err
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// repeatable is implemented by a flag.Value meant to be given several
// times, each adding to a list; no flag is so far. Any other flag given
// twice is refused.
type repeatable interface{ Repeatable() bool }

// onceValue wraps a flag's Value while the command line is parsed and
// refuses a second Set, noting the flag's name in *repeated.
type onceValue struct {
	flag.Value
	name     string
	set      bool
	repeated *string
}

func (o *onceValue) Set(v string) error {
	if o.set {
		if *o.repeated == "" {
			*o.repeated = o.name
		}
		return errors.New("given twice")
	}
	o.set = true
	return o.Value.Set(v)
}

// IsBoolFlag keeps a wrapped boolean flag valid without a value.
func (o *onceValue) IsBoolFlag() bool {
	b, ok := o.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

type repeatedFlagError struct{ name string }

func (e *repeatedFlagError) Error() string { return "--" + e.name + " given twice" }

// Patterns of the flag package's parse errors, so that they name the flag
// with two dashes as every other error does.
var (
	reUnknownFlag  = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	reNumber       = regexp.MustCompile(`^[0-9][0-9.]*$`)
	reNeedsValue   = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	reInvalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-+([^:]+): (.*)$`)
)

// flagError turns an error of parseInterleaved into one line naming the
// flag: "--to given twice; give it once", "--bogus: no such flag …".
func flagError(fs *flag.FlagSet, path []string, err error) error {
	cmd := strings.Join(path, " ")
	see := fmt.Sprintf("(see '%s --help')", cmd)
	var rep *repeatedFlagError
	if errors.As(err, &rep) {
		return &bulwark.Error{Code: bulwark.EINVALID, Field: "--" + rep.name,
			Message: fmt.Sprintf("--%s given twice; give it once (a repeated flag is refused, not last-wins)", rep.name)}
	}
	msg := err.Error()
	if g := reUnknownFlag.FindStringSubmatch(msg); g != nil {
		if g[1] == "data" {
			// --data is calldata where a command takes calldata, and
			// never the data directory.
			return bulwark.Invalid("--data", "no such flag for %s: --data is a transaction's calldata, which this command does not take; the data directory is --data-dir DIR %s", cmd, see)
		}
		if reNumber.MatchString(g[1]) {
			// A negative number where an argument goes ('trace case show
			// -1') is parsed as a flag: say what it is.
			return bulwark.Invalid("-"+g[1], "is read as a flag, and %s takes no negative number: give a positive one %s", cmd, see)
		}
		return bulwark.Invalid("--"+g[1], "no such flag for %s %s", cmd, see)
	}
	if g := reNeedsValue.FindStringSubmatch(msg); g != nil {
		return bulwark.Invalid("--"+g[1], "needs a value %s", see)
	}
	if g := reInvalidValue.FindStringSubmatch(msg); g != nil {
		want := g[3]
		if f := fs.Lookup(g[2]); f != nil && (want == "parse error" || want == "value out of range" || strings.HasPrefix(want, "strconv.")) {
			want = "want " + flagKind(f)
		}
		return bulwark.Invalid("--"+g[2], "invalid value %s: %s", g[1], want)
	}
	return usageError(path, "%s", msg)
}

// flagKind says what a built-in flag type takes.
func flagKind(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			return "a duration such as 30s, 5m or 1h"
		case bool:
			return "true or false"
		case int, int64:
			return "a whole number"
		case uint, uint64:
			return "a whole number, 0 or more"
		case float64:
			return "a number"
		}
	}
	return "a valid value"
}

// usageError is an error in the command line of path: "token: unknown
// command "mint" (see 'bulwark token --help')". The program's name is not
// repeated: the error is printed after "bulwark: ".
func usageError(path []string, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if len(path) > 1 {
		msg = strings.Join(path[1:], " ") + ": " + msg
	}
	return bulwark.Errorf(bulwark.EINVALID, "%s (see '%s --help')", msg, strings.Join(path, " "))
}

// envName is the BULWARK_* variable for a flag. The data directory's is
// BULWARK_DATA.
func envName(flagName string) string {
	if flagName == "data-dir" {
		return "BULWARK_DATA"
	}
	return "BULWARK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnvAndConfig fills flags not given on the command line from BULWARK_*
// variables, then from the config file.
func (m *Main) applyEnvAndConfig(fs *flag.FlagSet, cmd *command, path []string) error {
	if _, ok := m.lookupEnv("BULWARK_DATA_DIR"); ok {
		// BULWARK_<FLAG> would suggest it, but the data directory's
		// variable is BULWARK_DATA: never ignore it silently.
		return bulwark.Invalid("BULWARK_DATA_DIR", "not read: the data directory's variable is BULWARK_DATA; unset BULWARK_DATA_DIR")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	eligible := func(name string) bool { return globalNames[name] || cmd.configurable }

	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] || !eligible(f.Name) {
			return
		}
		if v, ok := m.lookupEnv(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = bulwark.Invalid(envName(f.Name), "invalid value %q: %v", v, e)
				return
			}
			set[f.Name] = true
		}
	})
	if err != nil {
		return err
	}

	file, explicit := m.g.config, m.g.config != ""
	if !explicit {
		file = dataDirConfig(m)
	}
	if file == "" {
		return nil
	}
	values, err := loadConfig(file, explicit, m.configTables)
	if err != nil || values == nil {
		return err
	}
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] || !eligible(f.Name) || f.Name == "config" {
			return
		}
		key := f.Name
		if !globalNames[f.Name] {
			key = path[1] + "." + f.Name
		}
		if v, ok := values[key]; ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = bulwark.Invalid("config", "%s: %s: invalid value %q: %v", file, key, v, e)
			}
		}
	})
	return err
}

// dataDirConfig returns DIR/bulwark.toml for the data directory in force.
func dataDirConfig(m *Main) string {
	dir, err := m.dataDir()
	if err != nil {
		return ""
	}
	return dir + string(os.PathSeparator) + "bulwark.toml"
}

// loadConfig reads a TOML config file into flat keys: "data-dir" for a global,
// "serve.addr" for a command's flag. A missing default file is not an
// error; a missing explicit one is.
func loadConfig(file string, explicit bool, tables map[string]bool) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if !explicit && (errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
			return nil, nil
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, bulwark.Invalid("config", "file %s does not exist", file)
		}
		return nil, bulwark.Invalid("config", "cannot read %s: %s", file, pathErr(err))
	}
	return parseConfig(data, file, tables)
}

// parseConfig parses a TOML config file's contents; file names it in errors.
func parseConfig(data []byte, file string, tables map[string]bool) (map[string]string, error) {
	raw := map[string]any{}
	if _, err := tomlsafe.Decode(string(data), &raw); err != nil {
		return nil, bulwark.Invalid("config", "cannot parse %s: %v", file, err)
	}
	out := map[string]string{}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := raw[k]
		if table, ok := v.(map[string]any); ok {
			if !tables[k] {
				return nil, bulwark.Invalid("config", "%s: unknown table [%s] (tables: %s)", file, k, tableList(tables))
			}
			for tk, tv := range table {
				s, err := configValue(tv)
				if err != nil {
					return nil, bulwark.Invalid("config", "%s: %s.%s: %v", file, k, tk, err)
				}
				out[k+"."+tk] = s
			}
			continue
		}
		if k == "data" {
			return nil, bulwark.Invalid("config", "%s: unknown key \"data\": the data directory's key is data-dir", file)
		}
		if !globalNames[k] || k == "config" {
			return nil, bulwark.Invalid("config", "%s: unknown key %q (top-level keys: data-dir, json, log-format, log-level; server settings go under [serve])", file, k)
		}
		s, err := configValue(v)
		if err != nil {
			return nil, bulwark.Invalid("config", "%s: %s: %v", file, k, err)
		}
		out[k] = s
	}
	return out, nil
}

func tableList(tables map[string]bool) string {
	var names []string
	for k := range tables {
		names = append(names, "["+k+"]")
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func configValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool, int64, float64:
		return fmt.Sprint(x), nil
	default:
		return "", fmt.Errorf("want a string, number or boolean, got %T", v)
	}
}

func (m *Main) printGroupHelp(c *command, path []string) {
	w := m.Stdout
	name := strings.Join(path, " ")
	if c.long != "" {
		fmt.Fprintf(w, "%s\n\n", c.long)
	}
	fmt.Fprintf(w, "Usage: %s COMMAND [flags]\n\nCommands:\n", strings.Replace(name, "bulwark", "bulwark [global flags]", 1))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var planned []string
	for _, s := range c.subs {
		if s.planned {
			planned = append(planned, s.name)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
	}
	tw.Flush()
	if c.run != nil && c.setup != nil && c.usage != "" {
		// A group that also runs on its own ('bulwark trace --seed …'):
		// that use and its flags too.
		fmt.Fprintf(w, "\nWithout a command: %s\n", c.usage)
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		c.setup(fs)
		var own []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) { own = append(own, f) })
		m.flagSection("Flags (without a command)", own)
	}
	if len(planned) > 0 {
		fmt.Fprintf(w, "\nPlanned, not built yet (they only say so and exit 1): %s\n", strings.Join(planned, ", "))
	}
	if len(path) == 1 {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		new(globals).register(fs)
		var global []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) { global = append(global, f) })
		m.flagSection("Global flags (before or after the command)", global)
	}
	fmt.Fprintf(w, "\nRun '%s COMMAND --help' for a command's flags.\n", name)
	if len(path) == 1 {
		fmt.Fprintf(w, "Exit codes: 0 ok/clear, 1 error, 2 review, 3 block/reject/critical.\n")
	}
}

func (m *Main) printLeafHelp(c *command, path []string, fs *flag.FlagSet) {
	w := m.Stdout
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", c.usage, c.summary)
	if c.long != "" {
		fmt.Fprintf(w, "\n%s\n", c.long)
	}
	var own, global []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if globalNames[f.Name] {
			global = append(global, f)
		} else {
			own = append(own, f)
		}
	})
	m.flagSection("Flags", own)
	m.flagSection("Global flags (before or after the command)", global)
	if c.configurable {
		fmt.Fprintf(w, "\nEach flag may also be set as BULWARK_<FLAG> (e.g. %s) or in the config file's [%s] table.\n", envName(own[0].Name), path[1])
	}
}

// flagSection prints a titled table of flags with their placeholders,
// usage and defaults.
func (m *Main) flagSection(title string, flags []*flag.Flag) {
	if len(flags) == 0 {
		return
	}
	w := m.Stdout
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range flags {
		arg, usage := flag.UnquoteUsage(f)
		if arg != "" {
			arg = " " + arg
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  --%s%s\t%s%s\n", f.Name, arg, usage, def)
	}
	tw.Flush()
}
