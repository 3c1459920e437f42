// Package evidence reads the files the hiring checks work on: people
// records (CSV or JSON lines, with a column mapping for other layouts such
// as an applicant-tracking export), identity-provider sign-in logs (Okta
// System Log, Microsoft Entra sign-in exports), endpoint inventories,
// laptop shipping records, payroll accounts and GitHub profiles. Every
// reader is all or nothing: a file with one bad row is refused with an
// error naming the file, line and field, and nothing of it is returned.
package evidence
