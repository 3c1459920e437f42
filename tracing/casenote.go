package tracing

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
)

// Limits on an analyst's notes.
const (
	MaxNoteText  = 2000 // characters
	MaxCaseNotes = 1000
)

// CaseActionNote is the history action of adding a note ("trace.case.note"
// in the audit log).
const CaseActionNote = "note"

// CaseNote is an analyst's note in a case: on one address of it, or on
// the case as a whole (Address zero). Notes are kept in the order they
// were written and never rewritten: a correction is a new note, so the
// notes read as the investigation went.
type CaseNote struct {
	// Address is the address the note is about; zero for the case.
	Address common.Address `json:"address,omitzero"`
	// Author is the audit actor who wrote it ("user:NAME", "token:ID",
	// "cli:USER"); At when (UTC). Case.Apply sets both.
	Author string    `json:"author"`
	At     time.Time `json:"at"`
	// Text is the note: 1 to MaxNoteText characters, lines allowed.
	Text string `json:"text"`
}

// MarshalJSON writes the address in EIP-55 form, and leaves it out for a
// note on the case.
func (n CaseNote) MarshalJSON() ([]byte, error) {
	type plain CaseNote
	out := struct {
		Address string `json:"address,omitempty"`
		plain
	}{plain: plain(n)}
	out.plain.Address = common.Address{}
	if n.Address != (common.Address{}) {
		out.Address = n.Address.Hex()
	}
	return json.Marshal(out)
}

// Subject names what the note is about: the address (EIP-55) or "case".
func (n CaseNote) Subject() string {
	if n.Address == (common.Address{}) {
		return "case"
	}
	return n.Address.Hex()
}

// CheckNoteText checks a note's text and returns it trimmed: 1 to
// MaxNoteText characters of valid UTF-8, with line breaks and tabs but no
// other control characters.
func CheckNoteText(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return "", bulwark.Invalid("text", "required: what the analyst wants to record (e.g. \"funds split here; see tx 0x…\")")
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return "", bulwark.Invalid("text", "must be text: line breaks and tabs are allowed, other control characters are not")
	}
	if n := utf8.RuneCountInString(s); n > MaxNoteText {
		return "", bulwark.Invalid("text", "is %d characters long; at most %d", n, MaxNoteText)
	}
	return s, nil
}

// addNote checks n's text and appends it as written by actor at at.
func (c *Case) addNote(n CaseNote, actor string, at time.Time) (CaseNote, error) {
	text, err := CheckNoteText(n.Text)
	if err != nil {
		return n, err
	}
	if len(c.Notes) >= MaxCaseNotes {
		return n, bulwark.Invalid("notes", "a case holds at most %d notes", MaxCaseNotes)
	}
	n = CaseNote{Address: n.Address, Author: actor, At: at, Text: text}
	c.Notes = append(c.Notes, n)
	return n, nil
}

// NotesOn returns the notes on address a (the case's own notes for the
// zero address), oldest first.
func (c *Case) NotesOn(a common.Address) []CaseNote {
	var out []CaseNote
	for _, n := range c.Notes {
		if n.Address == a {
			out = append(out, n)
		}
	}
	return out
}

// ParseNote reads a note as the API, the command line and the console
// take it: the address it is about (0x + 40 hex digits; empty for the
// case) and its text (CheckNoteText).
func ParseNote(address, text string) (CaseNote, error) {
	var n CaseNote
	if a := strings.TrimSpace(address); a != "" {
		var err error
		if n.Address, err = ParseAddress("address", a); err != nil {
			return n, err
		}
		if n.Address == (common.Address{}) {
			return n, bulwark.Invalid("address", "the zero address is not an address of a case: leave the address empty for a note on the case")
		}
	}
	var err error
	n.Text, err = CheckNoteText(text)
	return n, err
}
