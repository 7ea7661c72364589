package sockets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func newCert(t *testing.T, meta map[string]string) Certificate {
	t.Helper()
	c, err := NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata = meta
	return c
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeText(t *testing.T, path, text string, perm fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
}

// noSecret fails the test if err's text holds the secret key of c.
func noSecret(t *testing.T, err error, secret Key) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), secret.String()) || strings.Contains(err.Error(), string(secret[:]))) {
		t.Fatalf("the error shows the secret key: %v", err)
	}
}

// TestCertificateRoundTrip saves a certificate and loads it back from the
// public file, with its secret file beside it, and from the secret file.
func TestCertificateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "server")
	c := newCert(t, map[string]string{"name": "server 1", "email": "ops@example.com", "quote": `say "hi" # not a comment`})
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path); m != 0o644 {
		t.Errorf("public file mode %04o, want 0644", m)
	}
	if m := mode(t, path+SecretSuffix); m != 0o600 {
		t.Errorf("secret file mode %04o, want 0600", m)
	}
	public := readText(t, path)
	if strings.Contains(public, c.Secret.String()) || strings.Contains(public, "secret-key") {
		t.Fatalf("the public file holds the secret key:\n%s", public)
	}
	if !strings.Contains(public, "\n    public-key = \""+c.Public.String()+"\"\n") {
		t.Fatalf("the public file lacks its public key line:\n%s", public)
	}
	if !strings.Contains(readText(t, path+SecretSuffix), "\n    secret-key = \""+c.Secret.String()+"\"\n") {
		t.Fatal("the secret file lacks its secret key line")
	}
	for _, p := range []string{path, path + SecretSuffix} {
		got, err := LoadCertificate(p)
		if err != nil {
			t.Fatalf("LoadCertificate(%s): %v", filepath.Base(p), err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("LoadCertificate(%s) = %+v, want %+v", filepath.Base(p), got.Metadata, c.Metadata)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("Save left %d files, want 2 (no temporary files)", len(entries))
	}
}

// TestCertificatePublicOnly: a certificate without its secret key saves and
// loads as a public certificate only.
func TestCertificatePublicOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "client")
	full := newCert(t, nil)
	c := Certificate{Public: full.Public}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + SecretSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a public-only certificate wrote a secret file: %v", err)
	}
	got, err := LoadCertificate(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Public != full.Public || !got.Secret.IsZero() || len(got.Metadata) != 0 {
		t.Fatalf("LoadCertificate = %+v, want the public key only", got)
	}
}

// TestCertificateSaveFixesMode: Save replaces an old secret file opened to
// everyone by a file of mode 0600, and the load check passes again.
func TestCertificateSaveFixesMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server")
	writeText(t, path+SecretSuffix, "old\n", 0o666)
	c := newCert(t, nil)
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path+SecretSuffix); m != 0o600 {
		t.Fatalf("secret file mode %04o after Save, want 0600", m)
	}
	if got, err := LoadCertificate(path); err != nil || got.Secret != c.Secret {
		t.Fatalf("LoadCertificate after Save: %v", err)
	}
}

// TestCertificateSaveRefuses: no public key, a secret key of another pair,
// and metadata that ZPL cannot hold are refused before anything is written.
func TestCertificateSaveRefuses(t *testing.T) {
	a, b := newCert(t, nil), newCert(t, nil)
	for name, c := range map[string]Certificate{
		"no public key":   {Secret: a.Secret},
		"mismatched pair": {Public: a.Public, Secret: b.Secret},
		"name with /":     {Public: a.Public, Metadata: map[string]string{"a/b": "x"}},
		"name with space": {Public: a.Public, Metadata: map[string]string{"a b": "x"}},
		"empty name":      {Public: a.Public, Metadata: map[string]string{"": "x"}},
		"two lines":       {Public: a.Public, Metadata: map[string]string{"name": "x\ny"}},
		"both quotes":     {Public: a.Public, Metadata: map[string]string{"name": `'"`}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			err := c.Save(filepath.Join(dir, "cert"))
			if !errors.Is(err, ErrBadCertificate) {
				t.Fatalf("Save: %v, want ErrBadCertificate", err)
			}
			noSecret(t, err, c.Secret)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("a refused Save left %d files", len(entries))
			}
		})
	}
}

