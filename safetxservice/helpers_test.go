package safetxservice_test

import (
	"errors"

	"github.com/bulwark-sec/bulwark"
)

func asError(err error, be **bulwark.Error) bool { return errors.As(err, be) }
