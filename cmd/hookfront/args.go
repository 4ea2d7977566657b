package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// errFlag is a flag the flag package refused (unknown, or a value it cannot read). It printed
// why, and the command's flags; the exit code is 2, that of a usage error.
var errFlag = errors.New("bad flag")

// parseArgs parses fs's flags wherever they stand among args and returns the other arguments in
// order. Users write flags after a file as readily as before it (`hookfront invoke h.js --event
// e.json`), and the flag package stops at the first argument that is not a flag: every flag after
// it was ignored without a word. After "--" everything is an argument.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, err
		} else if err != nil {
			return nil, errFlag
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if i := len(args) - len(left) - 1; i >= 0 && args[i] == "--" {
			return append(rest, left...), nil
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// oneArg is the single argument of a command that takes one (a file, a trigger): "" when there
// is none, a usage error when there are more.
func oneArg(rest []string, what string) (string, error) {
	switch len(rest) {
	case 0:
		return "", nil
	case 1:
		return rest[0], nil
	}
	return "", usageError{fmt.Sprintf("one %s, not %d arguments (%s)", what, len(rest), strings.Join(rest, " "))}
}

// noArgs refuses arguments to a command that takes flags only. For serve and validate
// (configFlags), a file or folder given bare is most likely what --config or --hooks was meant
// for, and the error says so.
func noArgs(rest []string, configFlags bool) error {
	if len(rest) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unexpected argument %q: this command takes flags only", rest[0])
	if st, err := os.Stat(rest[0]); err == nil && configFlags {
		flag := "--config"
		if st.IsDir() {
			flag = "--hooks"
		}
		msg += fmt.Sprintf(" (did you mean %s %s?)", flag, rest[0])
	}
	return usageError{msg}
}