// TestCertificateUnprotectedSecret: a secret certificate that group or
// others may read is refused, by its name or by its contents, as ssh
// refuses a private key, and the error says what to do without the key.
func TestCertificateUnprotectedSecret(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "server")
	c := newCert(t, nil)
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	for _, perm := range []fs.FileMode{0o644, 0o640, 0o604, 0o620} {
		if err := os.Chmod(path+SecretSuffix, perm); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + SecretSuffix} {
			_, err := LoadCertificate(p)
			if !errors.Is(err, ErrBadCertificate) || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("LoadCertificate(%s) with the secret file at %04o: %v, want a refusal", filepath.Base(p), perm, err)
			}
			noSecret(t, err, c.Secret)
		}
	}
	// A secret certificate under a public name is judged by its contents.
	other := filepath.Join(dir, "copied")
	writeText(t, other, readText(t, path+SecretSuffix), 0o644)
	if _, err := LoadCertificate(other); !errors.Is(err, ErrBadCertificate) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("LoadCertificate of a secret certificate at 0644: %v, want a refusal", err)
	}
	if err := os.Chmod(other, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadCertificate(other); err != nil || got.Secret != c.Secret {
		t.Fatalf("LoadCertificate of the secret certificate at 0600: %v", err)
	}
}

// TestCertificateMismatch: a public file with the secret file of another
// pair, and a secret file whose two keys differ, are refused.
func TestCertificateMismatch(t *testing.T) {
	dir := t.TempDir()
	a, b := newCert(t, nil), newCert(t, nil)
	pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := a.Save(pa); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(pb); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(pb+SecretSuffix, pa+SecretSuffix); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCertificate(pa)
	if !errors.Is(err, ErrBadCertificate) || !strings.Contains(err.Error(), "different public keys") {
		t.Fatalf("public a with secret b: %v, want a refusal", err)
	}
	noSecret(t, err, b.Secret)

	mixed := filepath.Join(dir, "mixed"+SecretSuffix)
	writeText(t, mixed, "curve\n    public-key = \""+a.Public.String()+"\"\n    secret-key = \""+b.Secret.String()+"\"\n", 0o600)
	_, err = LoadCertificate(mixed)
	if !errors.Is(err, ErrBadCertificate) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("secret file with keys of two pairs: %v, want a refusal", err)
	}
	noSecret(t, err, b.Secret)
}

