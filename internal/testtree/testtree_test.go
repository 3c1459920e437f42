package testtree

import "testing"

func TestDependsReadsTheDigest(t *testing.T) {
	t.Setenv(Env, "abc")
	if got := Depends(t); got != "abc" {
		t.Fatalf("Depends = %q, want the value of %s", got, Env)
	}
}
