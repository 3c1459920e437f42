// Package evidence reads the files the hiring checks work on: people
// records (CSV or JSON lines, with a column mapping for other layouts such
// as an applicant-tracking export), identity-provider sign-in logs (Okta
// System Log, Microsoft Entra sign-in exports), endpoint inventories,
// laptop shipping records, payroll accounts and GitHub profiles. Every
// reader is all or nothing: a file with one bad row is refused with an
// error naming the file, line and field, and nothing of it is returned.
//
// An error never repeats a value from a data row (an id, login, e-mail,
// date of birth, IP address, time, serial, hostname, or whatever a cell
// in the wrong column holds): errors reach stderr, API responses and
// logs, and these files are personal data. It says "the id is also the id
// of line 2", not which id. Header cells and mapping settings are
// repeated, since the user needs them to fix the file.
package evidence
