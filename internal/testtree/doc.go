// Package testtree lets a test declare that it depends on more of the
// source tree than go test's cache can see.
//
// go test reuses a package's passing result while its test binary, its
// flags and the files and environment variables the test consulted stay
// the same. A test that builds the bulwark binary, has another process
// read sources (a compiler, go list, go run) or otherwise depends on
// files it never opens itself would be reused after those files changed.
// Such a test calls Depends: make test (scripts/test.sh) sets
// BULWARK_TEST_TREE to a digest of the whole source tree, so the test's
// result is reused only for the very same tree. Outside make test the
// variable is unset and go test's usual rules apply (use -count=1 to run
// a test again whatever the cache holds).
package testtree
