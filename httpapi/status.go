package httpapi

import (
	"net/http"

	"github.com/bulwark-sec/bulwark"
)

// statuses is the one place where bulwark error codes meet HTTP statuses
// (exit codes are the root package's). Every code of bulwark.Codes has an
// entry (TestEveryCodeHasAStatus); an unknown code answers like
// bulwark.EINTERNAL.
var statuses = map[string]int{
	bulwark.EINVALID:      http.StatusBadRequest,
	bulwark.ENOTFOUND:     http.StatusNotFound,
	bulwark.EUNAUTHORIZED: http.StatusUnauthorized,
	bulwark.EFORBIDDEN:    http.StatusForbidden,
	bulwark.ECONFLICT:     http.StatusConflict,
	bulwark.EMETHOD:       http.StatusMethodNotAllowed,
	bulwark.ERATELIMITED:  http.StatusTooManyRequests,
	bulwark.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	bulwark.EUNAVAILABLE:  http.StatusServiceUnavailable,
	bulwark.ETIMEOUT:      http.StatusGatewayTimeout,
	bulwark.EINTEGRITY:    http.StatusConflict,
	bulwark.EINTERNAL:     http.StatusInternalServerError,
	bulwark.EPENDING:      http.StatusAccepted,
}

// httpStatus returns the HTTP status for err: 200 for nil, the status of its
// bulwark error code otherwise (500 for an error that is not a
// *bulwark.Error or has an unknown code).
func httpStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if s, ok := statuses[bulwark.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
