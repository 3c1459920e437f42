package policy

// TestdataScreener screens against the list files in testdata/screening,
// for the tests of package policy_test.
var TestdataScreener = testScreener
