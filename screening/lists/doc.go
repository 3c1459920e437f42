// Package lists parses sanctions, attribution and seizure lists into
// Bulwark's screening model ([screening.List] of [screening.Entity]).
// Every parser works in one pass (the XML parsers stream one record at a
// time), never panics, fills ListInfo's ID, Name, Format, Published (when
// the file states one), SHA256 ([Digest]) and counts, and leaves Source and
// Imported to the caller.
//
// # Errors and problems
//
// A file that cannot be read at all — truncated inside a quoted field or
// an XML element, no rows, not the expected format — is an error: a
// *bulwark.Error with code invalid whose Field names the file and whose
// message says where (line, column) and what to do. The message does not
// name the file: a parser reading one stream knows it only by a fixed name
// ("un_consolidated.xml"), so the caller, which knows the file's path or
// URL, puts that first (screening/sources does). Everything smaller is a
// [screening.Problem] naming the place ("sdn.csv line 1234", "UN XML
// INDIVIDUAL QDi.001") and is left out of the import: a malformed or short
// row, an alias or address row whose entry is missing, an unknown country
// name, an address that fails its format check (wrong length, bad
// checksum), a truncated fragment. Look-alike non-Latin letters in an
// address are folded to Latin and reported.
//
// # Formats
//
// OFAC legacy CSV ([ParseOFACCSV], format "ofac-csv", list "ofac-sdn"):
// sdn.csv with optional add.csv, alt.csv and sdn_comments.csv, no header,
// "-0- " for empty. One entity per ent_num, CategorySanctions,
// ConfidenceHigh; SDN_Type gives the type (blank is an organization), the
// "] ["-joined Program column the programs, alt.csv the aliases, add.csv and
// Vess_flag the countries. Remarks longer than sdn.csv's 1000-character
// field continue in sdn_comments.csv and are joined first; then the
// "; "-separated remark items give dates of birth ("DOB 1964 to 1966" is
// expanded to the years), nationality and citizenship, identity documents
// ("Passport 123 (Korea, North)"), e-mail addresses, phone numbers,
// websites (as identifiers of type "Website"), weak aliases ("a.k.a. 'X'")
// and digital currency addresses ("Digital Currency Address - XBT 1A1z…").
// A remark cut off without its continuation loses its last item, which is
// reported; a continuation whose sdn.csv remark is complete comes from
// another publication and only its whole items are read.
//
// OFAC advanced XML ([ParseOFACXML], "ofac-xml", list "ofac-sdn"):
// SDN_ADVANCED.XML. DistinctParty FixedRef is the same ent_num; names come
// from DocumentedName parts ("LAST, First" for people), LowQuality aliases
// are weak, Features give birth dates (DatePeriod), countries (through
// Locations), e-mail, phone, website, vessel and aircraft identifiers and
// "Digital Currency Address - <ticker>" addresses; IDRegDocuments the
// documents; SanctionsMeasure comments of type Program the programs;
// DateOfIssue the publication date.
//
// UN consolidated list XML ([ParseUNXML], "un-xml", list
// "un-consolidated"): INDIVIDUAL and ENTITY records keyed by
// REFERENCE_NUMBER; a person's name is FIRST_NAME to FOURTH_NAME, the
// original-script name an alias, QUALITY "Low" aliases weak, UN_LIST_TYPE
// the program, dateGenerated the publication date.
//
// UK OFSI Consolidated List ([ParseUKConList], "ofsi-conlist-xlsx", and
// [ParseUKConListCSV], "ofsi-conlist-csv", list "uk-ofsi"): the ConList
// spreadsheet (streamed row by row after a zip-bomb check of its zip
// directory) or CSV, "Last Updated" and the date first, then the 36
// columns, one row per name variant; one entity per Group ID with the
// primary name, aliases (Low quality ones weak), non-Latin names, partial
// dates of birth, nationalities, documents, ships' IMO numbers, the regime
// as programme and the Listed On and Last Updated dates (Entity.Listed,
// Entity.Updated). A file that is not a complete ConList is an error
// naming the row. Open Government Licence v3.0: [Attribution].
//
// The DPRK attribution table ([ParseFBIAddresses], "fbi-txt", list
// "fbi-dprk"): a CSV (chain, address, incident, attribution,
// primary_source, corroboration, validation, confidence) grouped into one
// entity per incident, attribution, confidence and source.
// CategoryAttribution, the confidence the row states (unknown when empty),
// programs "DPRK" plus the actors the attribution names (none when it names
// no known actor).
//
// GraphSense TagPacks ([ParseTagPack], "tagpack", list "tagpack:<name>"):
// YAML with header defaults and a tags list, grouped by label. Abuse
// concepts (sanction, service_hack, scam, …) make a CategoryAttribution
// entity, anything else (exchange, mixing_service, …) a CategoryLabel one.
// GraphSense confidence levels (0–100) map to high (60 and above: authority
// data, forensic investigations, service APIs, ledger facts, ownership),
// medium (40–59: trusted providers, service data, forensic reports) and
// low (below 40: web crawls, heuristics, unknown, or no confidence given).
//
// Israel NBCTF seizure list ([ParseILNBCTF], "il-nbctf-csv", list
// "il-nbctf"): the Hebrew wallets table, sectioned by seizure order ("צ.ת
// 18/26"), with the optional releases table that dates the orders and
// names the forfeiture orders that replaced them. CategorySeizure,
// program "ASO <order>".
//
// [Detect] tells these formats apart from a file's first bytes (and OFAC's
// own file names); any zip file is taken for the ConList spreadsheet, whose
// reader checks the rest. A plain list of addresses, one per line, is
// [FormatAddressLines]: it says nothing of whose addresses they are, so it
// never makes an official list, whatever its name; it is imported only as a
// user's own list.
//
// # A user's own lists
//
// [ParseOwn] makes plain address lists and Bulwark CSV files one list
// under the ID, category (sanctions, attribution or internal) and
// confidence the user declares ([Own]); an ID reserved for an official
// list is refused ([screening.CheckUserListID]). A confidence nobody
// states is unknown, and no program is made up.
//
// # Bulwark CSV
//
// [ParseBulwarkCSV] reads Bulwark's own list format ("bulwark-csv", list
// "custom:<id>"): UTF-8 CSV with a header line naming the columns in any
// order and any case. Lines starting with '#' are comments; other columns
// are ignored. Every row must have as many cells as the header: a row with
// fewer or more is reported as a problem naming its line and skipped.
//
//	address     required; the address as used on chain
//	chain       optional; the ticker or chain (ETH, XBT, TRX, …); "currency" is read too
//	label       optional; who the address belongs to; rows with one label form one entity
//	source      optional; URL or document backing the row
//	confidence  optional; high, medium, low or unknown (empty: unknown, or the declared one)
//	category    optional; sanctions, attribution, seizure, label, internal or unknown
//	            (empty: unknown, or the declared kind of an own list)
//	program     optional; programs or actor tags, separated by ';' ("programs" is read too)
//
// Example:
//
//	# addresses our investigations team attributes to DPRK
//	address,chain,label,source,confidence,category
//	0x098B716B8Aaf21512996dC57EB0615e2383E2f96,ETH,Lazarus Group,https://home.treasury.gov/news/press-releases/jy0731,high,sanctions
//	bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc,XBT,Suspected DPRK IT worker,case 2025-117,medium,
//	0x28C6c06298d514Db089934071355E5743bf21d60,ETH,Binance hot wallet 14,,,label
//
// # Digest
//
// [Digest] implements ListInfo.SHA256: SHA-256 over the files sorted by
// name, each as its name, a NUL byte, its length as an 8-byte big-endian
// integer and its content. Parsers that take one reader digest it under a
// fixed name ("sdn_advanced.xml", "un_consolidated.xml"); the Israeli
// tables are "wallets.csv" and "releases.csv", a Bulwark CSV "<id>.csv",
// other files their base name.
package lists