// TestCertificateParse reads hand-written ZPL: comments, tabs, CRLF, single
// quotes, unquoted values with '#' inside and comments after them, nested
// sections; and refuses what is not a certificate, with the line and without
// the key.
func TestCertificateParse(t *testing.T) {
	c := newCert(t, nil)
	// A public key whose Z85 text holds '#' inside a group, not first.
	hash, err := ParseKey("0000#" + c.Public.String()[5:])
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]struct {
		text string
		want Certificate
	}{
		"czmq style": {
			"#   ****  Generated by CZMQ  ****\n#   ZeroMQ CURVE Public Certificate\n\nmetadata\n    name = \"n\"\ncurve\n    public-key = \"" + c.Public.String() + "\"\n",
			Certificate{Public: c.Public, Metadata: map[string]string{"name": "n"}},
		},
		"tabs, CRLF, single quotes": {
			"metadata\r\n\tname = 'a \"b\"'\r\ncurve\r\n\tpublic-key = '" + c.Public.String() + "'   # comment\r\n",
			Certificate{Public: c.Public, Metadata: map[string]string{"name": `a "b"`}},
		},
		"unquoted with # inside and a comment": {
			"curve   # section comment\n    public-key = " + hash.String() + "   # the key\nmetadata\n    id=7\n        nested = ignored\n",
			Certificate{Public: hash, Metadata: map[string]string{"id": "7"}},
		},
		"old Mac line ends": {
			"curve\r    public-key = \"" + c.Public.String() + "\"\r",
			Certificate{Public: c.Public},
		},
	}
	for name, tc := range good {
		t.Run(name, func(t *testing.T) {
			got, err := parseCertificate([]byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}

	secret := c.Secret.String()
	badKey := secret[:10] + "~" + secret[11:]
	bad := map[string]struct {
		text   string
		badKey bool
	}{
		"empty":               {"", false},
		"no public key":       {"metadata\n    name = \"x\"\n", false},
		"three spaces":        {"curve\n   public-key = \"" + c.Public.String() + "\"\n", false},
		"too deep":            {"curve\n        public-key = \"" + c.Public.String() + "\"\n", false},
		"no equals":           {"curve\n    public-key \"" + c.Public.String() + "\"\n", false},
		"open quote":          {"curve\n    public-key = \"" + secret + "\n", false},
		"text after quote":    {"curve\n    public-key = \"" + c.Public.String() + "\" " + secret + "\n", false},
		"twice":               {"curve\n    public-key = \"" + c.Public.String() + "\"\n    public-key = \"" + c.Public.String() + "\"\n", false},
		"bad name":            {"curve\n    \"" + secret + "\"\n", false},
		"bad Z85 public":      {"curve\n    public-key = \"" + badKey + "\"\n", true},
		"short public":        {"curve\n    public-key = \"" + secret[:39] + "\"\n", true},
		"zero public":         {"curve\n    public-key = \"" + Key{}.String() + "\"\n", true},
		"bad Z85 secret":      {"curve\n    public-key = \"" + c.Public.String() + "\"\n    secret-key = \"" + badKey + "\"\n", true},
		"unquoted bad secret": {"curve\n    public-key = \"" + c.Public.String() + "\"\n    secret-key = " + badKey + "x\n", true},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cert")
			writeText(t, path, tc.text, 0o600)
			_, err := LoadCertificate(path)
			if !errors.Is(err, ErrBadCertificate) {
				t.Fatalf("LoadCertificate: %v, want ErrBadCertificate", err)
			}
			if errors.Is(err, ErrBadKey) != tc.badKey {
				t.Fatalf("LoadCertificate: %v; wraps ErrBadKey %v, want %v", err, !tc.badKey, tc.badKey)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			noSecret(t, err, c.Secret)
			for _, part := range []string{secret[:8], secret[12:20], secret[30:], badKey[8:16]} {
				if strings.Contains(err.Error(), part) {
					t.Fatalf("the error shows key text: %v", err)
				}
			}
		})
	}
}

// TestLoadPublicKeys reads the public keys of a directory of certificates:
// secret files, dotfiles and subdirectories are skipped, duplicates merged,
// and a file that is not a certificate fails the call with its name.
func TestLoadPublicKeys(t *testing.T) {
	dir := t.TempDir()
	var want []Key
	for _, name := range []string{"alice", "bob", "carol"} {
		c := newCert(t, map[string]string{"name": name})
		if err := c.Save(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		want = append(want, c.Public)
	}
	slices.SortFunc(want, func(a, b Key) int { return strings.Compare(string(a[:]), string(b[:])) })
	// A copy of a public certificate, a dotfile and a subdirectory.
	writeText(t, filepath.Join(dir, "alice-copy"), readText(t, filepath.Join(dir, "alice")), 0o644)
	writeText(t, filepath.Join(dir, ".notes"), "not a certificate\n", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPublicKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("LoadPublicKeys = %d keys %v, want %d sorted keys %v", len(got), got, len(want), want)
	}

	junk := filepath.Join(dir, "README")
	writeText(t, junk, "these are our peers\n", 0o644)
	keys, err := LoadPublicKeys(dir)
	if !errors.Is(err, ErrBadCertificate) || !strings.Contains(err.Error(), junk) || keys != nil {
		t.Fatalf("LoadPublicKeys with a junk file = %d keys, %v; want an error naming %s", len(keys), err, junk)
	}

	empty := t.TempDir()
	if keys, err := LoadPublicKeys(empty); err != nil || len(keys) != 0 {
		t.Fatalf("LoadPublicKeys of an empty directory = %v, %v", keys, err)
	}
	if _, err := LoadPublicKeys(filepath.Join(empty, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadPublicKeys of a missing directory: %v, want fs.ErrNotExist", err)
	}
}

// FuzzParseCertificate: the parser never panics, fails without showing the
// text's keys, and what it accepts saves and loads back the same.
func FuzzParseCertificate(f *testing.F) {
	f.Add("curve\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"\n")
	f.Add("metadata\n\tname = 'x'\ncurve\n    public-key = rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 # c\n")
	f.Add("curve\n   public-key = \"\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := parseCertificate([]byte(text))
		if err != nil {
			return
		}
		if c.Public.IsZero() {
			t.Fatal("accepted a certificate without a public key")
		}
		c.Secret = Key{} // a random secret would not match
		for name, value := range c.Metadata {
			if _, err := zplProperty(name, value); err != nil {
				delete(c.Metadata, name)
			}
		}
		if len(c.Metadata) == 0 {
			c.Metadata = nil
		}
		path := filepath.Join(t.TempDir(), "cert")
		if err := c.Save(path); err != nil {
			t.Fatalf("Save of a parsed certificate: %v", err)
		}
		back, err := LoadCertificate(path)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, c)
		}
	})
}
