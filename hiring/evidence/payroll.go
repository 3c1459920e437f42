package evidence

import (
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// PayrollColumns are the columns of a payroll-accounts file.
var PayrollColumns = []string{"person", "kind", "account", "holder", "institution", "chain", "since"}

// ReadPayroll reads the accounts people are paid to from r, a file called
// name (for messages): CSV with a header row or JSON (lines or an array),
// as ReadPeople reads them, with the columns PayrollColumns. person (the
// payee's id or e-mail), kind (bank, iban, crypto or wallet, any case)
// and account are required; chain (ethereum, bitcoin, tron, …; lower
// case) is required for a crypto account; since is an RFC 3339 time with
// its zone or a date (2025-03-04), read as midnight UTC. A time without a
// zone is an error saying to add Z or an offset.
//
// As every reader here, it is all or nothing: any bad row refuses the
// file with an error naming the file, line and column.
func ReadPayroll(r io.Reader, name string, lim Limits) ([]hiring.PayrollAccount, error) {
	in, err := openInput(r, name, lim)
	if err != nil {
		return nil, err
	}
	var out collector[hiring.PayrollAccount]
	err = in.readFixed(PayrollColumns, func(line int, v []string) error {
		a := hiring.PayrollAccount{Person: v[0], Kind: strings.ToLower(v[1]), Account: v[2], Holder: v[3],
			Institution: v[4], Chain: strings.ToLower(v[5]), Line: line}
		if a.Person == "" {
			return in.errf(line, "person", "missing: give the payee's id or e-mail")
		}
		switch a.Kind {
		case "bank", "iban", "crypto", "wallet":
		case "":
			return in.errf(line, "kind", "missing: give bank, iban, crypto or wallet")
		default:
			return in.errf(line, "kind", "is not a kind of account: give bank, iban, crypto or wallet")
		}
		if a.Account == "" {
			return in.errf(line, "account", "missing: give the account number, IBAN or address")
		}
		if a.Kind == "crypto" && a.Chain == "" {
			return in.errf(line, "chain", "missing for a crypto account: give its chain (ethereum, bitcoin, tron, …)")
		}
		if v[6] != "" {
			t, err := parseStamp(v[6], true)
			if err != nil {
				return in.errf(line, "since", "%s", err.Error())
			}
			a.Since = t
		}
		out.add(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out.all(), nil
}
