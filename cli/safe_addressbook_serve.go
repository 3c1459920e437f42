package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// serveBookMarker is the file, in the data directory, by which a running
// 'serve --address-book FILE' tells 'bulwark safe address-book' that the
// file, not the stored book, is in force there.
const serveBookMarker = "serve-address-book.json"

// bookMarker is the marker's content.
type bookMarker struct {
	File string `json:"file"`
	PID  int    `json:"pid"`
}

// AnnounceAddressBook records, for 'bulwark safe address-book' on the same
// data directory, which book serve has in force: with --address-book it
// writes the marker (the file and this process's id), which the returned
// function removes at exit; without it, it removes a marker left by a
// serve that did not exit cleanly.
func (s *Serving) AnnounceAddressBook() (remove func(), err error) {
	dir, err := s.m.dataDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, serveBookMarker)
	if s.AddressBookFile == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("cannot remove %s: %w", path, err)
		}
		return func() {}, nil
	}
	file, err := filepath.Abs(s.AddressBookFile)
	if err != nil {
		file = s.AddressBookFile
	}
	data, err := json.Marshal(bookMarker{File: file, PID: os.Getpid()})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return func() { _ = os.Remove(path) }, nil
}

// runningServeBook returns the --address-book file of a serve running on
// the data directory, "" when none: no marker, or one whose process is
// gone.
func (m *Main) runningServeBook() (file string, pid int) {
	dir, err := m.dataDir()
	if err != nil {
		return "", 0
	}
	data, err := os.ReadFile(filepath.Join(dir, serveBookMarker))
	if err != nil {
		return "", 0
	}
	var mk bookMarker
	if json.Unmarshal(data, &mk) != nil || mk.File == "" || mk.PID <= 0 || !processAlive(mk.PID) {
		return "", 0
	}
	return mk.File, mk.PID
}
