package lists

import (
	"bytes"
	"path"
	"regexp"
	"strings"
)

// Formats [Detect] reports. All but FormatILNBCTFReleases are also the
// ListInfo.Format of the list the matching parser returns.
const (
	FormatOFACCSV       = "ofac-csv"          // sdn.csv, add.csv, alt.csv, sdn_comments.csv → ParseOFACCSV
	FormatOFACXML       = "ofac-xml"          // SDN_ADVANCED.XML → ParseOFACXML
	FormatUNXML         = "un-xml"            // UN consolidated list XML → ParseUNXML
	FormatFBI           = "fbi-txt"           // the DPRK attribution CSV → ParseFBIAddresses
	FormatBulwarkCSV    = "bulwark-csv"       // Bulwark's own CSV → ParseBulwarkCSV
	FormatTagPack       = "tagpack"           // GraphSense TagPack YAML → ParseTagPack
	FormatILNBCTF       = "il-nbctf-csv"      // NBCTF wallets table → ParseILNBCTF's first argument
	FormatUKConListXLSX = "ofsi-conlist-xlsx" // OFSI ConList spreadsheet → ParseUKConList
	FormatUKConListCSV  = "ofsi-conlist-csv"  // OFSI ConList CSV → ParseUKConListCSV
	// FormatILNBCTFReleases is the NBCTF releases table, the optional
	// second argument of ParseILNBCTF; it is not a list on its own.
	FormatILNBCTFReleases = "il-nbctf-releases-csv"
)

// Official reports whether format is an official publication's format,
// whose parser names the list itself (OFAC, UN, the UK ConList, the DPRK attribution table,
// NBCTF, TagPacks): as opposed to Bulwark CSV and plain address lists,
// which are the user's own.
func Official(format string) bool {
	switch format {
	case FormatOFACCSV, FormatOFACXML, FormatUNXML, FormatFBI, FormatTagPack, FormatILNBCTF, FormatILNBCTFReleases, FormatUKConListXLSX, FormatUKConListCSV:
		return true
	}
	return false
}

// ofacLegacyRow matches the start of a legacy OFAC CSV row: a number, then
// a quoted name or "-0-".
var ofacLegacyRow = regexp.MustCompile(`^\d+,(?:"[^"]*"|-0- ?),`)

// Detect guesses the format of a list file from its name and its first
// bytes (a few kilobytes are enough) so that a directory import can route
// each file to its parser. It returns one of the Format constants and
// false when nothing fits. A file's name alone never makes it an official
// list except for OFAC's own file names (sdn.csv, SDN_ADVANCED.XML…),
// whose content the parser then checks; a zip file is the ConList
// spreadsheet, and a CSV starting "Last Updated" or whose header names
// Name 6 and Group ID the ConList CSV: a CSV is the DPRK attribution table
// only when its header names address, incident, attribution and
// primary_source; other CSVs naming an address column are Bulwark CSV, and
// a plain list of addresses is [FormatAddressLines], whatever its name.
func Detect(name string, head []byte) (format string, ok bool) {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	ext := path.Ext(base)
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		// A zip file: the only one Bulwark reads is the ConList
		// spreadsheet (.xlsx), whose parser checks the rest.
		return FormatUKConListXLSX, true
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	text := strings.TrimSpace(string(head))
	if isConListCSV(text) {
		return FormatUKConListCSV, true
	}

	switch base {
	case ofacSDN, ofacAdd, ofacAlt, ofacComments:
		return FormatOFACCSV, true
	case "sdn_advanced.xml", "cons_advanced.xml":
		return FormatOFACXML, true
	}
	if strings.HasPrefix(text, "<") {
		switch {
		case strings.Contains(text, "<CONSOLIDATED_LIST"):
			return FormatUNXML, true
		case strings.Contains(text, "<Sanctions") && (strings.Contains(text, "ADVANCED_XML") || strings.Contains(text, "<ReferenceValueSets") || strings.Contains(text, "<DateOfIssue")):
			return FormatOFACXML, true
		}
		return "", false
	}
	first, _, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	switch {
	case strings.HasPrefix(first, "שם מלא"):
		return FormatILNBCTF, true
	case strings.HasPrefix(first, "סוג") && strings.Contains(first, "תאריך עדכון"):
		return FormatILNBCTFReleases, true
	}
	if ext == ".yaml" || ext == ".yml" || (strings.Contains(text, "\ntags:") && strings.Contains(text, "title:")) {
		if strings.Contains(text, "tags:") || strings.Contains(text, "title:") || strings.Contains(text, "creator:") {
			return FormatTagPack, true
		}
		return "", false
	}
	if ofacLegacyRow.MatchString(first) && strings.Contains(text, "-0-") {
		return FormatOFACCSV, true
	}
	if header := firstDataLine(head); isAddressHeader(header) {
		cols := csvColumns(strings.Split(header, ","))
		for _, c := range fbiColumns {
			if _, ok := cols[c]; !ok {
				return FormatBulwarkCSV, true
			}
		}
		return FormatFBI, true
	}
	if looksLikeAddressLines(head) {
		return FormatAddressLines, true
	}
	return "", false
}

// isConListCSV reports whether text starts like OFSI's ConList CSV: a
// "Last Updated" line, or the header naming Name 6 and Group ID.
func isConListCSV(text string) bool {
	first, _, _ := strings.Cut(text, "\n")
	first = strings.ToLower(strings.TrimSpace(first))
	if strings.HasPrefix(strings.TrimLeft(first, `"`), "last updated") {
		return true
	}
	return strings.Contains(first, "name 6") && strings.Contains(first, "group id")
}

// looksLikeAddressLines reports whether every complete non-comment line of
// head is a single address-like token (and there is at least one).
func looksLikeAddressLines(head []byte) bool {
	lines := strings.Split(string(head), "\n")
	if len(lines) > 1 && !bytes.HasSuffix(head, []byte("\n")) {
		lines = lines[:len(lines)-1] // the last line may be cut
	}
	n := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = strings.TrimSpace(l[:i])
		}
		if l == "" {
			continue
		}
		if strings.ContainsAny(l, " \t,;") || len(l) < 20 || len(l) > 130 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':') {
				return false
			}
		}
		n++
	}
	return n > 0
}
