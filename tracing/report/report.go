package report

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Format is a file format a graph is written in.
type Format string

// The formats.
const (
	JSON Format = "json" // the graph, as tracing.Graph marshals it
	CSV  Format = "csv"  // one row per edge
	GEXF Format = "gexf" // GEXF 1.3, for Gephi
	DOT  Format = "dot"  // Graphviz
)

// Formats returns every format in a fixed order.
func Formats() []Format { return []Format{JSON, CSV, GEXF, DOT} }

// ParseFormat reads a format's name: json, csv, gexf or dot.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", bulwark.Invalid("format", "unknown format %q: use json, csv, gexf or dot", s)
}

// Ext returns the format's file extension, with its dot.
func (f Format) Ext() string { return "." + string(f) }

// FormatOf returns the format a file name's extension names (".json",
// ".csv", ".gexf", ".dot", in any letter case), false for another.
func FormatOf(name string) (Format, bool) {
	ext := strings.ToLower(filepath.Ext(name))
	for _, f := range Formats() {
		if f.Ext() == ext {
			return f, true
		}
	}
	return "", false
}

// Write writes g to w in format f.
func Write(w io.Writer, f Format, g *tracing.Graph) error {
	switch f {
	case JSON:
		return WriteJSON(w, g)
	case CSV:
		return WriteCSV(w, g)
	case GEXF:
		return WriteGEXF(w, g)
	case DOT:
		return WriteDOT(w, g)
	}
	_, err := ParseFormat(string(f))
	return err
}

// writeErr wraps a failed write.
func writeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot write the "+what)
}
