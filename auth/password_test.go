package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword(password, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, password) {
		t.Fatalf("hash %q", h)
	}
	h2, _ := auth.HashPassword(password, cheap)
	if h == h2 {
		t.Fatal("two hashes of one password must differ (salt)")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{password, true}, {password + " ", false}, {"", false}, {strings.ToUpper(password), false}} {
		ok, err := auth.VerifyPassword(tc.pw, h)
		if err != nil || ok != tc.want {
			t.Fatalf("VerifyPassword(%q) = %v, %v", tc.pw, ok, err)
		}
	}
	if auth.NeedsRehash(h, cheap) {
		t.Fatal("a hash with the wanted parameters needs no rehash")
	}
	if !auth.NeedsRehash(h, auth.DefaultPasswordParams) {
		t.Fatal("a hash with other parameters needs a rehash")
	}
	p, salt, key, err := auth.ParsePasswordHash(h)
	if err != nil || p != cheap || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("ParsePasswordHash = %+v %d %d %v", p, len(salt), len(key), err)
	}
}

func TestParsePasswordHashRefuses(t *testing.T) {
	t.Parallel()
	salt, key := "c2FsdHNhbHRzYWx0c2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for _, s := range []string{
		"",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key, // 4 TiB
		"$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
	} {
		if _, _, _, err := auth.ParsePasswordHash(s); !bulwark.IsCode(err, bulwark.EINTEGRITY) {
			t.Errorf("ParsePasswordHash(%q) = %v, want integrity", s, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pw string
		ok bool
	}{{"short", false}, {"twelve chars", true}, {"\xff\xfe invalid utf8 x", false}, {strings.Repeat("a", auth.MaxPasswordLen+1), false}, {"ąčęėįšųūž ąčę", true}} {
		if err := auth.ValidatePassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q) = %v", tc.pw, err)
		}
	}
}

func FuzzParsePasswordHash(f *testing.F) {
	h, _ := auth.HashPassword(password, cheap)
	f.Add(h)
	f.Add("$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := auth.ParsePasswordHash(s)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINTEGRITY) {
				t.Fatalf("error %v is not integrity", err)
			}
			return
		}
		if p.Memory > 1<<20 || p.Time > 64 || p.Threads == 0 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted out-of-range parameters %+v", p)
		}
	})
}

// BenchmarkPasswordHash measures one Argon2id hash at the default
// parameters (the cost of one sign-in, which verifies one): wall time,
// the memory it allocates, and the process's CPU time per hash
// (cpu-ms/op), which a loaded machine does not inflate as it does wall
// time. See docs/benchmarks.md.
func BenchmarkPasswordHash(b *testing.B) {
	b.ReportAllocs()
	start := processCPU(b)
	for b.Loop() {
		if _, err := auth.HashPassword(password, auth.DefaultPasswordParams); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU(b)-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
