// Package vetting assembles the hiring service the command line and the
// API share: the identity graph (hiring.BuildGraph), the red-flag rules
// (hiring.Checker) with the reference data of hiring/intel, names and
// payroll addresses screened by the screening service (hiring/sanctions),
// and the store and audit log results are kept in. It holds no rule of
// its own: what one entry point refuses or flags, every one does.
package vetting
