// Package sanctions connects the hiring checks to the screening service:
// Screener implements hiring.Screener by screening a person's name and
// their payroll crypto addresses with screening.Service under the hiring
// use, so every screening is a recorded, audited screening decision and
// Bulwark keeps one name matcher, not two.
package sanctions
