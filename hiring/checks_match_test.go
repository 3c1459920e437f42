package hiring

import "testing"

func TestSameName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Alice Martin", "alice martin", true},
		{"Alice Martin", "MARTIN, Alice", true},
		{"Alice J. Martin", "Alice Martin", true},
		{"A. Martin", "Alice Martin", true},
		{"José Álvarez", "Jose Alvarez", true},
		{"Jonathan Smith", "Jonathon Smith", true},
		{"John Smith", "Jane Smith", false},
		{"Maria Rossi", "Mario Rossi", false},
		{"Alice Martin", "Robert Chen", false},
		{"J", "John Smith", false},
		{"", "John Smith", true},
		{"Jin Wei Trading Ltd", "Alice Martin", false},
	} {
		if got := sameName(nameTokens(tc.a), nameTokens(tc.b)); got != tc.want {
			t.Errorf("sameName(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"12 Oak Street, Springfield, IL 62704", "12 OAK ST., Springfield IL 62704-1234, USA", true},
		{"5 Pine Road Apt 4", "5 pine rd #4", true},
		{"5 Pine Road Apt 4", "5 Pine Road Apt 5", false},
		{"1 Farm Lane, Hendersonville, TN", "12 Oak Street, Springfield, IL", false},
		{"Straße 1", "strasse 1", false}, // no transliteration: a mismatch is shown, not hidden
	} {
		if got := addressKey(tc.a) == addressKey(tc.b); got != tc.same {
			t.Errorf("addressKey(%q)=%q, addressKey(%q)=%q: same %v, want %v", tc.a, addressKey(tc.a), tc.b, addressKey(tc.b), got, tc.same)
		}
	}
}

func TestAccountAndHandleKeys(t *testing.T) {
	t.Parallel()
	if accountKey("DE89 3704-0044.0532 0130 00") != accountKey("de89370400440532013000") {
		t.Error("IBAN spacing")
	}
	for _, h := range []string{"@Octo", "https://github.com/octo", "github.com/Octo/", "octo"} {
		if githubKey(h) != "octo" {
			t.Errorf("githubKey(%q) = %q", h, githubKey(h))
		}
	}
}
