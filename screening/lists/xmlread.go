package lists

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/bulwark-sec/bulwark"
)

// newXMLDecoder returns a strict decoder that also reads the legacy
// single-byte encodings some exports declare.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
			return charmap.ISO8859_1.NewDecoder().Reader(input), nil
		case "windows-1252", "cp1252":
			return charmap.Windows1252.NewDecoder().Reader(input), nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return d
}

// xmlError turns a decoding error into an invalid-input error naming the
// file and the position the decoder reached.
func xmlError(name string, d *xml.Decoder, err error) error {
	line, col := d.InputPos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || (se != nil && strings.Contains(se.Msg, "unexpected EOF")) {
		return invalidFile(name, "line %d, column %d (byte %d): the XML ends before its elements are closed, so the file is truncated; download it again", line, col, d.InputOffset())
	}
	var be *bulwark.Error
	if errors.As(err, &be) {
		return err
	}
	return invalidFile(name, "line %d, column %d (byte %d): malformed XML (%v); check the file is the complete download", line, col, d.InputOffset(), err)
}

// xmlRoot reads d up to the document's first start element and returns it.
// A root element not named root is an error saying the file is not what; a
// document without any element is an error asking whether it is hint.
// Decoding errors are wrapped by [xmlError].
func xmlRoot(d *xml.Decoder, name, root, what, hint string) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, invalidFile(name, "no XML element found; is this %s?", hint)
		}
		if err != nil {
			return xml.StartElement{}, xmlError(name, d, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != root {
				return xml.StartElement{}, invalidFile(name, "the root element is <%s>, not <%s>: not %s", shorten(se.Name.Local, 40), root, what)
			}
			return se, nil
		}
	}
}

// xmlElements reads the rest of the document from d, one token at a time,
// and calls each for every start element, at any depth, that each's earlier
// calls did not consume (by decoding or skipping it). An error from d or
// from each ends the walk and is wrapped by [xmlError].
func xmlElements(d *xml.Decoder, name string, each func(se xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(name, d, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := each(se); err != nil {
				return xmlError(name, d, err)
			}
		}
	}
}
