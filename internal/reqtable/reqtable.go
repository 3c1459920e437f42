// Package reqtable loads screening/testdata/name_requests.json, the one
// table of name screening requests and what checking them gives, that the
// screening, API and CLI tests all run: the three must accept and refuse
// the same requests.
package reqtable

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// NameRequest is one row: a name screening request and what checking it
// gives.
type NameRequest struct {
	Desc    string `json:"desc"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	DOB     string `json:"dob"`
	Country string `json:"country"`
	Subject string `json:"subject"`
	Limit   int    `json:"limit"`
	// WantCountry, WantDOB and WantType are the normalised values of an
	// accepted request; Field (the JSON field) and Msg (a part of the
	// message) describe the error of a refused one.
	WantCountry string `json:"wantCountry"`
	WantDOB     string `json:"wantDOB"`
	WantType    string `json:"wantType"`
	Field       string `json:"field"`
	Msg         string `json:"msg"`
}

// LoadNameRequests reads the table at path, expanding "@repeat:C:N" to N
// copies of C and giving rows without a name "Pak Jin Hyok".
func LoadNameRequests(path string) ([]NameRequest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []NameRequest
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var bad error
	expand := func(s string) string {
		spec, ok := strings.CutPrefix(s, "@repeat:")
		if !ok {
			return s
		}
		c, n, _ := strings.Cut(spec, ":")
		count, err := strconv.Atoi(n)
		if err != nil {
			bad = fmt.Errorf("%s: bad repeat %q", path, s)
		}
		return strings.Repeat(c, count)
	}
	for i := range rows {
		r := &rows[i]
		r.Name, r.Type, r.DOB, r.Country, r.Subject = expand(r.Name), expand(r.Type), expand(r.DOB), expand(r.Country), expand(r.Subject)
		if r.Name == "" {
			r.Name = "Pak Jin Hyok"
		}
	}
	return rows, bad
}
