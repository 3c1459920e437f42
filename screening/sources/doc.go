// Package sources gathers list files from where they come from — a local
// directory, URLs (the official OFAC and UN addresses by default) or the
// snapshot embedded in the binary — and runs them through the parsers of
// screening/lists.
//
// An import is all or nothing: if any file fails to parse, [Parse] returns
// an error naming the file (its path or URL, first) and the place, and the
// caller keeps the lists it had. Files it does not recognise are reported,
// never silently skipped.
//
// A directory may hold:
//
//	sdn.csv [add.csv alt.csv sdn_comments.csv]   OFAC SDN, legacy CSV set
//	sdn_advanced.xml (any case)                   OFAC SDN, advanced XML
//	consolidated.xml / *UN*.xml                   UN Security Council list
//	ConList .xlsx (any zip) / ConList CSV         UK OFSI Consolidated List (uk-ofsi)
//	CSV with header address,incident,attribution,primary_source,...
//	                                              DPRK attribution table (fbi-dprk)
//	CSV with header address[,chain,label,...]     Bulwark CSV (custom list)
//	*.yaml                                        GraphSense TagPack
//	il_nbctf wallets [+ releases] CSV             Israel NBCTF seizures
//	any gzip file (bulwark-lists/1)               a Bulwark list snapshot
//
// A plain list of addresses (one per line), whatever its name, is refused
// by [Parse] with the command that imports it as the user's own list:
// [ParseOwn] makes such files, and Bulwark CSV, one list under the ID and
// kind the user declares.
//
// Snapshots ('bulwark lists export') are told by their content, the gzip
// magic bytes, whatever their name; a gzip file that is not a snapshot is
// an error (other list files are read uncompressed).
package sources
